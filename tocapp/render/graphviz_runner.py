"""Run Graphviz in a subprocess with a time limit and size limits on what goes in and comes out.

We call ``dot`` ourselves rather than through the ``graphviz`` package because its ``pipe()`` has
no timeout, and a stuck layout must not hold a web worker.
"""

from __future__ import annotations

import os
import subprocess

from tocapp.render import spare_dot
from tocapp.render.graphviz_plugins import ENGINE, forget_if_broken, svg_plugin_folder

# Every DOT we draw is laid out already, by us (flowchart_dot): Graphviz's nop2 engine takes its
# positions and curves as given. Named here, so dot loads no engine of its own to choose from.
COMMAND = ("dot", ENGINE)
DEFAULT_TIMEOUT = 20.0
# A 200-step chart with 250 arrows is about 85 kB of DOT and 250 kB of SVG.
MAX_SOURCE_BYTES = 1_000_000
MAX_OUTPUT_BYTES = 30_000_000
FORMATS = ("svg", "png")
SCREEN_DPI = 150
MIN_DPI, MAX_DPI = 36, 300
# Graphviz scales a drawing down to fit ``size``; this bounds a PNG's longest side in pixels, and
# so the memory cairo needs to draw it.
MAX_PNG_SIDE = 16_000


class RenderError(Exception):
    """Graphviz could not draw the chart. The message is written for a user; detail for logs."""

    def __init__(self, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.detail = detail


def normalise_dpi(fmt: str, dpi: int | None) -> int | None:
    """The resolution a format is drawn at: None for SVG, SCREEN_DPI by default for PNG."""
    if fmt not in FORMATS:
        raise ValueError(f"Unknown format {fmt!r}; expected one of {', '.join(FORMATS)}.")
    if fmt == "svg":
        return None
    dpi = SCREEN_DPI if dpi is None else dpi
    if not MIN_DPI <= dpi <= MAX_DPI:
        raise ValueError(f"dpi must be between {MIN_DPI} and {MAX_DPI}.")
    return dpi


def render_dot(
    dot_source: str,
    fmt: str = "svg",
    *,
    timeout: float = DEFAULT_TIMEOUT,
    max_source_bytes: int = MAX_SOURCE_BYTES,
    max_output_bytes: int = MAX_OUTPUT_BYTES,
    dpi: int | None = None,
) -> bytes:
    """Draw DOT source, laid out already (positions for the nop2 engine, as flowchart_dot writes
    them), as SVG or PNG bytes; raise RenderError on timeout, failure or oversize."""
    dpi = normalise_dpi(fmt, dpi)
    source = dot_source.encode("utf-8")
    if len(source) > max_source_bytes:
        raise RenderError(
            f"The chart is too large to draw ({len(source) // 1000} kB of drawing instructions; "
            f"the limit is {max_source_bytes // 1000} kB).",
        )
    command = [*COMMAND, "-T" + fmt]
    if dpi is not None:
        side = MAX_PNG_SIDE / dpi
        command += [f"-Gdpi={dpi}", f"-Gsize={side:g},{side:g}"]
    folder = svg_plugin_folder() if fmt == "svg" else None
    result = _run(command, source, timeout, folder)
    if result.returncode != 0 and folder is not None:
        # The plugin folder may have gone stale (Graphviz upgraded under a running app): draw
        # with all of Graphviz's plugins. If they can, the folder is checked, and made again
        # for the next chart if it no longer draws; if they cannot, the fault is the chart's.
        result = _run(command, source, timeout, None)
        if result.returncode == 0:
            forget_if_broken(folder)
    detail = result.stderr.decode("utf-8", "replace")[:2000]
    if result.returncode != 0:
        raise RenderError("Graphviz could not draw the chart.", detail)
    if not result.stdout:
        raise RenderError("Graphviz produced an empty drawing.", detail)
    if len(result.stdout) > max_output_bytes:
        raise RenderError(
            f"The drawing is too large ({len(result.stdout) // 1_000_000} MB; "
            f"the limit is {max_output_bytes // 1_000_000} MB).",
        )
    return result.stdout


def _run(
    command: list[str], source: bytes, timeout: float, folder: str | None
) -> subprocess.CompletedProcess[bytes]:
    """Run ``dot``; with ``folder``, only the plugins in it (graphviz_plugins), and a ``dot``
    started ahead with the same folder is used if one is waiting."""
    environment = _graphviz_environment(folder)
    lean = folder is not None
    spare = spare_dot.take(command, environment) if lean else None
    try:
        if spare is not None:
            stdout, stderr = spare.communicate(source, timeout=timeout)
            result = subprocess.CompletedProcess(command, spare.returncode, stdout, stderr)
        else:
            result = subprocess.run(
                command,
                input=source,
                capture_output=True,
                timeout=timeout,
                check=False,
                env=environment,
            )
    except subprocess.TimeoutExpired:
        if spare is not None:
            spare_dot.stop(spare)
        raise RenderError(f"Drawing the chart took longer than {timeout:g} seconds.") from None
    except FileNotFoundError:
        raise RenderError("Graphviz is not installed: the 'dot' command was not found.") from None
    if lean and result.returncode == 0:
        spare_dot.start_soon(command, environment)  # for the next drawing
    return result


def _graphviz_environment(folder: str | None = None) -> dict[str, str]:
    """Our environment, plus SERVER_NAME, which makes Graphviz refuse to read any file; with a
    plugin ``folder``, only the plugins in it (``graphviz_plugins.svg_plugin_folder``).

    We never pass user text as an image or file name; this is a second lock on the same door.
    """
    environment = dict(os.environ)
    environment["SERVER_NAME"] = "tocapp"
    environment.pop("GV_FILE_PATH", None)
    if folder is not None:
        environment["GVBINDIR"] = folder
    return environment
