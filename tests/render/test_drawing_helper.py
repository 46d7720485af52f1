"""Many pictures to draw anew are shared with a helper process, and come back in order."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.render.test_overview_chart import TEXTS, _row
from tocapp.render import drawing_helper, mark_charts, overview_chart
from tocapp.render.render_cache import RenderCache


def _in_the_helper(parent: int, marker: str) -> bool:
    """In the helper: say so by making ``marker``. Here: before the first picture, wait until
    the helper has started one (however slowly a loaded machine starts it), so that both
    processes draw some whatever the machine."""
    if os.getpid() != parent:
        Path(marker).touch()
        return True
    deadline = time.monotonic() + 60
    while not Path(marker).exists():
        assert time.monotonic() < deadline, "the helper never started a picture"
        time.sleep(0.01)
    return False


def drawn_by(n: int, parent: int, marker: str) -> bytes:
    """A stand-in drawing that says which process drew it (module-level: the helper imports
    it)."""
    by = "helper" if _in_the_helper(parent, marker) else "here"
    time.sleep(0.1)
    return f"{n}:{by}".encode()


def fails_in_the_helper(n: int, parent: int, marker: str) -> bytes:
    if _in_the_helper(parent, marker):
        raise RuntimeError("the helper cannot draw")
    return f"{n}".encode()


def dies_in_the_helper(n: int, parent: int, marker: str) -> bytes:
    if _in_the_helper(parent, marker):
        print("a stray line on standard output")  # must not break the helper's replies
        if n < 9:
            os._exit(1)  # killed, say, by the kernel for memory
        return f"{n}:helper".encode()
    time.sleep(0.1)
    return f"{n}:here".encode()


def png_drawn_by(rows: tuple[object, ...], title: str, parent: int, marker: str) -> bytes:
    """The real overview picture, drawn by whichever process gets it."""
    _in_the_helper(parent, marker)
    return overview_chart._png(rows, title, 100)  # type: ignore[arg-type]


@pytest.fixture
def a_spare_cpu(monkeypatch: pytest.MonkeyPatch) -> None:
    """The helper is only started with a CPU to spare; say there is one whatever this machine."""
    monkeypatch.setattr(drawing_helper, "spare_cpus", lambda: 1)


@pytest.fixture
def jobs(tmp_path: Path) -> list[tuple[int, int, str]]:
    return [(n, os.getpid(), str(tmp_path / "helper-started")) for n in range(10)]


def test_the_pictures_come_back_in_order_shared_between_two_processes(a_spare_cpu, jobs, caplog):
    with caplog.at_level(logging.DEBUG, logger=drawing_helper.__name__):
        drawn = [p.decode() for p in drawing_helper.in_order(drawn_by, jobs)]
    assert [int(p.split(":")[0]) for p in drawn] == list(range(10))
    by = [p.split(":")[1] for p in drawn]
    assert by[0] == "here" and by[-1] == "helper"  # this process the start, the helper the end
    assert f"A helper process drew {by.count('helper')} of 10 pictures" in caplog.text


def test_the_helpers_pictures_are_the_ones_drawn_here(a_spare_cpu, tmp_path: Path, caplog):
    charts = [
        (tuple(_row(n, TEXTS[script]) for n in range(1, 4)), f"Settings {i} · {script}")
        for i, script in enumerate(sorted(TEXTS) * 2)
    ]
    marker = str(tmp_path / "helper-started")
    with caplog.at_level(logging.DEBUG, logger=drawing_helper.__name__):
        pictures = list(
            drawing_helper.in_order(png_drawn_by, [(*c, os.getpid(), marker) for c in charts])
        )
    assert pictures == [overview_chart._png(rows, title, 100) for rows, title in charts]
    assert "A helper process drew 0 of" not in caplog.text
    assert "A helper process drew" in caplog.text


def test_a_helper_that_fails_leaves_every_picture_drawn_here(a_spare_cpu, jobs, caplog):
    drawn = list(drawing_helper.in_order(fails_in_the_helper, jobs))
    assert drawn == [str(n).encode() for n in range(10)]
    assert "failed on a picture: RuntimeError('the helper cannot draw')" in caplog.text


def test_a_few_pictures_or_no_spare_cpu_are_drawn_here(monkeypatch, tmp_path: Path):
    Path(tmp_path / "helper-started").touch()  # no waiting: there is no helper
    marker = str(tmp_path / "helper-started")
    monkeypatch.setattr(drawing_helper, "spare_cpus", lambda: 1)
    few = [(n, os.getpid(), marker) for n in range(drawing_helper.WORTH_A_HELPER - 1)]
    assert all(p.endswith(b"here") for p in drawing_helper.in_order(drawn_by, few))
    monkeypatch.setattr(drawing_helper, "spare_cpus", lambda: 0)
    many = [(n, os.getpid(), marker) for n in range(drawing_helper.WORTH_A_HELPER)]
    assert all(p.endswith(b"here") for p in drawing_helper.in_order(drawn_by, many))


def test_overview_pictures_drawn_by_the_helper_are_the_ones_drawn_here_and_are_kept(
    a_spare_cpu, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    cache = RenderCache(tmp_path / "cache")
    monkeypatch.setattr(mark_charts, "_cache", cache)
    charts = [
        (tuple(_row(n, TEXTS[script]) for n in range(1, 4)), f"Settings {i} · {script}")
        for i, script in enumerate(sorted(TEXTS) * 2)
    ]
    assert len(charts) - 1 >= drawing_helper.WORTH_A_HELPER  # all but one to draw anew
    kept = charts[1]
    mark_charts.drawn_once("overview.png", lambda: b"kept", "overview", *kept, 100)

    pictures = list(overview_chart.overview_pngs(charts, dpi=100))

    assert pictures[1] == b"kept"  # what the cache had is taken, not drawn
    for (rows, title), picture in zip(charts, pictures, strict=True):
        if (rows, title) != kept:
            assert picture == overview_chart._png(rows, title, 100)  # the same bytes, in order
        assert mark_charts.kept_already("overview.png", "overview", rows, title, 100)


def test_overview_svgs_for_a_page_drawn_by_the_helper_are_the_ones_drawn_here(
    a_spare_cpu, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(mark_charts, "_cache", RenderCache(tmp_path / "cache"))
    charts = [
        (tuple(_row(n, TEXTS[script]) for n in range(1, 3)), f"Outcomes {i}", f"overview-{i}-")
        for i, script in enumerate(sorted(TEXTS) * 2)
    ]
    svgs = list(overview_chart.overview_svgs(charts))
    assert svgs == [overview_chart._svg(*chart).decode() for chart in charts]
    assert all(f'id="overview-{i}-' in svg for i, svg in enumerate(svgs))


def test_a_machine_that_cannot_start_a_process_draws_every_picture_here(
    a_spare_cpu, jobs, monkeypatch: pytest.MonkeyPatch
):
    def no_processes(*args: object, **kwargs: object) -> None:
        raise BlockingIOError(11, "Resource temporarily unavailable")  # a limit on processes

    monkeypatch.setattr(drawing_helper.subprocess, "Popen", no_processes)
    Path(jobs[0][2]).touch()  # no waiting: there is no helper
    drawn = list(drawing_helper.in_order(drawn_by, jobs))
    assert drawn == [f"{n}:here".encode() for n in range(len(jobs))]


def test_a_helper_that_dies_half_way_leaves_the_rest_drawn_here(a_spare_cpu, jobs):
    drawn = list(drawing_helper.in_order(dies_in_the_helper, jobs))
    assert [int(p.split(b":")[0]) for p in drawn] == list(range(10))
    assert drawn[9] == b"9:helper" and drawn[0] == b"0:here"


def test_a_script_without_a_main_guard_is_not_run_again_by_the_helper(tmp_path: Path):
    """A helper started by multiprocessing ran the caller's main script again (the whole
    report, in the helper); ``python -m`` the helper's own module never does."""
    runs = tmp_path / "runs"
    script = tmp_path / "report.py"
    script.write_text(
        "import os\n"
        f"open({str(runs)!r}, 'a').write('run\\n')\n"
        "from tocapp.render import drawing_helper\n"
        "drawing_helper.spare_cpus = lambda: 1\n"
        "from tests.render.test_drawing_helper import drawn_by\n"
        f"jobs = [(n, os.getpid(), {str(tmp_path / 'started')!r}) for n in range(10)]\n"
        "drawn = list(drawing_helper.in_order(drawn_by, jobs))\n"
        "assert any(p.endswith(b'helper') for p in drawn), drawn\n"
    )
    root = Path(__file__).resolve().parents[2]
    subprocess.run(
        [sys.executable, str(script)],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
        check=True,
        timeout=60,
    )
    assert runs.read_text() == "run\n"


def stuck_in_the_helper(n: int, parent: int, marker: str) -> bytes:
    if _in_the_helper(parent, marker):
        time.sleep(600)  # a lock never let go, a machine swapping
    return f"{n}:here".encode()


def test_a_helper_stuck_on_a_picture_is_given_up_after_a_while(a_spare_cpu, jobs, monkeypatch):
    monkeypatch.setattr(drawing_helper, "PATIENCE_SECONDS", 1.0)
    started = time.monotonic()
    drawn = list(drawing_helper.in_order(stuck_in_the_helper, jobs))
    assert drawn == [f"{n}:here".encode() for n in range(10)]
    assert time.monotonic() - started < 30
