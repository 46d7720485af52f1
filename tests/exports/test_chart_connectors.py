"""Connectors at the cut edges of a split chart: both ends named, words apart, leaders uncrossed;
and the page plan cuts a chart too wide for the paper between its columns."""

from __future__ import annotations

import random

import pytest

from tocapp.exports.chart_connectors import ChartArrow, Connector, page_connectors, spread
from tocapp.exports.chart_pages import MIN_SCALE, content_box_pt, plan_pages
from tocapp.render.text_fit import text_width

TOP, BOTTOM = (0.0, 0.0, 800.0, 400.0), (0.0, 400.0, 800.0, 800.0)
LEFT, RIGHT = (0.0, 0.0, 400.0, 800.0), (400.0, 0.0, 800.0, 800.0)


def crosses(a: Connector, b: Connector) -> bool:
    """Whether two straight leaders cross (they all run from one edge to one row or column)."""
    (ax0, ay0), (ax1, ay1) = a.leader
    (bx0, by0), (bx1, by1) = b.leader
    if ay0 == by0 and ax0 != bx0:  # from a top or bottom edge
        return (ax0 - bx0) * (ax1 - bx1) < 0
    if ax0 == bx0 and ay0 != by0:  # from a side edge
        return (ay0 - by0) * (ay1 - by1) < 0
    return False


def overlap(a: Connector, b: Connector) -> bool:
    return not (
        a.box[2] <= b.box[0] or b.box[2] <= a.box[0] or a.box[3] <= b.box[1] or b.box[3] <= a.box[1]
    )


def test_an_arrow_down_across_a_cut_is_named_on_both_pages():
    steps = {"S1": (100.0, 100.0, 200.0, 150.0), "A1": (500.0, 600.0, 600.0, 650.0)}
    arrow = ChartArrow("S1", "A1", ((150.0, 125.0), (300.0, 125.0), (300.0, 625.0), (550, 625)))
    placed, rooms = page_connectors([TOP, BOTTOM], steps, [arrow])
    (leaving,), (entering,) = placed
    assert (leaving.end, leaving.part, leaving.lines) == ("→ A1", 2, ("→ A1", "on part 2"))
    assert leaving.pieces("page") == (("→ A1", 0), ("on page ", 2))
    assert (entering.end, entering.part) == ("S1 →", 1)
    assert leaving.leader[0] == (300.0, 400.0) and entering.leader[0] == (300.0, 400.0)
    assert leaving.box[1] > 400 and entering.box[3] < 400  # beyond each page's cut edge
    assert rooms[0]["bottom"] > 0 and rooms[1]["top"] > 0


def test_an_arrow_across_a_cut_between_columns_is_named_beside_it():
    steps = {"S1": (100.0, 100.0, 200.0, 150.0), "A1": (500.0, 100.0, 600.0, 150.0)}
    arrow = ChartArrow("S1", "A1", ((150.0, 125.0), (550.0, 125.0)))
    placed, _ = page_connectors([LEFT, RIGHT], steps, [arrow])
    assert [c.lines for c in placed[0]] == [("→ A1", "on part 2")]
    assert [c.lines for c in placed[1]] == [("S1 →", "on part 1")]
    assert placed[0][0].box[0] > 400 > placed[1][0].box[2]
    # The PDF prints the page instead, filled in once laid out; room is kept for any number.
    assert placed[0][0].pieces("page") == (("→ A1", 0), ("on page ", 2))
    assert placed[0][0].box[2] - placed[0][0].box[0] >= text_width("on page 888", 11) - 1e-6


def test_a_side_edge_too_short_for_two_lines_each_gives_one_line_each():
    steps, arrows = {}, []
    for i in range(30):  # 30 two-line labels need more than 800 pt down the edge
        y = 100.0 + 20 * i
        steps[f"S{i}"], steps[f"A{i}"] = (100.0, y, 120.0, y + 10), (500.0, y, 520.0, y + 10)
        arrows.append(ChartArrow(f"S{i}", f"A{i}", ((110.0, y + 5), (510.0, y + 5))))
    placed, _ = page_connectors([LEFT, RIGHT], steps, arrows)
    assert [c.lines for c in placed[0]][:2] == [("→ A0 on part 2",), ("→ A1 on part 2",)]
    for i, a in enumerate(placed[0]):
        for b in placed[0][i + 1 :]:
            assert not overlap(a, b) and not crosses(a, b)


def test_a_bottom_edge_crowded_even_in_short_form_turns_its_words_up_the_page():
    steps, arrows = {}, []
    for i in range(40):  # tracks 4 pt apart, as in the gap between two columns
        x = 300.0 + 4 * i
        steps[f"S{i}"], steps[f"A{i}"] = (x - 1, 100.0, x + 1, 110.0), (x - 1, 600, x + 1, 610)
        arrows.append(ChartArrow(f"S{i}", f"A{i}", ((x, 105.0), (x, 605.0))))
    placed, rooms = page_connectors([TOP, BOTTOM], steps, arrows)
    assert all(c.turned for page in placed for c in page)
    assert placed[0][0].lines == ("→A0 pt 2",) and placed[0][0].pieces("page") == (("→A0 p. ", 2),)
    for page in placed:
        for i, a in enumerate(page):
            assert a.box[2] - a.box[0] < 15 < a.box[3] - a.box[1]  # a line wide, words tall
            for b in page[i + 1 :]:
                assert not overlap(a, b) and not crosses(a, b)
    assert rooms[0]["bottom"] >= placed[0][0].box[3] - 400


def test_an_arrow_that_only_crosses_a_part_is_named_where_it_comes_in_and_goes_out():
    top, middle, bottom = (0.0, 0.0, 800.0, 300.0), (0.0, 300.0, 800.0, 600.0), (0, 600, 800, 900)
    steps = {"S1": (100.0, 100.0, 200.0, 150.0), "A1": (500.0, 700.0, 600.0, 750.0)}
    arrow = ChartArrow("S1", "A1", ((150.0, 125.0), (300.0, 125.0), (300.0, 725.0), (550, 725)))
    placed, _ = page_connectors([top, middle, bottom], steps, [arrow])
    entering, leaving = sorted(placed[1], key=lambda c: c.leader[0][1])
    assert (entering.end, entering.part, entering.lines) == (
        "S1 → A1",
        0,
        ("S1 → A1", "passes through"),
    )
    assert entering.leader[0] == (300.0, 300.0) and entering.box[3] < 300
    assert (leaving.end, leaving.part) == ("→ A1", 3) and leaving.leader[0] == (300.0, 600.0)
    assert [(c.end, c.part) for c in placed[0]] == [("→ A1", 3)]
    assert [(c.end, c.part) for c in placed[2]] == [("S1 →", 1)]


def test_an_arrow_that_leaves_its_part_and_comes_back_is_named_at_both_edges():
    left, right = (0.0, 0.0, 400.0, 800.0), (400.0, 0.0, 800.0, 800.0)
    steps = {"S1": (100.0, 100.0, 200.0, 150.0), "A1": (100.0, 600.0, 200.0, 650.0)}
    # Out through the cut on the right, down in the next strip, and back in to A1.
    path = ((150.0, 125.0), (450.0, 125.0), (450.0, 625.0), (150.0, 625.0))
    placed, _ = page_connectors([left, right], steps, [ChartArrow("S1", "A1", path)])
    assert sorted((c.end, c.part, c.leader[0]) for c in placed[0]) == [
        ("S1 →", 1, (400.0, 625.0)),
        ("→ A1", 1, (400.0, 125.0)),
    ]
    assert [(c.end, c.part) for c in placed[1]] == [("S1 → A1", 0), ("→ A1", 1)]


def test_arrows_within_a_page_get_no_connector():
    steps = {"S1": (100.0, 100.0, 200.0, 150.0), "A1": (300.0, 100.0, 350.0, 150.0)}
    arrow = ChartArrow("S1", "A1", ((150.0, 125.0), (325.0, 125.0)))
    assert page_connectors([LEFT, RIGHT], steps, [arrow])[0] == [[], []]


@pytest.mark.parametrize("seed", range(20))
def test_many_connectors_on_one_edge_neither_touch_nor_cross(seed):
    rng = random.Random(seed)
    steps, arrows = {}, []
    for i in range(rng.randint(5, 20)):  # up to what a row holds, in the short form
        x = rng.choice([300.0, 320.0, 600.0]) + 4 * rng.randint(0, 20)  # tracks bunched in gaps
        source, target = f"S{i}", f"A{i}"
        steps[source] = (x - 5, 100.0 + i, x + 5, 110.0 + i)
        steps[target] = (x - 5, 600.0 + i, x + 5, 610.0 + i)
        arrows.append(ChartArrow(source, target, ((x, 105.0 + i), (x, 605.0 + i))))
    placed, _ = page_connectors([TOP, BOTTOM], steps, arrows)
    for page in placed:
        for i, a in enumerate(page):
            assert a.box[0] >= -1e-6 and a.box[2] <= 800 + 1e-6
            for b in page[i + 1 :]:
                assert not overlap(a, b) and not crosses(a, b)


def test_spread_keeps_order_and_stays_near():
    centres = spread([10.0, 11.0, 12.0, 500.0], [30.0] * 4, (0.0, 800.0))
    assert centres == sorted(centres)
    assert all(b - a >= 30 for a, b in zip(centres, centres[1:], strict=False))
    assert centres[0] >= 15 and centres[3] == 500.0


def test_a_chart_too_wide_for_a4_is_cut_between_its_columns():
    # Three 190-pt columns with wide gaps between them, like an 80-step chart (1,311 pt).
    columns = [(20.0, 210.0), (560.0, 750.0), (1100.0, 1290.0)]
    boxes = [(left, y, right, y + 50) for left, right in columns for y in range(60, 900, 70)]
    plan = plan_pages(1311.0, 900.0, [(b[1], b[3]) for b in boxes], ("A4",), boxes=boxes)
    assert plan.scale >= MIN_SCALE and len(plan.columns) > 1
    for _, right in plan.columns[:-1]:
        assert any(a < right < b for (_, a), (b, _) in zip(columns, columns[1:], strict=False))
    box_width, _ = content_box_pt(plan.paper, plan.landscape)
    assert all((right - left) * plan.scale <= box_width + 0.01 for left, right in plan.columns)
    pages = plan.pages
    assert len(pages) == sum(1 for _ in pages) and len(pages) >= len(plan.columns)
