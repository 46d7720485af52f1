"""A chart cut into parts shares its boxes out evenly: no last part holding only the legend.

Filling each page to the brim left a 30-step chart's third A3 page with one box's edge and the
legend under its caption; the all-voices PDF had the same blank-looking page.
"""

from __future__ import annotations

import re

from tests.render.helpers import synthetic_chart
from tocapp.exports.chart_pages import content_box_pt, cut_points
from tocapp.exports.charts import draw_directly, svg_figure
from tocapp.exports.model import ChartFigure

STEP_NUMBER = re.compile(r">[SAO]\d{1,3}<")


def test_every_part_of_a_split_chart_shows_several_steps():
    chart = synthetic_chart(30, 37, seed=30)
    drawn = svg_figure(ChartFigure(chart, "BIG flowchart, version 1"), draw_directly)
    assert drawn.plan is not None and len(drawn.parts) >= 2
    steps_per_part = [len(STEP_NUMBER.findall(part.svg)) for part in drawn.parts]
    assert min(steps_per_part) >= 3, steps_per_part
    _, box_height = content_box_pt(drawn.plan.paper, drawn.plan.landscape)
    for part in drawn.parts:
        assert part.height_pt <= box_height + 0.01


def test_cuts_share_the_height_out_and_keep_the_fewest_parts():
    # Boxes from 0 to 780, the legend from 790 to 850; pages of 400. Filling pages to the brim
    # would leave the legend alone on a third page; even cuts give each page about a third.
    boxes = [(y, y + 50) for y in range(0, 780, 60)]
    slices = cut_points(850, 400, [*boxes, (790, 850)])
    assert len(slices) == 3
    assert all(bottom - top > 200 for top, bottom in slices), slices
    assert slices[0][0] == 0 and slices[-1][1] == 850
    for (_, bottom), (top, _) in zip(slices, slices[1:], strict=False):
        assert bottom == top and not any(a < top < b for a, b in boxes)


def test_a_band_taller_than_a_page_is_cut_through_and_the_rest_still_shared_out():
    # Boxes fill 0–680 without a gap (taller than a page of 679), then leave gaps at 1000, 1221,
    # 1344 and 1440. Cut greedily after the forced cut, the last part held 276 of 1620: one box
    # and the legend. Shared out, the two parts after the forced cut are about even.
    boxes = [(0, 680), (700, 990), (1010, 1210), (1230, 1335), (1350, 1430), (1450, 1620)]
    slices = cut_points(1620, 679, boxes)
    assert slices[0] == (0.0, 679)  # through the band, at a full page
    assert len(slices) == 3 and slices[-1][1] == 1620
    heights = [bottom - top for top, bottom in slices[1:]]
    assert min(heights) > 350, slices  # not 665 and 276
    assert all(bottom - top <= 679 for top, bottom in slices)
