"""Cache keys named by the data a drawing shows, computed without drawing (or laying out) it.

Keying a flowchart by its DOT source means laying the whole chart out on every page view (about
30 ms at 200 steps); the domain chart and its annotations, which a page has loaded anyway, say the
same in well under a millisecond. The key also names the renderer: ``RENDERER_VERSION`` and a
digest of this package's source, so a change to how charts are drawn never serves an old drawing.

A key is content-addressed, so nothing has to remember to invalidate it: a changed mark, step text
or arrow is another key. Files keep people's words on disk; a withdrawal and a study's erasure
empty the whole render cache after their commit (``services.after_commit``).
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

from tocapp.domain.theory import Flowchart
from tocapp.render.annotations import Annotations
from tocapp.render.graphviz_runner import normalise_dpi

# Bump when a drawing changes for a reason outside this package's source (fonts, Graphviz).
RENDERER_VERSION = "2026-12-03.4"


@functools.cache
def renderer_fingerprint() -> str:
    """``RENDERER_VERSION`` and a digest of the render package's source, read once a process."""
    digest = hashlib.sha256(RENDERER_VERSION.encode())
    for path in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


@functools.cache
def code_fingerprint() -> str:
    """A digest of the whole application's source (Python and templates), read once a process:
    for what a page caches as HTML, which any module or template may shape."""
    package = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256(RENDERER_VERSION.encode())
    for path in sorted(package.rglob("*")):
        if path.suffix in (".py", ".html") and path.is_file():
            digest.update(str(path.relative_to(package)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def content_key(kind: str, *parts: object) -> str:
    """sha256 of the kind, the renderer and ``repr`` of each part.

    Every part must be plain data whose ``repr`` shows all of it (frozen dataclasses, tuples,
    strings, numbers, enums); ``repr`` escapes control characters, so the parts cannot run into
    one another.
    """
    digest = hashlib.sha256(f"{kind}\n{renderer_fingerprint()}\n".encode())
    for part in parts:
        digest.update(repr(part).encode("utf-8"))
        digest.update(b"\x00")
    return digest.hexdigest()


def drawing_key(
    chart: Flowchart,
    annotations: Annotations | None,
    fmt: str,
    dpi: int | None = None,
    *extra: object,
) -> str:
    """The key of a flowchart drawn as ``fmt``; ``extra`` names what is done to it afterwards
    (an inline SVG's title and id prefix)."""
    return content_key(
        "flowchart", fmt, normalise_dpi(fmt, dpi), chart, annotations or Annotations(), *extra
    )
