"""The grid and the arrows: lanes in order, nothing overlapping, arrows clear of every box."""

from __future__ import annotations

import pytest

from tests.render.helpers import small_chart, synthetic_chart
from tocapp.domain.outline import step_numbers
from tocapp.domain.theory import Flowchart, Link, Step, Theme
from tocapp.render.edge_routes import bezier_point, route_links
from tocapp.render.flowchart_layout import Box, layout_flowchart

CHARTS = [small_chart(), synthetic_chart(40, 50, seed=2), synthetic_chart(200, 250, seed=7)]


@pytest.mark.parametrize("chart", CHARTS, ids=["small", "40", "200"])
def test_lanes_follow_the_study_order_and_do_not_overlap(chart: Flowchart) -> None:
    layout = layout_flowchart(chart)
    order = [chart.groups.index(lane.group) for lane in layout.lanes]
    assert order == sorted(order)
    for upper, lower in zip(layout.lanes, layout.lanes[1:], strict=False):
        assert upper.box.bottom < lower.box.top


@pytest.mark.parametrize("chart", CHARTS, ids=["small", "40", "200"])
def test_each_step_sits_in_its_lane_and_column_without_overlapping_another(
    chart: Flowchart,
) -> None:
    layout = layout_flowchart(chart)
    for placed in layout.steps:
        lane = layout.lanes[placed.lane]
        left, right = layout.column_spans[placed.step.theme.position]
        assert lane.group == placed.step.group
        assert (placed.box.left, placed.box.right) == (left, right)
        assert lane.box.top < placed.box.top and placed.box.bottom < lane.box.bottom
    boxes = [p.box for p in layout.steps]
    for i, box in enumerate(boxes):
        assert not any(box.overlaps(other) for other in boxes[i + 1 :])


def test_steps_keep_their_arranged_order_within_a_cell() -> None:
    steps = tuple(Step(f"k{i}", Theme.ACTION, "Staff", f"step {i}") for i in (3, 1, 2))
    layout = layout_flowchart(Flowchart("Order", ("Staff",), steps))
    tops = {p.step.key: p.box.top for p in layout.steps}
    assert tops["k3"] < tops["k1"] < tops["k2"]


@pytest.mark.parametrize("chart", CHARTS, ids=["small", "40", "200"])
def test_arrows_start_and_end_on_their_boxes_and_never_cross_another(chart: Flowchart) -> None:
    layout = layout_flowchart(chart)
    placed = layout.step_by_key
    for route in route_links(layout, chart.links):
        source = placed[route.link.source].box
        target = placed[route.link.target].box
        assert _on_edge(route.points[0], source)
        assert _on_edge(route.tip, target)
        others = [p.box for p in layout.steps if p.box not in (source, target)]
        for i in range(201):
            x, y = bezier_point(route.points, i / 200)
            inside = [b for b in others if b.left < x < b.right and b.top < y < b.bottom]
            assert not inside, f"link {route.index} crosses a box at {x:.0f},{y:.0f}"


def test_arrows_within_a_column_go_straight_to_a_neighbour_or_loop_past_others() -> None:
    steps = tuple(Step(f"k{i}", Theme.ACTION, "Staff", f"step {i}") for i in range(3))
    chart = Flowchart("Column", ("Staff",), steps, (Link("k0", "k1"), Link("k0", "k2")))
    layout = layout_flowchart(chart)
    straight, loop = route_links(layout, chart.links)
    assert len({x for x, _ in straight.points}) == 1  # vertical
    middle = layout.step_by_key["k1"].box
    assert max(x for x, _ in loop.points) > middle.right  # out into the gap


def test_many_arrows_into_one_side_are_spread_out() -> None:
    steps = (
        *(Step(f"s{i}", Theme.SITUATION, "Staff", f"cause {i}") for i in range(4)),
        Step("a", Theme.ACTION, "Staff", "one action"),
    )
    chart = Flowchart("Fan in", ("Staff",), steps, tuple(Link(f"s{i}", "a") for i in range(4)))
    layout = layout_flowchart(chart)
    tips = [route.tip for route in route_links(layout, chart.links)]
    assert len({y for _, y in tips}) == 4
    assert [y for _, y in tips] == sorted(y for _, y in tips)  # in the order of their sources


def _on_edge(point: tuple[float, float], box: Box) -> bool:
    x, y = point
    on_vertical = x in (box.left, box.right) and box.top <= y <= box.bottom
    on_horizontal = y in (box.top, box.bottom) and box.left <= x <= box.right
    return on_vertical or on_horizontal


def test_reordering_a_cell_to_save_crossings_keeps_the_reading_numbers() -> None:
    # Arranged S1 (to A2) above S2 (to A1), the arrows cross; drawn the other way up they do not.
    steps = (
        Step("s1", Theme.SITUATION, "Staff", "first cause"),
        Step("s2", Theme.SITUATION, "Staff", "second cause"),
        Step("a1", Theme.ACTION, "Staff", "first action"),
        Step("a2", Theme.ACTION, "Staff", "second action"),
    )
    chart = Flowchart("Crossed", ("Staff",), steps, (Link("s1", "a2"), Link("s2", "a1")))
    layout = layout_flowchart(chart)
    placed = layout.step_by_key
    assert placed["s2"].box.top < placed["s1"].box.top  # reordered, so the arrows do not cross
    assert {key: p.number for key, p in placed.items()} == step_numbers(chart)
    assert [p.step.key for p in layout.steps] == ["s1", "s2", "a1", "a2"]  # reading order kept
