"""Random charts of every shape: laid out in order, and drawn by Graphviz without an error.

This is the check that ruled out Graphviz's own ``dot`` layout for our charts (lanes shuffled,
headers below the lanes, "trouble in init_rank", hangs on two arrows within one column); our grid
must pass it on every chart, including backward, same-column and cross-lane arrows.
"""

from __future__ import annotations

import dataclasses
import random

import numpy as np
import pytest

from tests.render.helpers import SVG, groups_with_class, parse_svg, polygon_top, texts
from tocapp.domain.outline import step_numbers
from tocapp.domain.theory import Flowchart, Link, Step, Theme, ordered_steps
from tocapp.render import flowchart_to_dot, render_dot
from tocapp.render.annotations import Annotations, LinkDecoration
from tocapp.render.arrow_room import link_label_size
from tocapp.render.cell_order import drawing_order
from tocapp.render.edge_routes import RoutedLink, route_links
from tocapp.render.flowchart_layout import ChartLayout, layout_flowchart
from tocapp.render.gap_crossings import CrossingModel

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
    # Drawn in whatever order, each step keeps the number the text version gives it.
    assert {p.step.key: p.number for p in layout.steps} == step_numbers(chart)
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


# The arrows, as properties over the same charts: what bench/layout_quality.py measures.


@pytest.mark.parametrize("seed", range(CHART_COUNT))
def test_boxes_are_drawn_in_an_order_with_no_more_crossings_than_the_arranged_one(
    seed: int,
) -> None:
    chart = CHARTS[seed]
    arranged = ordered_steps(chart.steps, chart.lane_groups())
    drawn = drawing_order(chart, arranged)
    assert sorted(s.key for s in drawn) == sorted(s.key for s in arranged)
    model = CrossingModel(chart, arranged)

    def cost(order: list[Step]) -> int:
        lanes = {g: i for i, g in enumerate(chart.lane_groups())}
        cells: dict[tuple[int, int], list[str]] = {}
        for step in order:
            cells.setdefault((step.theme.position, lanes[step.group]), []).append(step.key)
        heights = {
            key: lane + (k + 0.5) / len(cell)
            for (_, lane), cell in cells.items()
            for k, key in enumerate(cell)
        }
        return model.cost(model.vector(heights))

    assert [(s.theme, s.group) for s in drawn] == [(s.theme, s.group) for s in arranged]
    assert cost(drawn) <= cost(arranged)


def _routes(seed: int) -> tuple[ChartLayout, list[RoutedLink]]:
    chart = CHARTS[seed]
    layout = layout_flowchart(chart)
    return layout, route_links(layout, chart.links)


def _pieces(routes: list[RoutedLink]) -> tuple[np.ndarray, np.ndarray]:
    """Every Bézier piece of every arrow as (arrow, 4 control points), for checks in bulk."""
    owners, pieces = [], []
    for route in routes:
        for k in range(0, len(route.points) - 1, 3):
            owners.append(route.index)
            pieces.append(route.points[k : k + 4])
    return np.array(owners, dtype=int), np.array(pieces, dtype=float).reshape(-1, 4, 2)


@pytest.mark.parametrize("seed", range(CHART_COUNT))
def test_no_arrow_runs_through_a_box(seed: int) -> None:
    layout, routes = _routes(seed)
    if not routes:
        return
    owners, pieces = _pieces(routes)
    # A Bézier piece stays inside the hull of its control points, so their bounding box clear
    # of a box means the drawn curve is clear of it too.
    low, high = pieces.min(axis=1), pieces.max(axis=1)
    boxes = np.array([(p.box.left, p.box.top, p.box.right, p.box.bottom) for p in layout.steps])
    keys = [p.step.key for p in layout.steps]
    inside = (
        (low[:, None, 0] < boxes[None, :, 2] - 0.5)
        & (high[:, None, 0] > boxes[None, :, 0] + 0.5)
        & (low[:, None, 1] < boxes[None, :, 3] - 0.5)
        & (high[:, None, 1] > boxes[None, :, 1] + 0.5)
    )
    for piece, box in zip(*np.nonzero(inside), strict=True):
        link = routes[owners[piece]].link
        assert keys[box] in (link.source, link.target), f"arrow {owners[piece]} crosses {keys[box]}"


@pytest.mark.parametrize("seed", range(CHART_COUNT))
def test_no_two_arrows_share_a_line(seed: int) -> None:
    _, routes = _routes(seed)
    owners, pieces = _pieces(routes)
    for axis in (0, 1):  # vertical runs share x, level runs share y
        along = 1 - axis
        straight = np.all(np.abs(pieces[:, :, axis] - pieces[:, :1, axis]) < 0.01, axis=1)
        line = pieces[straight, 0, axis]
        start = pieces[straight, :, along].min(axis=1)
        end = pieces[straight, :, along].max(axis=1)
        who = owners[straight]
        close = np.abs(line[:, None] - line[None, :]) < 2.0
        overlap = np.minimum(end[:, None], end[None, :]) - np.maximum(
            start[:, None], start[None, :]
        )
        shared = close & (overlap > 1.0) & (who[:, None] != who[None, :])
        assert not shared.any(), f"arrows {sorted(set(who[np.nonzero(shared)[0]]))} share a line"


@pytest.mark.parametrize("seed", range(CHART_COUNT))
def test_each_label_is_nearest_its_own_arrow(seed: int) -> None:
    _, routes = _routes(seed)
    owners, pieces = _pieces(routes)
    # Our arrows are straight runs joined by small corners: the chords are close enough.
    a, b = pieces[:, 0], pieces[:, 3]
    for route in routes:
        if route.label_centre is None:
            continue
        width, height = link_label_size(list(route.label_lines))
        x, y = route.label_centre
        distance = _rect_to_segments(
            (x - width / 2, y - height / 2, x + width / 2, y + height / 2), a, b
        )
        own = distance[owners == route.index].min()
        others = distance[owners != route.index]
        assert others.size == 0 or own < others.min(), f"label of arrow {route.index}"


def _rect_to_segments(
    rect: tuple[float, float, float, float], a: np.ndarray, b: np.ndarray
) -> np.ndarray:
    """Distance from a rectangle to each segment, by sampling the segments every 0.5 pt or so."""
    t = np.linspace(0, 1, 64)[None, :, None]
    points = a[:, None, :] + (b - a)[:, None, :] * t
    left, top, right, bottom = rect
    dx = np.maximum(np.maximum(left - points[..., 0], points[..., 0] - right), 0)
    dy = np.maximum(np.maximum(top - points[..., 1], points[..., 1] - bottom), 0)
    result: np.ndarray = np.hypot(dx, dy).min(axis=1)
    return result


@pytest.mark.parametrize("seed", range(0, CHART_COUNT, 3))
def test_routing_kept_from_the_first_pass_is_routing_afresh(seed: int) -> None:
    """The final pass of a layout only widens the gaps, so the arrows' order in each gap and
    their crossings of the middle column, found on the first pass, are kept: the same routes as
    routing again on the final layout."""
    chart = CHARTS[seed]
    layout = layout_flowchart(chart)
    if not chart.links:
        assert layout.track_plan is None
        return
    assert layout.track_plan is not None
    afresh = dataclasses.replace(layout, track_plan=None)
    assert route_links(layout, chart.links) == route_links(afresh, chart.links)


def test_a_title_wrapped_otherwise_on_the_wider_chart_is_routed_afresh() -> None:
    """Wider gaps can unwrap a long title by a line, moving every box up: nothing is kept then,
    and the arrows still meet their boxes."""
    chart = max(CHARTS, key=lambda c: len(c.links))  # its gaps widen most
    title = "A title long enough to wrap onto another line when the gaps are narrow " * 6
    widths = set()
    for length in range(20, 400, 20):
        wrapped = dataclasses.replace(chart, title=title[:length])
        layout = layout_flowchart(wrapped)
        widths.add(layout.track_plan is None)
        if layout.track_plan is None:
            routes = route_links(layout, wrapped.links)
            boxes = layout.step_by_key
            for route in routes:
                tip_x, tip_y = route.tip
                box = boxes[route.link.target].box
                assert box.left - 0.01 <= tip_x <= box.right + 0.01
                assert box.top - 0.01 <= tip_y <= box.bottom + 0.01
    assert widths == {True, False}  # some titles kept the plan, some were routed afresh


def test_routing_other_labels_than_the_layout_made_room_for_routes_afresh() -> None:
    """A layout made with each arrow's number in the return interview (its badge), routed with
    the arrows' own labels: the tracks kept from the first pass were found for other labels."""
    chart = max(CHARTS, key=lambda c: len(c.links))
    badges = {
        (link.source, link.target): LinkDecoration(badge="Teacher 2 · TA 1") for link in chart.links
    }
    layout = layout_flowchart(chart, Annotations(links=badges))
    assert layout.track_plan is not None
    afresh = dataclasses.replace(layout, track_plan=None)
    assert route_links(layout, chart.links) == route_links(afresh, chart.links)
