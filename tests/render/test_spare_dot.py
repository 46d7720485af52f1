"""A ``dot`` started ahead draws the next SVG, but only for the process and environment it was
started in."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import time

import pytest

from tests.render.helpers import small_chart, synthetic_chart
from tocapp.render import RenderError, flowchart_to_dot, render_dot, spare_dot

SOURCE = flowchart_to_dot(small_chart())


def waiting_spare() -> subprocess.Popen[bytes]:
    """Draw once, then wait for the spare started after it."""
    spare_dot.stop_spare()
    render_dot(SOURCE, "svg")
    deadline = time.monotonic() + 5
    while spare_dot._spare is None:
        assert time.monotonic() < deadline, "no spare dot was started"
        time.sleep(0.005)
    return spare_dot._spare.process


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


def test_a_forked_child_leaves_its_parents_spare_alone():
    spare = waiting_spare()
    as_seen_in_a_child = dataclasses.replace(spare_dot._spare, owner=os.getpid() + 1)
    spare_dot._spare = as_seen_in_a_child
    try:
        assert b"Staff have little time to talk" in render_dot(SOURCE, "svg")
        assert spare.poll() is None  # the parent's still waits for the parent
    finally:
        spare_dot.stop(spare)


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


def test_the_spare_is_stopped_at_exit():
    spare = waiting_spare()
    spare_dot.stop_spare()
    assert spare.returncode is not None and spare_dot._spare is None


def test_png_never_uses_the_svg_spare():
    spare = waiting_spare()
    assert render_dot(SOURCE, "png").startswith(b"\x89PNG")
    assert spare.poll() is None  # still waiting for the next SVG
