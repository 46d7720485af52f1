"""A second process to draw matplotlib pictures in, when a document needs many drawn anew.

matplotlib draws one picture at a time in a process (pyplot's state is process-wide), and a
fifty-setting summary's overview is some twenty pictures: after a withdrawal emptied the chart
cache, drawing them was most of the job's time while the machine's other CPU sat idle.
``in_order`` shares such a list between this process, which draws from the start, and a helper
process, which draws from the end, and gives every picture back in order as soon as it is
ready, so the job's progress still moves after each one.

The helper is ``python -m tocapp.render.drawing_helper``, a new interpreter like the PDF
process: nothing of this process (its database connections, its threads, its main script) is
copied or run again in it. It is given the drawing function's name and the data to draw, says
which picture it starts and sends each back; this process tells it each picture it takes itself,
and the helper stops when the two meet (it is killed when the list is done: a picture it is
still drawing is not needed). It never touches the chart cache: the caller keeps what it is
given, with the cache's own checks. If it cannot start, fails, dies or takes more than a minute
over a picture, this process draws the rest.

Messages are pickles both ways, between this process and its own child.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import os
import pickle
import queue
import subprocess
import sys
import threading
from collections.abc import Callable, Generator, Sequence
from typing import IO, Any

log = logging.getLogger(__name__)

# Below this many pictures to draw (a third of a second each), starting a Python with
# matplotlib (about a second) costs more than it saves.
WORTH_A_HELPER = 8
STOP_WAIT_SECONDS = 5.0  # for the threads talking to a helper, once it is killed
PATIENCE_SECONDS = 60.0  # for one picture the helper has started


def spare_cpus() -> int:
    """CPUs this process may run on, besides its own."""
    try:
        return len(os.sched_getaffinity(0)) - 1
    except AttributeError:  # not Linux
        return (os.cpu_count() or 1) - 1


def in_order(
    draw: Callable[..., bytes], jobs: Sequence[tuple[Any, ...]], *, helper: bool = True
) -> Generator[bytes, None, None]:
    """``draw(*job)`` for each job, in order. ``draw`` must be a module-level function and each
    job picklable, for the helper to run them; with ``helper`` false, or too few jobs, or no
    spare CPU, they are all drawn here."""
    if not helper or len(jobs) < WORTH_A_HELPER or spare_cpus() < 1:
        yield from (draw(*job) for job in jobs)
        return
    shared = _Helper.start(draw, jobs)
    if shared is None:
        yield from (draw(*job) for job in jobs)
        return
    try:
        for n, job in enumerate(jobs):
            drawn = shared.result_or_take(n)
            yield draw(*job) if drawn is None else drawn
    finally:
        shared.stop()
        log.debug("A helper process drew %d of %d pictures", shared.used, len(jobs))


class _Helper:
    """This process's side of one list shared with a helper process. Two threads of its own
    talk to the helper, so this process never waits on a pipe: one writes what it has to say
    (the list first: tens of kB, more than a pipe holds until the helper has started), one
    reads the pictures as they come."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        self.process = process
        self.changed = threading.Condition()
        self.started: set[int] = set()
        self.drawn: dict[int, bytes] = {}
        self.gone = False  # the helper has stopped talking (finished, failed or died)
        self.used = 0  # pictures it drew that were given back
        self.outbox: queue.SimpleQueue[object] = queue.SimpleQueue()
        self.threads = [
            threading.Thread(target=self._listen, daemon=True),
            threading.Thread(target=self._write, daemon=True),
        ]

    @classmethod
    def start(cls, draw: Callable[..., bytes], jobs: Sequence[tuple[Any, ...]]) -> _Helper | None:
        last_first = [(n, jobs[n]) for n in reversed(range(len(jobs)))]
        try:
            process = subprocess.Popen(
                [sys.executable, "-m", "tocapp.render.drawing_helper"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
            )
        except OSError:
            log.warning("Could not start a process to draw pictures in", exc_info=True)
            return None
        shared = cls(process)
        shared.outbox.put((list(sys.path), draw.__module__, draw.__qualname__, last_first))
        try:
            for thread in shared.threads:
                thread.start()
        except RuntimeError:  # no thread to spare (a limit on threads): no helper, then
            log.warning("Could not start a thread to talk to the drawing process", exc_info=True)
            shared.stop()
            return None
        return shared

    def result_or_take(self, n: int) -> bytes | None:
        """Picture ``n`` if the helper has started it (waiting for it to finish); None if this
        process is to draw it, which the helper is then told. A helper that has not finished a
        picture after ``PATIENCE_SECONDS`` (stuck, or the machine swapping) is stopped."""
        with self.changed:
            if n in self.started:
                finished = self.changed.wait_for(
                    lambda: n in self.drawn or n not in self.started or self.gone,
                    timeout=PATIENCE_SECONDS,
                )
                if not finished:
                    log.warning("The drawing process took too long; drawing here instead")
                    self.gone = True
                    self.process.kill()
            if n in self.drawn:
                self.used += 1
                return self.drawn.pop(n)
        self.outbox.put(n)
        return None

    def stop(self) -> None:
        """The list is finished (or given up): what the helper is drawing is not needed."""
        self.process.kill()
        self.process.wait()
        self.outbox.put(None)
        for thread in self.threads:
            if thread.is_alive():
                thread.join(timeout=STOP_WAIT_SECONDS)
        for pipe in (self.process.stdin, self.process.stdout):
            if pipe is not None:
                with contextlib.suppress(OSError):
                    pipe.close()

    def _write(self) -> None:
        assert self.process.stdin is not None
        try:
            while (message := self.outbox.get()) is not None:
                pickle.dump(message, self.process.stdin)
                self.process.stdin.flush()
        except (OSError, ValueError):
            pass  # the helper has gone: its pictures are drawn here

    def _listen(self) -> None:
        assert self.process.stdout is not None
        try:
            while True:
                kind, n, *picture = pickle.load(self.process.stdout)
                with self.changed:
                    if kind == "start":
                        self.started.add(n)
                    elif kind == "drawn":
                        self.drawn[n] = picture[0]
                    else:  # "failed": drawn here instead
                        self.started.discard(n)
                        log.warning("The drawing process failed on a picture: %s", picture[0])
                    self.changed.notify_all()
        except (EOFError, OSError, pickle.UnpicklingError, ValueError):
            pass  # the helper has finished, or died: what it did not send is drawn here
        finally:
            with self.changed:
                self.gone = True
                self.changed.notify_all()


# The helper process -------------------------------------------------------------------------


def _serve(requests: IO[bytes], replies: IO[bytes]) -> None:
    """Draw the list from its end until the parent has taken the next picture (it takes them
    from the start, and says so), or has finished with the list."""
    try:
        path, module, name, last_first = pickle.load(requests)
    except EOFError:
        return  # the parent gave up before it sent the list
    sys.path[:] = path
    draw = getattr(importlib.import_module(module), name)
    taken = [-1]  # the highest picture the parent has taken

    def listen() -> None:
        try:
            while True:
                taken[0] = max(taken[0], pickle.load(requests))
        except (EOFError, OSError, pickle.UnpicklingError):
            taken[0] = sys.maxsize  # the parent has finished with the list

    threading.Thread(target=listen, daemon=True).start()
    for n, job in last_first:
        if n <= taken[0]:
            return
        pickle.dump(("start", n), replies)
        replies.flush()
        try:
            reply: tuple[Any, ...] = ("drawn", n, draw(*job))
        except Exception as error:  # noqa: BLE001  (the parent draws it and sees the error)
            reply = ("failed", n, repr(error))
        pickle.dump(reply, replies)
        replies.flush()


def main() -> None:
    replies = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # a stray print cannot break the replies
    _serve(sys.stdin.buffer, replies)
    replies.close()
    # Not a normal exit: the thread listening to the parent may be inside a read of standard
    # input, which the interpreter's shutdown would wait on and abort.
    os._exit(0)


if __name__ == "__main__":
    main()
