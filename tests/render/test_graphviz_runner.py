"""Drawing with Graphviz: what users typed comes out literally, within time and size limits."""

from __future__ import annotations

import os
import struct
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from tests.render.helpers import (
    XLINK_TITLE,
    groups_with_class,
    parse_svg,
    small_chart,
    step_texts,
    synthetic_chart,
    texts,
)
from tocapp.domain.theory import Flowchart, Link, Step, Theme
from tocapp.render import DEFAULT_TIMEOUT, RenderError, flowchart_to_dot, render_dot, step_dom_ids
from tocapp.render.arrow_room import link_label_lines
from tocapp.render.flowchart_layout import STEP_FONT_SIZE, STEP_MARGIN_X, STEP_WIDTH
from tocapp.render.text_fit import wrap_to_width

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

HOSTILE = [
    "<b>x</b>",
    "a\\nb",
    '"q"',
    "{x|y}",
    "\\l",
    "&amp;",
    "&#92; &lt; &#x41;",
    "🙂",
    "Ysgol Gymraeg Tŷ Ŵyn",
    "مدرسة",
    "\\N \\G \\E \\T \\H \\L \\\\",
    "ends with a backslash \\",
    '"]; n0 -> n1; x [image="/etc/passwd" label="',
    "</svg><script>alert(1)</script>",
]


def _wrapped(text: str) -> list[str]:
    return wrap_to_width(text, STEP_WIDTH - 2 * STEP_MARGIN_X, STEP_FONT_SIZE)


def test_every_steps_text_is_in_the_svg() -> None:
    chart = synthetic_chart(30, 40, seed=5)
    drawn = step_texts(parse_svg(render_dot(flowchart_to_dot(chart))))
    ids = step_dom_ids(chart)
    for step in chart.steps:
        assert drawn[ids[step.key]][1:] == _wrapped(step.text)


def test_hostile_text_appears_literally_everywhere_it_is_shown() -> None:
    steps = tuple(
        Step(f"k{i}", list(Theme)[i % 3], HOSTILE[i % 4], text) for i, text in enumerate(HOSTILE)
    )
    links = (Link("k0", "k1", HOSTILE[2] + HOSTILE[6]), Link("k1", "k2", HOSTILE[10]))
    chart = Flowchart(HOSTILE[0] + " " + HOSTILE[5], tuple(HOSTILE[:4]), steps, links)
    svg = parse_svg(render_dot(flowchart_to_dot(chart)))

    drawn = step_texts(svg)
    ids = step_dom_ids(chart)
    for step in steps:
        assert drawn[ids[step.key]][1:] == _wrapped(step.text), step.text
    tooltips = {
        g.get("id"): [a.get(XLINK_TITLE) for a in g.iter() if a.get(XLINK_TITLE)]
        for g in groups_with_class(svg, "step")
    }
    for step in steps:
        assert tooltips[ids[step.key]] == [step.text.replace("\\", "\u29f5")]
    lanes = sorted(" ".join(texts(g)) for g in groups_with_class(svg, "lane"))
    assert lanes == sorted(HOSTILE[:4])
    arrows = {g.get("id"): texts(g) for g in groups_with_class(svg, "link")}
    assert arrows == {
        "link-0": link_label_lines(HOSTILE[2] + HOSTILE[6]),
        "link-1": link_label_lines(HOSTILE[10]),
    }
    title = next(g for g in svg.iter() if g.get("id") == "chart-title")
    assert texts(title) == [HOSTILE[0] + " " + HOSTILE[5]]
    assert not [e for e in svg.iter() if e.tag.endswith("image")]


def test_control_characters_are_dropped_and_user_newlines_break_lines() -> None:
    chart = Flowchart(
        "Ctl", ("Staff",), (Step("k", Theme.ACTION, "Staff", "bell\x07 and\x00 nul\nnext line"),)
    )
    drawn = step_texts(parse_svg(render_dot(flowchart_to_dot(chart))))
    assert drawn["step-k"] == ["A1", "bell and nul", "next line"]


def test_drawing_is_deterministic() -> None:
    source = flowchart_to_dot(synthetic_chart(40, 50, seed=9))
    assert render_dot(source, "svg") == render_dot(source, "svg")
    assert render_dot(source, "png") == render_dot(source, "png")


def test_png_output_is_a_png_at_the_requested_resolution() -> None:
    source = flowchart_to_dot(small_chart())
    screen = render_dot(source, "png")
    printed = render_dot(source, "png", dpi=300)
    assert screen.startswith(PNG_MAGIC) and printed.startswith(PNG_MAGIC)
    assert _png_width(printed) == pytest.approx(_png_width(screen) * 2, rel=0.02)


def test_a_200_step_chart_draws_well_within_the_default_timeout() -> None:
    chart = synthetic_chart(200, 250, seed=1)
    assert len(chart.steps) == 200 and len(chart.links) == 250
    started = time.perf_counter()
    svg = render_dot(flowchart_to_dot(chart), "svg")
    elapsed = time.perf_counter() - started
    assert len(groups_with_class(parse_svg(svg), "step")) == 200
    assert elapsed < DEFAULT_TIMEOUT / 4


def test_a_drawing_that_takes_too_long_raises_render_error() -> None:
    source = flowchart_to_dot(synthetic_chart(200, 250, seed=1))
    with pytest.raises(RenderError, match="longer than 0.001 seconds"):
        render_dot(source, "svg", timeout=0.001)


def test_oversized_source_is_refused_before_graphviz_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(subprocess, "run", _must_not_run)
    with pytest.raises(RenderError, match="too large to draw"):
        render_dot(flowchart_to_dot(small_chart()), "svg", max_source_bytes=1000)


def test_oversized_output_is_refused() -> None:
    with pytest.raises(RenderError, match="drawing is too large"):
        render_dot(flowchart_to_dot(small_chart()), "svg", max_output_bytes=1000)


def test_graphviz_failure_raises_render_error_with_detail_for_the_log() -> None:
    with pytest.raises(RenderError, match="could not draw") as raised:
        render_dot("digraph { this is not dot", "svg")
    assert "syntax error" in raised.value.detail


def test_missing_graphviz_raises_render_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from tocapp.render import graphviz_plugins

    monkeypatch.setenv("PATH", "/nonexistent")
    try:
        with pytest.raises(RenderError, match="not installed"):
            render_dot(flowchart_to_dot(small_chart()), "svg")
    finally:
        graphviz_plugins.forget()  # the lean folder could not be made without dot: not kept


def test_graphviz_may_not_read_files_even_if_asked(tmp_path: Path) -> None:
    picture = tmp_path / "picture.png"
    picture.write_bytes(render_dot('digraph { a [pos="30,20"] }', "png"))
    assert (
        b"<image"
        in subprocess.run(  # without our lock, Graphviz would embed it
            ["dot", "-Tsvg"],
            input=f'digraph {{ a [image="{picture}", label=""] }}'.encode(),
            capture_output=True,
            check=True,
            env={name: value for name, value in os.environ.items() if name != "SERVER_NAME"},
        ).stdout
    )
    svg = render_dot(f'digraph {{ a [pos="30,20", image="{picture}", label=""] }}', "svg")
    assert b"<image" not in svg


@pytest.mark.parametrize(("fmt", "dpi"), [("pdf", None), ("svg;rm", None), ("png", 5000)])
def test_unknown_formats_and_resolutions_are_programming_errors(fmt: str, dpi: int | None) -> None:
    with pytest.raises(ValueError):
        render_dot("digraph {}", fmt, dpi=dpi)


def _must_not_run(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("Graphviz should not have been run")


def _png_width(png: bytes) -> int:
    width: int = struct.unpack(">I", png[16:20])[0]
    return width
