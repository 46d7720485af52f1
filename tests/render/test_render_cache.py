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
