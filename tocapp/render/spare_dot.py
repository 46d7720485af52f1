"""A ``dot`` started before it is needed: the next SVG drawing is given to it at once.

Most of what a small chart's ``dot`` costs is starting: a new process, its libraries and
plugins (about 3 ms of the 4–5 ms a ten-step chart takes, with the lean plugin set). A started
``dot`` reads nothing until it is given its input, so after each drawing this process starts the
next one in the background, and the next drawing with the same command and environment writes
its DOT to that one instead of waiting for a new one to start. The command names its layout
engine (graphviz_runner.COMMAND), so the spare loads that engine while it waits: otherwise it
would look for an engine only once it had read the graph (a ten-step chart then took 3.5 ms from
its DOT to its SVG rather than 2.1).

One spare per process, only ever used by the process that started it, thrown away when the
environment it was started in is no longer the one a drawing would get (another plugin folder,
another ``PATH``), and stopped when the process exits. A forked child closes its copies of the
spare's pipes at once (``os.register_at_fork``): holding the write end of its input, the child
would keep the parent's spare waiting for more DOT until the drawing timed out. A spare whose
parent dies without stopping it then reads the end of its input and exits.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import subprocess
import threading
from dataclasses import dataclass

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Spare:
    process: subprocess.Popen[bytes]
    command: tuple[str, ...]
    environment: tuple[tuple[str, str], ...]
    owner: int  # the pid that started it


_lock = threading.Lock()
_spare: _Spare | None = None
_shut = False  # the process is exiting: no spare is started or kept from now on
_starting = threading.Lock()  # held while a spare is started and kept (or stopped)
THREAD_NAME = "tocapp-spare-dot"


def take(command: list[str], environment: dict[str, str]) -> subprocess.Popen[bytes] | None:
    """The spare ``dot``, if one is waiting that was started with this command and environment
    by this process; it is then the caller's, to ``communicate`` with."""
    global _spare
    with _lock:
        spare, _spare = _spare, None
    if spare is None or spare.owner != os.getpid():
        return None
    if (
        spare.command != tuple(command)
        or spare.environment != _frozen(environment)
        or spare.process.poll() is not None
    ):
        stop(spare.process)
        return None
    return spare.process


def start_soon(command: list[str], environment: dict[str, str]) -> None:
    """Start a spare in the background (off the path of the drawing that was just made); with
    no thread to spare (a limit on threads), there is no spare, and nothing else changes."""
    try:
        threading.Thread(
            target=_start, args=(command, environment), name=THREAD_NAME, daemon=True
        ).start()
    except RuntimeError:
        log.debug("Could not start a thread for a spare dot", exc_info=True)


def _start(command: list[str], environment: dict[str, str]) -> None:
    global _spare
    with _starting:  # shut() waits for this: a spare started, then kept or stopped
        if _shut:
            return
        try:
            process = subprocess.Popen(
                command,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=environment,
            )
        except OSError:
            log.debug("Could not start a spare dot", exc_info=True)
            return
        spare = _Spare(process, tuple(command), _frozen(environment), os.getpid())
        old: _Spare | None = spare  # started while the process was exiting: stopped at once
        with _lock:
            if not _shut:
                old, _spare = _spare, spare
        if old is not None and old.owner == os.getpid():
            stop(old.process)


def stop(process: subprocess.Popen[bytes]) -> None:
    """Kill a ``dot`` and collect it (its pipes closed, no zombie left)."""
    process.kill()
    try:
        process.communicate(timeout=5)
    except (OSError, ValueError, subprocess.TimeoutExpired):
        log.warning("A spare dot did not stop", exc_info=True)
    for pipe in (process.stdin, process.stdout, process.stderr):
        if pipe is not None:
            with contextlib.suppress(OSError):
                pipe.close()  # after a timed-out communicate, one may still be open


@atexit.register
def shut() -> None:
    """At exit: stop the spare, after waiting for one being started, and start none after.
    Called before the plugin folder the spare was started with is removed (graphviz_plugins)."""
    global _shut
    with _lock:
        _shut = True
    with _starting:
        stop_spare()


def stop_spare() -> None:
    """Stop this process's spare, if it has one (and for tests)."""
    global _spare
    with _lock:
        spare, _spare = _spare, None
    if spare is not None and spare.owner == os.getpid():
        stop(spare.process)


def _forget_in_child() -> None:
    """In a forked child: close its copies of the parent's spare's pipes, and never use it."""
    global _lock, _spare, _starting
    _lock = threading.Lock()  # another thread may have held it at the fork
    _starting = threading.Lock()
    spare, _spare = _spare, None
    if spare is not None:
        for pipe in (spare.process.stdin, spare.process.stdout, spare.process.stderr):
            if pipe is not None:
                with contextlib.suppress(OSError):
                    pipe.close()


os.register_at_fork(after_in_child=_forget_in_child)


def _frozen(environment: dict[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(environment.items()))
