"""Paper, orientation, scale and cuts for charts of every length: text never below readable."""

from __future__ import annotations

import pytest

from tocapp.exports.chart_pages import MIN_SCALE, content_box_pt, cut_points, plan_pages

WIDTH = 840.0  # every chart is drawn this wide (three theme columns)


def test_a_short_chart_fits_one_a4_landscape_page():
    plan = plan_pages(WIDTH, 450)
    assert (plan.paper, plan.landscape, plan.is_split) == ("A4", True, False)
    assert plan.scale >= MIN_SCALE


def test_a_chart_too_tall_for_a4_at_a_readable_size_moves_to_a3():
    plan = plan_pages(WIDTH, 900)
    assert plan.paper == "A3" and not plan.is_split
    assert plan.scale >= MIN_SCALE
    box_width, box_height = content_box_pt(plan.paper, plan.landscape)
    assert WIDTH * plan.scale <= box_width + 0.01 and 900 * plan.scale <= box_height + 0.01


def test_a_long_chart_is_split_into_parts_that_each_fit_at_one_readable_scale():
    bands = [(y, y + 60) for y in range(40, 3200, 80)]  # boxes 60 pt tall, 20 pt apart
    plan = plan_pages(WIDTH, 3240, bands)
    assert plan.is_split and plan.paper == "A3"
    assert plan.scale >= MIN_SCALE
    _, box_height = content_box_pt(plan.paper, plan.landscape)
    assert plan.slices[0][0] == 0 and plan.slices[-1][1] == 3240
    for (_, bottom), (next_top, _) in zip(plan.slices, plan.slices[1:], strict=False):
        assert bottom == next_top
    for top, bottom in plan.slices:
        assert (bottom - top) * plan.scale <= box_height + 0.01
        assert not any(a < top < b for a, b in bands), "a cut went through a box"


def test_a4_only_splits_rather_than_using_a3():
    plan = plan_pages(WIDTH, 900, papers=("A4",))
    assert plan.paper == "A4" and plan.landscape and plan.is_split
    assert plan.scale >= MIN_SCALE


def test_cuts_fall_in_gaps_and_only_cut_a_box_taller_than_a_page():
    assert cut_points(1000, 400, [(0, 350), (360, 700), (710, 1000)]) == (
        (0, 355.0),
        (355.0, 705.0),
        (705.0, 1000),
    )
    assert cut_points(1000, 400, [(0, 1000)]) == ((0, 400), (400, 800), (800, 1000))


@pytest.mark.parametrize("height", [0, -5])
def test_an_empty_drawing_is_refused(height):
    with pytest.raises(ValueError):
        plan_pages(WIDTH, height)
