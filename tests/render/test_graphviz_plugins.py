"""SVG drawn by a Graphviz that loads only the plugins it needs: fast to start, same everywhere,
and every line of a step still inside its box."""

from __future__ import annotations

import logging
import os
import shutil
import signal
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.render.helpers import SVG, groups_with_class, parse_svg, small_chart
from tocapp.domain.theory import Flowchart, Step, Theme
from tocapp.render import (
    RenderError,
    flowchart_to_dot,
    graphviz_plugins,
    graphviz_runner,
    render_dot,
)
from tocapp.render.flowchart_layout import LANE_FONT_SIZE, STEP_FONT_SIZE
from tocapp.render.text_fit import LINE_SPACING, text_width


def test_svg_is_drawn_with_only_the_core_and_layout_plugins():
    folder = graphviz_plugins.svg_plugin_folder()
    assert folder is not None
    names = sorted(p.name.split(".")[0] for p in Path(folder).glob("libgvplugin_*"))
    assert names == ["libgvplugin_core", "libgvplugin_neato_layout"]  # not dot's own engine
    source = flowchart_to_dot(small_chart())
    lean = dict(os.environ, GVBINDIR=folder, SERVER_NAME="tocapp")
    told = subprocess.run(
        ["dot", "-v", "-Knop2", "-Tsvg"],
        input=source.encode(),
        env=lean,
        capture_output=True,
        check=True,
    )
    activated = [line for line in told.stderr.decode().splitlines() if "Activated" in line]
    assert activated and not any("pango" in line or "gd" in line for line in activated)
    assert render_dot(source, "svg") == told.stdout  # what the app draws is that dot's drawing
    assert render_dot(source, "png").startswith(b"\x89PNG")  # PNG still has cairo


def test_every_line_of_a_long_step_is_inside_its_box_and_spaced_as_the_layout_planned():
    words = " ".join(f"word{n}" for n in range(160))  # about 30 lines
    chart = Flowchart("Long", ("Staff",), (Step("a", Theme.SITUATION, "Staff", words),))
    root = parse_svg(render_dot(flowchart_to_dot(chart), "svg"))
    (box,) = groups_with_class(root, "step")
    polygon = next(box.iter(f"{SVG}polygon"))
    ys = [float(p.split(",")[1]) for p in polygon.get("points", "").split()]
    baselines = [float(t.get("y", "0")) for t in box.iter(f"{SVG}text")]
    assert len(baselines) > 25
    gaps = {round(b - a, 2) for a, b in zip(baselines, baselines[1:], strict=False)}
    assert gaps == {round(STEP_FONT_SIZE * LINE_SPACING, 2)}
    assert min(ys) < baselines[0] - STEP_FONT_SIZE and baselines[-1] < max(ys)


def test_without_the_lean_plugins_graphviz_draws_with_all_of_them(monkeypatch, caplog):
    real_run = subprocess.run

    def no_libdir(command, *args, **kwargs):
        if command[:2] == ["dot", "-v"]:
            return subprocess.CompletedProcess(command, 0, b"", b"dot - graphviz version ?\n")
        return real_run(command, *args, **kwargs)

    graphviz_plugins.forget()
    monkeypatch.setattr(graphviz_plugins.subprocess, "run", no_libdir)
    try:
        with caplog.at_level(logging.WARNING):
            assert graphviz_plugins.svg_plugin_folder() is None
            svg = render_dot(flowchart_to_dot(small_chart()), "svg")
        assert b"Staff have little time to talk" in svg
        assert "all its plugins" in caplog.text
    finally:
        monkeypatch.undo()
        graphviz_plugins.forget()
    assert graphviz_plugins.svg_plugin_folder() is not None


def test_a_folder_that_could_not_be_made_is_tried_again_a_minute_later(monkeypatch):
    graphviz_plugins.forget()
    monkeypatch.setenv("PATH", "/nonexistent")  # dot not yet where the app looks
    try:
        assert graphviz_plugins.svg_plugin_folder() is None
        monkeypatch.undo()
        assert graphviz_plugins.svg_plugin_folder() is None  # not tried at every drawing
        graphviz_plugins._failed_at[0] -= graphviz_plugins.RETRY_SECONDS  # a minute on
        assert graphviz_plugins.svg_plugin_folder() is not None
    finally:
        monkeypatch.undo()
        graphviz_plugins.forget()


def test_a_folder_that_failed_its_probe_is_not_left_behind(monkeypatch, tmp_path):
    """Tried again every minute by a long-lived worker: each failed try removes its folder."""
    real_run = subprocess.run

    def probe_fails(command, *args, **kwargs):
        if command == ["dot", "-Knop2", "-Tsvg"] and "GVBINDIR" in kwargs.get("env", {}):
            return subprocess.CompletedProcess(command, 1, b"", b"no nop2")
        return real_run(command, *args, **kwargs)

    monkeypatch.setattr(graphviz_plugins.tempfile, "tempdir", str(tmp_path))
    graphviz_plugins.forget()
    monkeypatch.setattr(graphviz_plugins.subprocess, "run", probe_fails)
    try:
        assert graphviz_plugins.svg_plugin_folder() is None
        (parent,) = tmp_path.iterdir()
        assert parent.name == f"tocapp-graphviz.{os.getuid()}" and not list(parent.iterdir())
    finally:
        monkeypatch.undo()
        graphviz_plugins.forget()


@pytest.mark.parametrize("group", ["Staff", "Teaching assistants and midday supervisors", "مدرسة"])
def test_a_lanes_name_starts_inside_its_lane_where_the_layout_put_it(group):
    chart = Flowchart("Lanes", (group,), (Step("a", Theme.ACTION, group, "Coach the TAs"),))
    root = parse_svg(render_dot(flowchart_to_dot(chart), "svg"))
    (lane,) = groups_with_class(root, "lane")
    polygon = next(lane.iter(f"{SVG}polygon"))
    left = min(float(p.split(",")[0]) for p in polygon.get("points", "").split())
    names = [t for t in lane.iter(f"{SVG}text")]
    assert "".join(t.text or "" for t in names).replace(" ", "") == group.replace(" ", "")
    # Centred on the width of the real font (Graphviz, without it, would guess narrower), so
    # the name starts inside the lane.
    for name in names:
        width = text_width(name.text or "", LANE_FONT_SIZE, bold=True)
        assert name.get("text-anchor") == "middle"
        assert float(name.get("x", "0")) - width / 2 >= left + 4


def test_a_folder_removed_under_it_is_made_again_and_a_forked_child_leaves_it_alone():
    folder = graphviz_plugins.svg_plugin_folder()
    assert folder is not None
    graphviz_plugins._remove_if_made_here(Path(folder), os.getpid() + 1)  # a child's exit
    assert Path(folder).is_dir()
    shutil.rmtree(folder)  # a /tmp cleaner
    again = graphviz_plugins.svg_plugin_folder()
    assert again is not None and again != folder and Path(again).is_dir()
    source = flowchart_to_dot(small_chart())
    assert b"Staff have little time to talk" in render_dot(source, "svg")


def test_a_folder_others_could_write_to_or_a_link_in_its_place_is_never_used(tmp_path):
    folder = graphviz_plugins.svg_plugin_folder()
    assert folder is not None
    os.chmod(folder, 0o757)  # as if someone else had made a folder under the same name
    replaced = graphviz_plugins.svg_plugin_folder()
    assert replaced is not None and replaced != folder
    os.chmod(folder, 0o700)
    shutil.rmtree(replaced)
    os.symlink(tmp_path, replaced)  # a link where our folder was
    try:
        again = graphviz_plugins.svg_plugin_folder()
        assert again is not None and again not in (folder, replaced)
        assert os.lstat(again).st_mode & 0o077 == 0
    finally:
        os.unlink(replaced)


def test_a_stale_folder_falls_back_to_every_plugin_and_is_made_again():
    folder = graphviz_plugins.svg_plugin_folder()
    assert folder is not None
    for plugin in Path(folder).glob("libgvplugin_neato_layout*"):
        plugin.unlink()  # as if Graphviz had been upgraded under the running app
    source = flowchart_to_dot(small_chart())
    assert b"Staff have little time to talk" in render_dot(source, "svg")  # drawn all the same
    again = graphviz_plugins.svg_plugin_folder()
    assert again is not None and again != folder
    assert render_dot(source, "svg") == render_dot(source, "svg")


def test_a_stale_folder_given_up_is_kept_until_the_process_ends():
    folder = graphviz_plugins.svg_plugin_folder()
    assert folder is not None
    for plugin in Path(folder).glob("libgvplugin_core*"):
        plugin.unlink()
    assert b"Staff have little time to talk" in render_dot(flowchart_to_dot(small_chart()), "svg")
    again = graphviz_plugins.svg_plugin_folder()
    assert again not in (None, folder)
    # Not removed while other threads, or a dot started ahead, may be drawing with it: once
    # removed, anyone could make a folder of their own under its name.
    assert Path(folder).is_dir()
    # A thread whose drawing failed with the old folder, late, leaves the new one alone.
    graphviz_plugins.forget_if_broken(folder)
    assert graphviz_plugins.svg_plugin_folder() == again


def test_a_drawing_that_failed_with_a_folder_that_still_draws_keeps_it(monkeypatch):
    folder = graphviz_plugins.svg_plugin_folder()
    assert folder is not None
    real_run = graphviz_runner._run
    failed = []

    def fails_once_with_the_folder(command, source, timeout, plugins):
        if plugins is not None and not failed:  # as if that dot had been killed for its memory
            failed.append(plugins)
            return subprocess.CompletedProcess(command, -9, b"", b"")
        return real_run(command, source, timeout, plugins)

    monkeypatch.setattr(graphviz_runner, "_run", fails_once_with_the_folder)
    assert b"Staff have little time to talk" in render_dot(flowchart_to_dot(small_chart()), "svg")
    assert failed == [folder]
    assert graphviz_plugins.svg_plugin_folder() == folder  # it still draws: kept


def test_threads_drawing_at_once_share_one_folder():
    graphviz_plugins.forget()
    with ThreadPoolExecutor(max_workers=8) as pool:
        folders = set(pool.map(lambda _: graphviz_plugins.svg_plugin_folder(), range(16)))
    assert len(folders) == 1 and None not in folders


def test_a_chart_no_plugins_can_draw_keeps_the_folder_as_it_is(monkeypatch):
    folder = graphviz_plugins.svg_plugin_folder()
    assert folder is not None
    made = []
    real = graphviz_plugins._make_folder
    monkeypatch.setattr(graphviz_plugins, "_make_folder", lambda: made.append(1) or real())
    probed = []
    monkeypatch.setattr(graphviz_plugins, "_probe", lambda folder: probed.append(folder))
    for _ in range(3):
        with pytest.raises(RenderError):
            render_dot("digraph { this is not dot", "svg")
    # The fault is not the folder's: not even probed, and no folder made again (each would be
    # left in /tmp).
    assert made == [] and probed == []
    assert graphviz_plugins.svg_plugin_folder() == folder and Path(folder).is_dir()


def test_a_child_forked_while_a_thread_holds_the_lock_can_still_draw():
    with graphviz_plugins._lock:
        pid = os.fork()
        if pid == 0:  # the child: the thread that held the lock is not there
            signal.alarm(10)  # stuck on the lock: killed, not hanging the tests
            try:
                ok = graphviz_plugins.svg_plugin_folder() is not None
            finally:
                os._exit(0 if ok else 1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0


def test_probing_a_folder_holds_up_no_other_drawing(monkeypatch):
    folder = graphviz_plugins.svg_plugin_folder()
    assert folder is not None
    probing, answer = threading.Event(), threading.Event()

    def slow_probe(_folder):  # a dot that takes its time on a loaded machine, then fails
        probing.set()
        answer.wait(timeout=30)
        return False

    monkeypatch.setattr(graphviz_plugins, "_probe", slow_probe)
    checker = threading.Thread(target=graphviz_plugins.forget_if_broken, args=(folder,))
    checker.start()
    try:
        assert probing.wait(timeout=10)
        probing.clear()
        graphviz_plugins.forget_if_broken(folder)  # another failure meanwhile: no second probe
        assert not probing.is_set()
        drawn = []
        other = threading.Thread(target=lambda: drawn.append(graphviz_plugins.svg_plugin_folder()))
        other.start()
        other.join(timeout=10)
        assert drawn == [folder]  # got the folder while the probe was still running
    finally:
        answer.set()
        checker.join(timeout=30)
    monkeypatch.undo()
    again = graphviz_plugins.svg_plugin_folder()  # the probe said no: given up
    assert again not in (None, folder)


@pytest.mark.parametrize(
    "trouble",
    [
        subprocess.TimeoutExpired(["dot"], 20),
        OSError(12, "Cannot allocate memory"),
        subprocess.CompletedProcess(["dot"], -signal.SIGKILL, b"", b""),  # out of memory
        subprocess.CompletedProcess(["dot"], -signal.SIGTERM, b"", b""),  # an operator
    ],
    ids=["timed out", "could not start", "killed", "terminated"],
)
def test_a_probe_that_cannot_tell_keeps_the_folder(monkeypatch, trouble):
    folder = graphviz_plugins.svg_plugin_folder()
    assert folder is not None
    probe_answers(monkeypatch, trouble)
    graphviz_plugins.forget_if_broken(folder)
    monkeypatch.undo()
    assert graphviz_plugins.svg_plugin_folder() == folder


@pytest.mark.parametrize("crash", [signal.SIGSEGV, signal.SIGABRT], ids=["SIGSEGV", "SIGABRT"])
def test_a_probe_that_crashes_gives_the_folder_up(monkeypatch, crash):
    folder = graphviz_plugins.svg_plugin_folder()
    assert folder is not None
    probe_answers(monkeypatch, subprocess.CompletedProcess(["dot"], -crash, b"", b""))
    graphviz_plugins.forget_if_broken(folder)  # as after a Graphviz upgrade gone wrong
    monkeypatch.undo()
    assert graphviz_plugins.svg_plugin_folder() not in (None, folder)


def probe_answers(monkeypatch, answer):
    """The probe's dot (only the folder's plugins) answers this, or raises it."""
    real_run = subprocess.run

    def probe(command, *args, **kwargs):
        if command == ["dot", "-Knop2", "-Tsvg"] and "GVBINDIR" in kwargs.get("env", {}):
            if isinstance(answer, BaseException):
                raise answer
            return answer
        return real_run(command, *args, **kwargs)

    monkeypatch.setattr(graphviz_plugins.subprocess, "run", probe)


def test_a_folder_no_longer_ours_is_given_up_without_a_probe(monkeypatch):
    folder = graphviz_plugins.svg_plugin_folder()
    assert folder is not None
    probed = []
    monkeypatch.setattr(graphviz_plugins, "_probe", lambda folder: probed.append(folder))
    os.chmod(folder, 0o777)  # its plugins are no longer ours alone to load
    try:
        graphviz_plugins.forget_if_broken(folder)
    finally:
        os.chmod(folder, 0o700)
        monkeypatch.undo()
    assert probed == []
    assert graphviz_plugins.svg_plugin_folder() not in (None, folder)


def test_plugin_folders_are_made_in_a_folder_only_this_user_may_write_to():
    folder = graphviz_plugins.svg_plugin_folder()
    assert folder is not None
    parent = os.lstat(Path(folder).parent)
    assert Path(folder).parent.name == f"tocapp-graphviz.{os.getuid()}"
    assert parent.st_uid == os.getuid() and parent.st_mode & 0o777 == 0o700


@pytest.mark.parametrize("in_its_place", ["a folder open to all", "a link"])
def test_a_parent_folder_others_could_write_to_is_refused(monkeypatch, tmp_path, in_its_place):
    parent = tmp_path / f"tocapp-graphviz.{os.getuid()}"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(mode=0o700)
    if in_its_place == "a link":
        parent.symlink_to(elsewhere)
    else:
        parent.mkdir()
        parent.chmod(0o777)
    monkeypatch.setattr(graphviz_plugins.tempfile, "tempdir", str(tmp_path))
    graphviz_plugins.forget()
    try:
        assert graphviz_plugins.svg_plugin_folder() is None
        source = flowchart_to_dot(small_chart())
        assert b"Staff have little time to talk" in render_dot(source, "svg")
        assert not list(elsewhere.iterdir()) and not list(parent.iterdir())
    finally:
        monkeypatch.undo()
        graphviz_plugins.forget()


def test_a_thread_waiting_too_long_for_the_folder_draws_with_every_plugin(monkeypatch):
    monkeypatch.setattr(graphviz_plugins, "WAIT_SECONDS", 0.05)
    with graphviz_plugins._lock:  # as if another thread's dot hung while making the folder
        waited = []
        other = threading.Thread(target=lambda: waited.append(graphviz_plugins.svg_plugin_folder()))
        other.start()
        other.join(timeout=10)
    assert waited == [None]
    assert graphviz_plugins.svg_plugin_folder() is not None


_EXITING = """
import sys, time
from tests.render.helpers import small_chart
from tocapp.render import flowchart_to_dot, graphviz_plugins, render_dot, spare_dot

render_dot(flowchart_to_dot(small_chart()), "svg")
deadline = time.monotonic() + 10
while spare_dot._spare is None and time.monotonic() < deadline:
    time.sleep(0.01)
spare = spare_dot._spare.process
remove = graphviz_plugins.shutil.rmtree

def rmtree(path, **options):
    print("spare stopped before the folder went:", spare.poll() is not None, flush=True)
    remove(path, **options)

graphviz_plugins.shutil.rmtree = rmtree
print("folder:", graphviz_plugins.svg_plugin_folder(), flush=True)
"""


def test_a_process_that_drew_leaves_no_folder_and_stops_its_spare_first(tmp_path):
    ran = subprocess.run(
        [sys.executable, "-c", _EXITING],
        env=dict(os.environ, TMPDIR=str(tmp_path)),
        cwd=Path(__file__).parents[2],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    parent = tmp_path / f"tocapp-graphviz.{os.getuid()}"
    assert f"folder: {parent}/plugins-" in ran.stdout
    assert "spare stopped before the folder went: True" in ran.stdout
    assert list(tmp_path.iterdir()) == [parent] and list(parent.iterdir()) == []
