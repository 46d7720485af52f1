"""A second process to draw matplotlib pictures in, when a document needs many drawn anew.

matplotlib draws one picture at a time in a process (pyplot's state is process-wide), and a
fifty-setting summary's overview is some twenty pictures: after a withdrawal emptied the chart
cache, drawing them was most of the job's time while the machine's other CPU sat idle.
``in_order`` shares such a list between this process, which draws from the start, and a helper
process, which draws from the end, and gives every picture back in order as soon as it is
ready, so the job's progress still moves after each one.

The helper is started fresh (``spawn``: nothing of this process's state, database connections
or threads is copied into it), is given only the data to draw, and ends with the list, so its
memory goes back to the system. It never touches the chart cache: the caller keeps what it is
given, with the cache's own checks. If it cannot start or fails, this process draws the rest.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from collections.abc import Callable, Generator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

log = logging.getLogger(__name__)

# Below this many pictures to draw (a third of a second each), starting a Python with
# matplotlib (about a second) costs more than it saves: the helper is handed its first two at
# once, and this process may have to wait for them.
WORTH_A_HELPER = 8


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
    # Nothing starts until the first submit: a machine that cannot start a process (a limit on
    # processes, no /dev/shm) fails there, and everything is drawn here.
    pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
    futures: dict[int, Future[bytes]] = {}
    try:
        try:
            # The helper takes the last first; this process takes from the front what the
            # helper has not started (a future it can still cancel), and waits for the rest.
            for n in reversed(range(len(jobs))):
                futures[n] = pool.submit(draw, *jobs[n])
        except Exception:  # noqa: BLE001  (OSError, BrokenProcessPool: no helper, then)
            log.warning("Could not start a process to draw pictures in", exc_info=True)
        for n, job in enumerate(jobs):
            future = futures.get(n)
            if future is None or future.cancel():
                yield draw(*job)
                continue
            try:
                yield future.result()
            except Exception:  # noqa: BLE001  (a helper that died: draw it here instead)
                log.warning("The drawing process failed; drawing here instead", exc_info=True)
                yield draw(*job)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
