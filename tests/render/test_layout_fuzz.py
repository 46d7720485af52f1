"""Random charts of every shape: laid out in order, and drawn by Graphviz without an error.

This is the check that ruled out Graphviz's own ``dot`` layout for our charts (lanes shuffled,
headers below the lanes, "trouble in init_rank", hangs on two arrows within one column); our grid
must pass it on every chart, including backward, same-column and cross-lane arrows.
"""

from __future__ import annotations

import random

import pytest

from tests.render.helpers import SVG, groups_with_class, parse_svg, polygon_top, texts
from tocapp.domain.theory import Flowchart, Link, Step, Theme
from tocapp.render import flowchart_to_dot, render_dot
from tocapp.render.flowchart_layout import layout_flowchart

CHART_COUNT = 300
DRAWN_EVERY = 10  # drawing all 300 through Graphviz takes half a minute; every tenth is enough


def random_chart(rng: random.Random) -> Flowchart:
    """0-200 steps in 1-5 groups, themes at random, arrows between any two steps."""
    groups = tuple(f"Group {i}" for i in range(rng.randint(1, 5)))
    steps = tuple(
        Step(
            f"k{i}",
            rng.choice(list(Theme)),
            rng.choice(groups),
            " ".join(rng.choice(("talk", "staff", "children", "coaching")) for _ in range(9)),
        )
        for i in range(rng.randint(0, 200))
    )
    links: dict[tuple[str, str], Link] = {}
    if len(steps) >= 2:
        for _ in range(rng.randint(0, len(steps) * 3 // 2)):
            source, target = rng.sample(steps, 2)
            label = rng.choice(("", "", "", "because it works"))
            links[(source.key, target.key)] = Link(source.key, target.key, label)
    return Flowchart("Fuzz", groups, steps, tuple(links.values()))


CHARTS = [random_chart(random.Random(seed)) for seed in range(CHART_COUNT)]


def test_the_random_charts_cover_the_awkward_cases() -> None:
    def kinds(chart: Flowchart) -> set[str]:
        by_key = chart.step_by_key
        found = set()
        for link in chart.links:
            source, target = by_key[link.source], by_key[link.target]
            step = target.theme.position - source.theme.position
            found.add("backward" if step < 0 else "same column" if step == 0 else "forward")
            if source.group != target.group:
                found.add("cross-lane")
        return found

    assert set.union(*(kinds(chart) for chart in CHARTS)) == {
        "backward",
        "same column",
        "forward",
        "cross-lane",
    }
    assert {len(chart.groups) for chart in CHARTS} == {1, 2, 3, 4, 5}
    assert min(len(c.steps) for c in CHARTS) < 5 and max(len(c.steps) for c in CHARTS) > 190


@pytest.mark.parametrize("seed", range(CHART_COUNT))
def test_lanes_stay_in_order_under_the_headers(seed: int) -> None:
    chart = CHARTS[seed]
    layout = layout_flowchart(chart)
    assert [lane.group for lane in layout.lanes] == chart.lane_groups()
    for upper, lower in zip(layout.lanes, layout.lanes[1:], strict=False):
        assert upper.box.bottom < lower.box.top
    for header in layout.headers:
        assert all(header.box.bottom < lane.box.top for lane in layout.lanes)
    source = flowchart_to_dot(chart)
    if seed % DRAWN_EVERY:
        return
    svg = parse_svg(render_dot(source, "svg"))
    lanes = sorted(groups_with_class(svg, "lane"), key=polygon_top)
    assert [" ".join(texts(lane)) for lane in lanes] == chart.lane_groups()
    lanes_top = min((polygon_top(lane) for lane in lanes), default=float("inf"))
    for header in groups_with_class(svg, "theme-header"):
        assert all(float(t.get("y", "inf")) < lanes_top for t in header.iter(f"{SVG}text"))
    assert len(groups_with_class(svg, "step")) == len(chart.steps)
    assert len(groups_with_class(svg, "link")) == len(chart.links)
