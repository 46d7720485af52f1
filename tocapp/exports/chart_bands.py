"""The words a printed part repeats above and beside its drawing, so a reader of one page knows
where it lies in the chart: a band on top with the theme columns' headers (or the names of the
columns either side) and "Staff (continued)" for a lane begun on a part above, and the lanes'
names at the left edge of a part cut off from the first column.

Both the PDF's SVG parts (charts) and Word's PNG parts (chart_png) draw these same words; the
planning of the cuts (charts.plan_parts) keeps room for the band. Plain geometry in points.
"""

from __future__ import annotations

from dataclasses import dataclass

from tocapp.exports.chart_connectors import CONNECTOR_FONT_SIZE, Point, Rect
from tocapp.exports.chart_geometry import ChartGeometry

HEADER_FONT_SIZE = 13.0  # the theme columns' headers, as the layout draws them
HEADER_ROW = HEADER_FONT_SIZE * 1.4  # a part below the headers repeats them in a row this tall
LANE_ROW = CONNECTOR_FONT_SIZE * 1.4  # and the name of the lane it starts in, under them


@dataclass(frozen=True)
class TopBand:
    """What a part repeats above its connectors: the headers of the theme columns it shows if
    they are on a part above, or on a strip holding none, the names of the columns either side
    ("← 2 Strands of action", "3 Intended outcomes →", one a row); and the name of the lane
    its first boxes are in if that name is on a part above."""

    rows: tuple[tuple[tuple[str, float, str], ...], ...] = ()  # each row's words, x, anchor
    lane: str = ""

    @property
    def height(self) -> float:
        return HEADER_ROW * len(self.rows) + (LANE_ROW if self.lane else 0.0)


def top_band(rect: Rect, geometry: ChartGeometry) -> TopBand:
    left, top, right, bottom = rect
    inside = [(name, x) for name, x, _ in geometry.headers if left <= x <= right]
    rows: list[tuple[tuple[str, float, str], ...]] = []
    if inside and any(foot <= top for _, _, foot in geometry.headers):
        rows.append(tuple((name, x, "middle") for name, x in inside))
    elif not inside:
        before = [(x, name) for name, x, _ in geometry.headers if x < left]
        after = [(x, name) for name, x, _ in geometry.headers if x > right]
        if before:
            rows.append(((f"← {max(before)[1]}", left + 4, "start"),))
        if after:
            rows.append(((f"{min(after)[1]} →", right - 4, "end"),))
    shown = [
        (box[1] + box[3]) / 2
        for _, box in geometry.steps
        if left <= (box[0] + box[2]) / 2 <= right and top <= (box[1] + box[3]) / 2 <= bottom
    ]
    lane = next(
        (
            name
            for name, lane_top, lane_bottom in geometry.lanes
            if lane_top < top and any(lane_top <= y <= lane_bottom for y in shown)
        ),
        "",
    )
    return TopBand(tuple(rows), lane)


def band_lines(rect: Rect, drawn: Rect, band: TopBand) -> list[tuple[Point, str, float, str]]:
    """The top band's words: where (baseline), what, size and anchor ("middle", "start" or
    "end")."""
    lines = []
    y = drawn[1]
    for row in band.rows:
        y += HEADER_ROW
        lines += [
            ((x, y - 0.35 * HEADER_FONT_SIZE), name, HEADER_FONT_SIZE, anchor)
            for name, x, anchor in row
        ]
    if band.lane:
        y += LANE_ROW
        text = f"{band.lane} (continued)"
        lines.append(
            ((rect[0] + 4, y - 0.35 * CONNECTOR_FONT_SIZE), text, CONNECTOR_FONT_SIZE, "start")
        )
    return lines


def lane_names(rect: Rect, geometry: ChartGeometry) -> list[tuple[str, float]]:
    """The names (and baselines) of the lanes that begin on a strip right of the first, where
    the layout's own names are not: at the strip's left edge, level with them."""
    if rect[0] <= 0:
        return []
    return [
        (name, lane_top + 14)
        for name, lane_top, _ in geometry.lanes
        if rect[1] <= lane_top < rect[3]
    ]
