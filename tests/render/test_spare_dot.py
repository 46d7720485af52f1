"""A ``dot`` started ahead draws the next SVG, but only for the process and environment it was
started in."""

from __future__ import annotations

import os
import subprocess
import threading
import time

import pytest

from tests.render.helpers import small_chart, synthetic_chart
from tocapp.render import RenderError, flowchart_to_dot, render_dot, spare_dot

SOURCE = flowchart_to_dot(small_chart())


def waiting_spare() -> subprocess.Popen[bytes]:
    """Draw once, then wait for the spare started after it (and for no other to replace it:
    an earlier test's drawing may still be starting one)."""
    starting()
    spare_dot.stop_spare()
    render_dot(SOURCE, "svg")
    starting()
    assert spare_dot._spare is not None, "no spare dot was started"
    return spare_dot._spare.process


def starting() -> None:
    """Wait until no spare is being started."""
    deadline = time.monotonic() + 10
    while any(t.name == spare_dot.THREAD_NAME for t in threading.enumerate()):
        assert time.monotonic() < deadline, "a spare dot took too long to start"
        time.sleep(0.005)


@pytest.fixture(autouse=True)
def no_spare_left():
    yield
    spare_dot.stop_spare()


def test_the_next_drawing_is_made_by_the_spare_and_is_the_same_drawing():
    spare = waiting_spare()
    assert spare.poll() is None  # started, waiting for its input
    svg = render_dot(SOURCE, "svg")
    assert spare.returncode == 0  # it drew, and was collected
    assert svg == render_dot(SOURCE, "svg") and b"Staff have little time to talk" in svg


def test_a_spare_started_in_another_environment_is_stopped_not_used(monkeypatch):
    spare = waiting_spare()
    monkeypatch.setenv("TOCAPP_SOMETHING_ELSE", "1")  # a drawing now gets another environment
    assert b"Staff have little time to talk" in render_dot(SOURCE, "svg")
    assert spare.returncode is not None and spare.returncode < 0  # killed, never given input


def test_a_forked_child_neither_uses_nor_holds_up_its_parents_spare():
    """Holding a copy of the spare's input, a child made it wait for more DOT until the
    parent's drawing timed out."""
    spare = waiting_spare()
    child = os.fork()
    if child == 0:  # the child: alive while the parent draws, then says if it dropped the spare
        time.sleep(2.5)
        os._exit(0 if spare_dot._spare is None else 1)
    try:
        started = time.monotonic()
        svg = render_dot(SOURCE, "svg", timeout=2)
        assert b"Staff have little time to talk" in svg
        assert spare.returncode == 0  # the parent's spare drew it
        assert time.monotonic() - started < 1.5
    finally:
        _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0


def test_no_thread_for_a_spare_leaves_the_drawing_as_it_was(monkeypatch):
    spare_dot.stop_spare()

    def no_threads(self: object) -> None:
        raise RuntimeError("can't start new thread")

    monkeypatch.setattr(threading.Thread, "start", no_threads)
    assert b"Staff have little time to talk" in render_dot(SOURCE, "svg")
    assert spare_dot._spare is None


def test_a_spare_that_died_is_passed_over():
    spare = waiting_spare()
    spare.kill()
    spare.wait()
    assert b"Staff have little time to talk" in render_dot(SOURCE, "svg")


def test_a_spare_that_takes_too_long_is_stopped():
    spare = waiting_spare()
    big = flowchart_to_dot(synthetic_chart(200, 250, seed=1))
    with pytest.raises(RenderError, match="longer than"):
        render_dot(big, "svg", timeout=0.001)
    assert spare.returncode is not None  # killed and collected, no zombie


def test_at_exit_the_spare_is_stopped_and_none_is_kept_after(monkeypatch):
    spare = waiting_spare()
    monkeypatch.setattr(spare_dot, "_shut", False)  # as it was, after the test
    spare_dot.shut()
    assert spare.returncode is not None and spare_dot._spare is None
    render_dot(SOURCE, "svg")  # a drawing's thread starts one: stopped at once
    starting()
    assert spare_dot._spare is None


def test_at_exit_a_spare_being_started_is_waited_for_and_stopped(monkeypatch):
    starting()
    spare_dot.stop_spare()
    monkeypatch.setattr(spare_dot, "_shut", False)
    go_on, started = threading.Event(), []
    real_popen = subprocess.Popen

    def slow_popen(*args, **kwargs):  # a spare's start, caught halfway
        go_on.wait(timeout=30)
        started.append(real_popen(*args, **kwargs))
        return started[-1]

    monkeypatch.setattr(spare_dot.subprocess, "Popen", slow_popen)
    spare_dot.start_soon(["dot", "-Knop2", "-Tsvg"], dict(os.environ))
    deadline = time.monotonic() + 10
    while not spare_dot._starting.locked():
        assert time.monotonic() < deadline
        time.sleep(0.005)
    shutting = threading.Thread(target=spare_dot.shut)
    shutting.start()
    shutting.join(timeout=0.2)
    assert shutting.is_alive()  # waits for the start: the plugin folder is not yet removed
    go_on.set()
    shutting.join(timeout=30)
    assert not shutting.is_alive()
    (process,) = started
    assert process.returncode is not None and spare_dot._spare is None


def test_png_never_uses_the_svg_spare():
    spare = waiting_spare()
    assert render_dot(SOURCE, "png").startswith(b"\x89PNG")
    assert spare.poll() is None  # still waiting for the next SVG
