"""The render cache: one drawing per (format, dpi, source), reused without running Graphviz."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.render.helpers import small_chart
from tocapp.render import RenderCache, flowchart_to_dot, render_flowchart


def test_a_second_request_is_served_from_disk_without_running_graphviz(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = RenderCache(tmp_path / "cache")
    source = flowchart_to_dot(small_chart())
    first = cache.get_or_render(source, "svg")
    monkeypatch.setattr(subprocess, "run", _must_not_run)
    assert cache.get_or_render(source, "svg") == first
    assert cache.path_for(source, "svg").read_bytes() == first


def test_each_format_and_resolution_is_cached_separately(tmp_path: Path) -> None:
    cache = RenderCache(tmp_path)
    source = flowchart_to_dot(small_chart())
    keys = {
        cache.key(source, "svg"),
        cache.key(source, "png"),
        cache.key(source, "png", dpi=300),
        cache.key(source + " ", "svg"),
    }
    assert len(keys) == 4
    # SVG has no resolution, and PNG's default is spelled out, so these are the same drawing.
    assert cache.key(source, "svg", dpi=300) == cache.key(source, "svg")
    assert cache.key(source, "png") == cache.key(source, "png", dpi=150)
    cache.get_or_render(source, "png", dpi=300)
    assert cache.get(source, "png", dpi=300) is not None
    assert cache.get(source, "png") is None


def test_files_are_written_whole_and_no_temporary_files_are_left(tmp_path: Path) -> None:
    calls: list[str] = []

    def fake_render(source: str, fmt: str, **options: Any) -> bytes:
        calls.append(fmt)
        return b"<svg>drawn</svg>"

    cache = RenderCache(tmp_path, renderer=fake_render)
    assert cache.get_or_render("digraph {}", "svg") == b"<svg>drawn</svg>"
    assert cache.get_or_render("digraph {}", "svg") == b"<svg>drawn</svg>"
    assert calls == ["svg"]
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert files == [cache.path_for("digraph {}", "svg")]


def test_a_cache_that_cannot_be_written_still_returns_the_drawing(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the cache directory should be")
    cache = RenderCache(blocker, renderer=lambda source, fmt, **options: b"drawn")
    assert cache.get_or_render("digraph {}", "svg") == b"drawn"


def test_render_flowchart_goes_through_the_cache_when_given_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = RenderCache(tmp_path)
    png = render_flowchart(small_chart(), "png", cache=cache)
    monkeypatch.setattr(subprocess, "run", _must_not_run)
    assert render_flowchart(small_chart(), "png", cache=cache) == png


def _must_not_run(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("Graphviz should not have been run")


def test_the_cache_is_pruned_by_age_then_by_size(tmp_path):
    import os
    import time

    from tocapp.render import render_cache as module

    cache = module.RenderCache(
        tmp_path, renderer=lambda source, fmt, **_: source.encode() * 20, max_bytes=1000
    )
    module._last_pruned[tmp_path] = time.monotonic()  # no automatic pruning while filling it
    sources = [f"digraph {{ n{i} }}" for i in range(5)]
    for n, source in enumerate(sources):
        cache.get_or_render(source)
        path = cache.path_for(source, "svg")
        os.utime(path, (time.time() - 100 + n, time.time() - 100 + n))  # older first
    old = cache.path_for(sources[0], "svg")
    os.utime(old, (time.time() - 40 * 86400,) * 2)
    cache.max_age_days = 30
    removed = cache.prune()
    left = sorted(p for p in tmp_path.glob("*/*"))
    assert not old.exists()  # too old
    assert sum(p.stat().st_size for p in left) <= 1000  # then under the size, oldest first
    assert cache.path_for(sources[-1], "svg").exists()  # the newest stays
    assert removed == 5 - len(left)
    assert len(left) == 3  # 280 bytes each: three fit in 1,000, the oldest went
    assert cache.get_or_render(sources[0]) == sources[0].encode() * 20  # drawn again on demand


def test_pruning_passes_over_a_subfolder_emptied_while_it_looks(tmp_path, monkeypatch):
    """A withdrawal in another thread or worker removes a subfolder between the prune listing
    the cache and looking inside it: the prune carries on (it raised FileNotFoundError, and the
    page that had just drawn its chart failed)."""
    import os
    import shutil

    from tocapp.render import render_cache as module

    cache = module.RenderCache(tmp_path, renderer=lambda source, fmt, **_: b"x" * 10, max_bytes=1)
    sources = [f"digraph {{ n{i} }}" for i in range(8)]
    for source in sources:
        cache.get_or_render(source)
    doomed = cache.path_for(sources[0], "svg").parent
    real_scandir = os.scandir

    def emptied_meanwhile(path: Any = ".") -> Any:
        if isinstance(path, (str, os.PathLike)) and Path(path) == doomed:
            shutil.rmtree(doomed)
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", emptied_meanwhile)
    cache.prune()
    monkeypatch.setattr(os, "scandir", real_scandir)
    assert not doomed.exists()
    assert not [p for p in tmp_path.glob("*/*") if p.is_file()]  # the rest still pruned


def test_pruning_runs_at_most_every_so_often_per_folder(tmp_path, monkeypatch):
    from tocapp.render import render_cache as module

    calls = []
    cache = module.RenderCache(tmp_path, renderer=lambda *a, **k: b"x", max_bytes=10)
    monkeypatch.setattr(module.RenderCache, "prune", lambda self: calls.append(1) or 0)
    module._last_pruned.pop(tmp_path, None)
    for i in range(5):
        cache.get_or_render(f"digraph {{ n{i} }}")
    assert calls == [1]


def test_a_write_is_undone_when_the_folder_was_emptied_since_the_writer_read(tmp_path):
    from tocapp.render import render_cache as module

    def draw(*_a, **_k):
        return b"<svg>words</svg>"

    before = module.emptied_stamp(tmp_path)
    assert before == module.NEVER_EMPTIED
    stale = RenderCache(tmp_path, renderer=draw, since=before)
    module.empty(tmp_path)  # a withdrawal commits after the writer read its data
    assert stale.get_or_make("aa" * 32, "svg", lambda: b"drawn") == b"drawn"  # still served
    assert not stale.path_for_key("aa" * 32, "svg").exists()  # but not kept

    fresh = RenderCache(tmp_path, renderer=draw, since=module.emptied_stamp(tmp_path))
    fresh.get_or_make("bb" * 32, "svg", lambda: b"drawn")
    assert fresh.path_for_key("bb" * 32, "svg").exists()
    unchecked = RenderCache(tmp_path, renderer=draw)  # draws no one's words: checks nothing
    module.empty(tmp_path)
    assert not fresh.path_for_key("bb" * 32, "svg").exists()  # emptied
    unchecked.get_or_make("cc" * 32, "svg", lambda: b"drawn")
    assert unchecked.path_for_key("cc" * 32, "svg").exists()
    assert module.emptied_stamp(tmp_path) != before


def test_emptying_goes_on_past_a_file_someone_else_removed_and_a_disk_too_full_for_a_stamp(
    tmp_path, monkeypatch
):
    import errno
    import os

    from tocapp.render import render_cache as module

    module.empty(tmp_path)
    before = module.emptied_stamp(tmp_path)
    (tmp_path / "ab").mkdir()
    for name in ("ab1.svg", "ab2.svg", "ab3.svg"):
        (tmp_path / "ab" / name).write_text("<svg>words</svg>")
    real_unlink = os.unlink
    raced: list[str] = []

    def removed_by_another_process_first(path, *args, **kwargs):
        real_unlink(path, *args, **kwargs)
        if not raced:
            raced.append(str(path))
            raise FileNotFoundError(errno.ENOENT, "gone", str(path))

    def disk_full(*_args, **_kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(module.os, "unlink", removed_by_another_process_first)
    monkeypatch.setattr(module.tempfile, "mkstemp", disk_full)
    module.empty(tmp_path)
    monkeypatch.undo()
    assert raced  # the race happened, and did not stop the rest going
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == [module.STAMP]
    assert module.emptied_stamp(tmp_path) != before  # the old stamp's time, changed
