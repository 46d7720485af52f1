"""The DOT source: exact for a small chart, our own names and ids, user text only as labels."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.render.helpers import (
    SVG,
    groups_with_class,
    parse_svg,
    polygon_top,
    small_chart,
    step_texts,
    synthetic_chart,
    texts,
)
from tocapp.domain.theory import Flowchart, Link, Step, Theme
from tocapp.render import flowchart_to_dot, render_dot, step_dom_ids
from tocapp.render.flowchart_dot import _DotWriter, _number
from tocapp.render.flowchart_layout import layout_flowchart

GOLDEN = Path(__file__).parent / "golden"


def test_small_chart_matches_the_golden_dot_file() -> None:
    """Set UPDATE_GOLDEN=1 to rewrite the file after a deliberate change, then review the diff."""
    golden = GOLDEN / "small_chart.dot"
    source = flowchart_to_dot(small_chart())
    if os.environ.get("UPDATE_GOLDEN") == "1":
        golden.write_text(source, encoding="utf-8")
    assert source == golden.read_text(encoding="utf-8")


def test_same_chart_gives_the_same_source() -> None:
    assert flowchart_to_dot(synthetic_chart(40, 50, seed=3)) == flowchart_to_dot(
        synthetic_chart(40, 50, seed=3)
    )


def test_graphviz_names_are_ours_and_ids_come_from_sanitised_keys() -> None:
    chart = Flowchart(
        "Keys",
        ("Staff",),
        (
            Step('x"]; evil [shape=none', Theme.SITUATION, "Staff", "one"),
            Step("a b", Theme.ACTION, "Staff", "two"),
            Step("a_b", Theme.ACTION, "Staff", "three"),
            Step("N-S1", Theme.OUTCOME, "Staff", "four"),
            Step("12", Theme.OUTCOME, "Staff", "five"),
        ),
        (Link('x"]; evil [shape=none', "a b"),),
    )
    source = flowchart_to_dot(chart)
    statements = re.findall(r"^\s+(\S+) \[", source, flags=re.MULTILINE)
    names = {s for s in statements if s not in ("graph", "node", "edge")}
    assert names == {"title", "h0", "h1", "h2", "legend", "n0", "n1", "n2", "n3", "n4"}
    assert step_dom_ids(chart) == {
        'x"]; evil [shape=none': "step-x____evil__shape_none",
        "a b": "step-a_b",
        "a_b": "step-a_b-2",
        "N-S1": "step-N-S1",
        "12": "step-12",
    }
    svg = parse_svg(render_dot(source))
    assert set(step_texts(svg)) == set(step_dom_ids(chart).values())


def test_step_boxes_carry_classes_for_theme_and_group() -> None:
    svg = parse_svg(render_dot(flowchart_to_dot(small_chart())))
    classes = {g.get("id"): g.get("class") for g in groups_with_class(svg, "step")}
    assert classes == {
        "step-s1": "node step theme-situation group-0",
        "step-a1": "node step theme-action group-0",
        "step-o1": "node step theme-outcome group-1",
    }


def test_every_step_shows_its_reading_number_and_text() -> None:
    svg = parse_svg(render_dot(flowchart_to_dot(small_chart())))
    assert step_texts(svg) == {
        "step-s1": ["S1", "Staff have little time to talk", "together"],
        "step-a1": ["A1", "Weekly video coaching"],
        "step-o1": ["O1", "Children talk more in class"],
    }


def test_arrow_labels_are_drawn_on_their_arrows() -> None:
    svg = parse_svg(render_dot(flowchart_to_dot(small_chart())))
    arrows = {g.get("id"): texts(g) for g in groups_with_class(svg, "link")}
    assert arrows == {"link-0": [], "link-1": ["through modelling"]}


def test_columns_have_headers_and_steps_sit_under_their_theme() -> None:
    chart = synthetic_chart(30, 30, seed=1)
    svg = parse_svg(render_dot(flowchart_to_dot(chart)))
    headers = {g.get("id"): texts(g) for g in groups_with_class(svg, "theme-header")}
    assert headers == {
        "theme-situation": ["1 Starting situation"],
        "theme-action": ["2 Strands of action"],
        "theme-outcome": ["3 Intended outcomes"],
    }
    header_x = {
        g.get("id", "").removeprefix("theme-"): _text_x(g)
        for g in groups_with_class(svg, "theme-header")
    }
    for box in groups_with_class(svg, "step"):
        theme = next(c for c in box.get("class", "").split() if c.startswith("theme-"))
        assert _text_x(box) == pytest.approx(header_x[theme.removeprefix("theme-")])


def test_lanes_are_labelled_and_stacked_in_the_studys_group_order() -> None:
    # Steps listed Parents first: the lanes still follow the study's order.
    chart = Flowchart(
        "Order",
        ("Staff", "Children", "Parents"),
        (
            Step("p", Theme.OUTCOME, "Parents", "Parents talk with staff"),
            Step("c", Theme.SITUATION, "Children", "Children are quiet"),
            Step("s", Theme.ACTION, "Staff", "Staff coaching"),
        ),
        (Link("c", "s"), Link("s", "p")),
    )
    svg = parse_svg(render_dot(flowchart_to_dot(chart)))
    lanes = sorted(groups_with_class(svg, "lane"), key=polygon_top)
    assert [texts(lane) for lane in lanes] == [["Staff"], ["Children"], ["Parents"]]
    assert [lane.get("class") for lane in lanes] == [
        "cluster lane group-0",
        "cluster lane group-1",
        "cluster lane group-2",
    ]


def test_legend_explains_lanes_columns_and_arrows() -> None:
    svg = parse_svg(render_dot(flowchart_to_dot(small_chart())))
    legend = next(g for g in svg.iter(f"{SVG}g") if g.get("id") == "legend")
    words = " ".join(texts(legend))
    for topic in ("Columns:", "Lanes:", "Boxes:", "Arrows:"):
        assert topic in words


def test_an_empty_flowchart_still_draws_headers_and_a_message() -> None:
    svg = parse_svg(render_dot(flowchart_to_dot(Flowchart("Nothing yet", ("Staff",), ()))))
    assert len(groups_with_class(svg, "theme-header")) == 3
    assert not groups_with_class(svg, "step")
    message = next(g for g in svg.iter(f"{SVG}g") if g.get("id") == "empty-message")
    assert texts(message) == ["This flowchart has no steps yet."]


def test_the_only_html_like_or_file_attributes_are_none_at_all() -> None:
    source = flowchart_to_dot(synthetic_chart(20, 20))
    for attribute in ("image", "shapefile", "URL", "href", "fontpath", "imagepath"):
        assert f" {attribute}=" not in source
    assert "=<" not in source  # no HTML-like labels


def _text_x(group: object) -> float:
    first = next(group.iter(f"{SVG}text"))  # type: ignore[attr-defined]
    return float(first.get("x"))


def test_zero_and_minus_zero_are_each_printed_as_themselves() -> None:
    # Numbers are formatted once per chart; 0.0 and -0.0 are one dictionary key.
    chart = small_chart()
    writer = _DotWriter(chart, layout_flowchart(chart), None)
    assert [writer.number(v) for v in (-0.0, 0.0, -0.0, 12.5, 12.5)] == [
        _number(-0.0),
        _number(0.0),
        _number(-0.0),
        "12.5",
        "12.5",
    ]
