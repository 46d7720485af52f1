"""Rendered charts on disk, named by a hash of what was drawn, so each is drawn only once.

The same DOT source always gives the same bytes, so a file named by sha256(format, dpi, source)
never goes stale. Pages go one step further (``get_or_make``): a file named by a key the caller
computes from the chart's *data* (``render.drawing_key``) holds the finished drawing — for a page,
the SVG already made fit to inline — so a hit is one file read, with no layout, no Graphviz and no
XML parsing. Files are written to a temporary name and renamed into place, so a reader never sees
half a file, even with several workers drawing the same chart at once.

The cache is bounded: at most once every ``PRUNE_EVERY_SECONDS`` per folder, after a write, files
older than ``max_age_days`` go, then the oldest until the folder is under ``max_bytes``. A chart
pruned is simply drawn again when next asked for.

Emptying the cache (a withdrawal, a deleted study: ``empty``) first replaces a stamp file in it.
A writer made with ``since=`` the stamp it saw *before* it read the data it draws deletes what it
has just stored if the stamp has changed since: a drawing read before a withdrawal and finished
after it never stays on disk. (Either the writer sees the new stamp, or it stored its file before
the stamp changed, and so before the emptying looked at the folder.)
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

from tocapp.render.graphviz_runner import DEFAULT_TIMEOUT, normalise_dpi, render_dot

log = logging.getLogger(__name__)

Renderer = Callable[..., bytes]

PRUNE_EVERY_SECONDS = 600.0
_last_pruned: dict[Path, float] = {}
_prune_lock = threading.Lock()

STAMP = ".emptied"

Stamp = tuple[int, int]
NEVER_EMPTIED: Stamp = (0, 0)


def emptied_stamp(directory: str | os.PathLike[str]) -> Stamp:
    """Which emptying the folder has seen last: the stamp file's inode and time."""
    try:
        stat = os.stat(Path(directory) / STAMP)
    except OSError:
        return NEVER_EMPTIED
    return stat.st_ino, stat.st_mtime_ns


_noted: ContextVar[Stamp | None] = ContextVar("render_cache_stamp", default=None)


@contextmanager
def stamp_noted(directory: str | os.PathLike[str]) -> Iterator[Stamp]:
    """For work outside a request (a report job): note the stamp before it reads anything, for
    caches made with ``since=noted_stamp`` to check when they write."""
    token = _noted.set(emptied_stamp(directory))
    try:
        yield _noted.get() or NEVER_EMPTIED
    finally:
        _noted.reset(token)


def noted_stamp() -> Stamp | None:
    """The stamp noted by the enclosing ``stamp_noted``, or None outside one."""
    return _noted.get()


def empty(directory: str | os.PathLike[str]) -> None:
    """Delete every drawing in the folder (kept itself), after a new stamp says it was emptied.

    Whatever happens, it deletes all it can: a disk too full for a new stamp still has the old
    one's time changed (a new stamp all the same), and a file another process removes meanwhile
    (a writer's temporary file renamed, a prune) does not stop the rest going.
    """
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)  # a drawing may be on its way into it already
    _new_stamp(folder)
    for child in folder.iterdir():
        if child.name == STAMP:
            continue
        try:
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child, onerror=_unless_gone)
            else:
                child.unlink(missing_ok=True)
        except OSError:
            log.exception("could not delete %s while emptying the render cache", child)


def _new_stamp(folder: Path) -> None:
    try:
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=".tmp-stamp-")
        with os.fdopen(handle, "w") as file:
            file.write(f"{time.time_ns()}\n")
        os.replace(temporary, folder / STAMP)  # a new inode: a new stamp, even in one clock tick
    except OSError:
        log.warning("Could not write a new stamp in %s; changing the old one's time", folder)
        try:
            os.utime(folder / STAMP, ns=(time.time_ns(), time.time_ns()))
        except OSError:
            log.exception("The render cache %s has no stamp to change", folder)


def _unless_gone(function: Callable[..., object], path: str, error: object) -> None:
    """rmtree's error handler: a file already gone is what we wanted; anything else is logged
    and the rest of the folder still goes."""
    exception = error[1] if isinstance(error, tuple) else error
    if isinstance(exception, FileNotFoundError):
        return
    log.error("could not delete %s while emptying the render cache: %s", path, exception)


class RenderCache:
    """A directory of rendered charts; ``get_or_render`` draws only what is not there yet."""

    def __init__(
        self,
        directory: str | os.PathLike[str],
        renderer: Renderer = render_dot,
        *,
        max_bytes: int | None = None,
        max_age_days: float | None = None,
        since: Stamp | Callable[[], Stamp | None] | None = None,
    ) -> None:
        """``since``: the emptied stamp seen before the data to draw was read (or a function
        giving it); a write is undone when the folder has been emptied since. None checks
        nothing — for callers that draw no one's words."""
        self.directory = Path(directory)
        self._since = since
        self._render = renderer
        self.max_bytes = max_bytes
        self.max_age_days = max_age_days

    def prune(self) -> int:
        """Delete files past their age, then the oldest until under the size; returns how many."""
        files = []
        for path in self._drawings():
            try:
                stat = path.stat()
            except OSError:
                continue  # another process pruned or renamed it meanwhile
            files.append((stat.st_mtime, stat.st_size, path))
        files.sort()
        removed = 0
        kept = []
        cutoff = time.time() - self.max_age_days * 86400 if self.max_age_days else None
        for mtime, size, path in files:
            if cutoff is not None and mtime < cutoff:
                removed += self._remove(path)
            else:
                kept.append((size, path))
        total = sum(size for size, _ in kept)
        for size, path in kept:
            if self.max_bytes is None or total <= self.max_bytes:
                break
            removed += self._remove(path)
            total -= size
        return removed

    def _drawings(self) -> list[Path]:
        """Every drawing in the folder's subfolders (never the stamp). A subfolder another
        process removes while this lists it (an emptying, a prune) is passed over."""
        found: list[Path] = []
        try:
            folders = [entry.path for entry in os.scandir(self.directory) if entry.is_dir()]
        except FileNotFoundError:
            return found
        for folder in folders:
            try:
                with os.scandir(folder) as entries:
                    found.extend(Path(entry.path) for entry in entries)
            except (FileNotFoundError, NotADirectoryError):
                continue
        return found

    def _remove(self, path: Path) -> int:
        try:
            path.unlink()
        except FileNotFoundError:
            return 0
        except OSError:
            log.warning("Could not prune the rendered chart %s", path, exc_info=True)
            return 0
        return 1

    def _prune_now_and_then(self) -> None:
        if self.max_bytes is None and self.max_age_days is None:
            return
        now = time.monotonic()
        with _prune_lock:
            last = _last_pruned.get(self.directory)
            if last is not None and now - last < PRUNE_EVERY_SECONDS:
                return
            _last_pruned[self.directory] = now
        self.prune()

    def key(self, dot_source: str, fmt: str, dpi: int | None = None) -> str:
        """The cache key: sha256 of the format, the resolution and the DOT source."""
        dpi = normalise_dpi(fmt, dpi)
        digest = hashlib.sha256(f"{fmt}\n{dpi}\n".encode())
        digest.update(dot_source.encode("utf-8"))
        return digest.hexdigest()

    def path_for(self, dot_source: str, fmt: str, dpi: int | None = None) -> Path:
        return self.path_for_key(self.key(dot_source, fmt, dpi), fmt)

    def path_for_key(self, key: str, suffix: str) -> Path:
        """Where the drawing named ``key`` (a hex digest) is kept, as ``<key>.<suffix>``."""
        return self.directory / key[:2] / f"{key}.{suffix}"

    def get(self, dot_source: str, fmt: str, dpi: int | None = None) -> bytes | None:
        """The cached drawing, or None if it has not been drawn yet."""
        return self.read(self.key(dot_source, fmt, dpi), fmt)

    def read(self, key: str, suffix: str) -> bytes | None:
        """The file named ``key``, or None when it is not there (or cannot be read)."""
        path = self.path_for_key(key, suffix)
        try:
            return path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError:
            # An unreadable cache is a miss: the chart is drawn again rather than not at all.
            log.warning("Could not read the rendered chart %s", path, exc_info=True)
            return None

    def get_or_make(self, key: str, suffix: str, make: Callable[[], bytes]) -> bytes:
        """The file named ``key``; on a miss, ``make()`` draws it and it is stored.

        The caller's key must name everything the bytes depend on (see ``render.drawing_key``):
        the cache never looks inside.
        """
        cached = self.read(key, suffix)
        if cached is not None:
            return cached
        data = make()
        self._keep(self.path_for_key(key, suffix), data)
        return data

    def write(self, key: str, suffix: str, data: bytes) -> None:
        """Keep ``data`` as the file named ``key`` (for a caller that decides what not to keep,
        such as a page whose drawing failed for now)."""
        self._keep(self.path_for_key(key, suffix), data)

    def render(
        self, dot_source: str, fmt: str, *, dpi: int | None = None, timeout: float = DEFAULT_TIMEOUT
    ) -> bytes:
        """Draw with this cache's renderer (and its limits), without looking in the cache."""
        return self._render(dot_source, fmt, dpi=dpi, timeout=timeout)

    def get_or_render(
        self,
        dot_source: str,
        fmt: str = "svg",
        *,
        dpi: int | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> bytes:
        """The cached drawing, drawing and storing it first if needed."""
        cached = self.get(dot_source, fmt, dpi)
        if cached is not None:
            return cached
        data = self._render(dot_source, fmt, dpi=dpi, timeout=timeout)
        self._keep(self.path_for(dot_source, fmt, dpi), data)
        return data

    def _keep(self, path: Path, data: bytes) -> None:
        try:
            self._store(path, data)
        except OSError:
            # A full or read-only disk must not stop people seeing their chart.
            log.warning("Could not store a rendered chart in %s", self.directory, exc_info=True)
        self._undo_if_emptied_since(path)
        self._prune_now_and_then()

    def _undo_if_emptied_since(self, path: Path) -> None:
        since = self._since() if callable(self._since) else self._since
        if since is not None and emptied_stamp(self.directory) != since:
            path.unlink(missing_ok=True)

    def _store(self, path: Path, data: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(data)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
