"""The few Graphviz plugins an SVG of ours needs, so that each ``dot`` starts in a few milliseconds.

``dot`` loads every plugin its configuration lists before it reads a byte: with the cairo/pango
plugin that is some forty libraries and fontconfig, about 12 ms of the 17 ms a 10-step chart
takes. Our SVG needs only the core renderer and the ``nop2`` engine (the layout is ours, fixed to
the point), so an SVG is drawn with ``GVBINDIR`` pointing at a folder of this process's that links
just those two plugins, with its own configuration written by ``dot -c``. Every drawing names its
engine (``dot -Knop2``, graphviz_runner.COMMAND), which ``dot`` then loads as it starts; without
it, ``dot`` looks for an engine only once it has read the graph (and wants its own layout engine
too), so a ``dot`` started ahead (spare_dot) spent about 1.5 ms more after its chart arrived.

Without pango, Graphviz measures text with its own tables instead of the installed fonts, which
makes the drawing the same on every machine; lines of a label are 1.2 × the font size apart
(``text_fit.LINE_SPACING``). PNG still uses the full set (cairo draws it). If anything here
fails — a Graphviz laid out differently, a plugin missing, a folder that cannot be written — the
full set is used: the same drawing, but with its text placed by pango (baselines can move by
half a point).
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import logging
import os
import re
import shutil
import signal
import stat
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from tocapp.render import spare_dot

log = logging.getLogger(__name__)

RETRY_SECONDS = 60.0  # after a failure to make the folder, the full set until then
# A thread waits this long for another to make the folder (three short ``dot`` runs, well under a
# second), then draws with the full set rather than hold its request on a ``dot`` that hangs.
WAIT_SECONDS = 5.0
_failed_at = [0.0]
_lock = threading.Lock()  # around making the folder and deciding which one is current
_probing: set[str] = set()  # folders a thread is probing now (forget_if_broken)
PLUGINS = ("core", "neato_layout")  # SVG; nop2
ENGINE = "-Knop2"  # named on every drawing, so that dot loads no other engine
# A dot ended by one of these was stopped from outside (the kernel out of memory, an operator, a
# CPU limit); a crash (SIGSEGV, SIGABRT) is the dot's own, as after an upgrade gone wrong.
_MACHINE_SIGNALS = {signal.SIGKILL, signal.SIGTERM, signal.SIGXCPU}
_LIBDIR = re.compile(r'^libdir = "([^"]+)"', re.MULTILINE)
_PROBE = b'digraph probe { graph [layout="nop2", bb="0,0,100,40"]; a [pos="50,20", label="a"]; }'


def svg_plugin_folder() -> str | None:
    """This process's folder of SVG plugins, made on first use (and again if something such as a
    /tmp cleaner removed it); None to use Graphviz's own. One thread makes it while the others
    wait, so threads drawing at once share one folder and draw the same (the full set places
    text differently)."""
    if not _lock.acquire(timeout=WAIT_SECONDS):
        log.warning("Graphviz draws SVG with all its plugins: its plugin folder is not ready")
        return None
    try:
        made = _made()
        if made is None:
            if time.monotonic() - _failed_at[0] < RETRY_SECONDS:
                return None
            _made.cache_clear()  # tried again now and then: a full /tmp, dot not yet on PATH
            made = _made()
            if made is None:
                return None
        if not _still_ours(*made):
            _made.cache_clear()
            made = _made()
        return None if made is None else made[0]
    finally:
        _lock.release()


def _still_ours(folder: str, configuration: Path) -> bool:
    """The folder is the one we made: a real folder of this user's that no one else may write
    to, with its configuration, in our private parent (``_private_parent``)."""
    return _private(folder) and _private(Path(folder).parent) and configuration.exists()


def forget() -> None:
    """Make the folder again at the next drawing, whatever it holds (tests, a reset)."""
    with _lock:
        _made.cache_clear()


def forget_if_broken(folder: str) -> None:
    """After a chart that Graphviz drew with all its plugins but not with ``folder``: make the
    folder again at the next drawing if it can no longer draw at all (Graphviz upgraded under a
    running app) or is no longer ours. It is kept if it still draws, or if the probe cannot tell
    (a ``dot`` killed for its memory, or timed out, on a busy machine), or if another thread has
    made a new one meanwhile. The probe runs outside the lock, one at a time for a folder: other
    threads go on drawing while it does.

    A folder given up is not removed until the process ends: other threads and a started
    ``dot`` may be drawing with it."""
    with _lock:
        if not _is_current(folder) or folder in _probing:
            return
        made = _made()
        if made is None or not _still_ours(*made):
            _made.cache_clear()  # not probed: its plugins may no longer be ours to load
            return
        _probing.add(folder)
    try:
        drew = _probe(Path(folder))
    finally:
        with _lock:
            _probing.discard(folder)
    if drew is not False:
        return
    with _lock:
        if _is_current(folder):
            log.warning("Graphviz's plugin folder no longer draws; making it again: %s", folder)
            _made.cache_clear()


def _is_current(folder: str) -> bool:
    """Whether ``folder`` is the one drawings get now (without making one); under the lock."""
    if not _made.cache_info().currsize:
        return False
    made = _made()
    return made is not None and made[0] == folder


@functools.lru_cache(maxsize=1)
def _made() -> tuple[str, Path] | None:
    try:
        return _make_folder()
    except (OSError, subprocess.SubprocessError, ValueError) as error:
        log.warning("Graphviz draws SVG with all its plugins (slower to start): %s", error)
        _failed_at[0] = time.monotonic()
        return None


def _make_folder() -> tuple[str, Path]:
    found = subprocess.run(
        ["dot", "-v", "-Tsvg"], input=b"digraph { }", capture_output=True, timeout=20
    )
    match = _LIBDIR.search(found.stderr.decode("utf-8", "replace"))
    if match is None:
        raise ValueError("Graphviz did not say where its plugins are")
    libdir = Path(match.group(1))
    folder = Path(tempfile.mkdtemp(prefix="plugins-", dir=_private_parent()))
    try:
        configuration = _fill_folder(folder, libdir)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)  # tried again a minute later: none left
        raise
    # Removed when the process that made it ends — not when a forked child (a gunicorn worker
    # made after the app was loaded) ends, while its siblings still draw with it.
    atexit.register(_remove_if_made_here, folder, os.getpid())
    return str(folder), configuration


def _private_parent() -> Path:
    """This user's folder for plugin folders, in the temporary folder and kept between runs,
    that no one else may write to. So once a plugin folder is removed (at exit, or by a /tmp
    cleaner), no other user can make one under its name for a late ``dot`` to load their plugin
    from. Someone else's folder under this name is refused (the full plugin set is used)."""
    parent = Path(tempfile.gettempdir()) / f"tocapp-graphviz.{os.getuid()}"
    with contextlib.suppress(FileExistsError):
        parent.mkdir(mode=0o700)
    if not _private(parent):
        raise ValueError(f"{parent} is not a folder of this user's that only it may write to")
    return parent


def _private(folder: Path | str) -> bool:
    """A real folder (not a link) of this user's that no one else may write to."""
    try:
        found = os.lstat(folder)
    except OSError:
        return False
    return stat.S_ISDIR(found.st_mode) and found.st_uid == os.getuid() and not found.st_mode & 0o077


def _fill_folder(folder: Path, libdir: Path) -> Path:
    """Link the plugins, write the configuration, and check a drawing; its configuration."""
    for name in PLUGINS:
        # The versioned library (.so.6), as Graphviz's own configuration lists it, not a
        # development link (.so) beside it.
        libraries = sorted(libdir.glob(f"libgvplugin_{name}.so.*")) or sorted(
            libdir.glob(f"libgvplugin_{name}.*")
        )
        if not libraries:
            raise ValueError(f"Graphviz has no {name} plugin in {libdir}")
        (folder / libraries[0].name).symlink_to(libraries[0])
    environment = dict(os.environ, GVBINDIR=str(folder))
    subprocess.run(["dot", "-c"], env=environment, check=True, capture_output=True, timeout=20)
    if _probe(folder) is not True:
        raise ValueError("Graphviz could not draw with only the core and nop2 plugins")
    configurations = sorted(folder.glob("config*"))
    if not configurations:
        raise ValueError("dot -c wrote no configuration")
    return configurations[0]


def _probe(folder: Path) -> bool | None:
    """Draw a small chart with only the plugins in ``folder``: True if it drew, False if ``dot``
    failed (said so, or crashed), None if that cannot be told (``dot`` did not start, ran out of
    time, or was stopped from outside: the machine's trouble, not the folder's)."""
    try:
        probe = subprocess.run(
            ["dot", ENGINE, "-Tsvg"],
            input=_PROBE,
            env=dict(os.environ, GVBINDIR=str(folder)),
            capture_output=True,
            timeout=20,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if -probe.returncode in _MACHINE_SIGNALS:
        return None
    return probe.returncode == 0 and b'<g id="node1" class="node">' in probe.stdout


def _new_lock_in_child() -> None:
    """A forked child (a gunicorn worker) starts with a lock of its own: one held by another
    thread at the fork would stay held in the child for ever."""
    global _lock, _probing
    _lock = threading.Lock()
    _probing = set()  # a probe running at the fork is the parent's, not the child's


os.register_at_fork(after_in_child=_new_lock_in_child)


def _remove_if_made_here(folder: Path, pid: int) -> None:
    """At exit: stop this process's spare ``dot`` (it was started with the folder, and may still
    be loading its plugins), then remove the folder."""
    if os.getpid() == pid:
        spare_dot.shut()
        shutil.rmtree(folder, ignore_errors=True)
