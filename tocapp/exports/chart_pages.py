"""Choosing the paper for a chart so its text stays readable, and where to cut it if it must split.

Our charts are drawn 840 pt wide (three theme columns) and as tall as their lanes need. A chart is
never scaled below ``MIN_SCALE``, which keeps step text at 8 pt and arrow labels and the legend at
6.5 pt. The first paper (A4, then A3) on which the whole chart fits at that scale, in either
orientation, gets it on one page; a chart too long for any of them is cut into parts on the
largest paper, each part drawn at the same scale. Cuts fall in the gaps between boxes and arrow
labels, so no step is ever split across two pages. Pure arithmetic: no drawing happens here.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

MM = 72 / 25.4  # points per millimetre
PAPERS_MM = {"A4": (210.0, 297.0), "A3": (297.0, 420.0)}  # portrait width, height
DEFAULT_PAPERS = ("A4", "A3")
# Page margins (mm) shared with the print stylesheet: room for the running header and footer.
MARGIN_TOP, MARGIN_BOTTOM, MARGIN_SIDE = 16.0, 14.0, 12.0
CAPTION_MM = 9.0  # the line above the chart on its page
# WeasyPrint rounds lengths as it lays a page out: a chart sized to the last fraction of a
# millimetre can spill onto a page of its own, leaving its caption alone on the page before.
SLACK_MM = 1.5
MIN_SCALE = 0.72
MAX_SCALE = 1.0
MIN_PART_FRACTION = 0.3  # a cut never leaves a part shorter than this share of a page


@dataclass(frozen=True)
class PagePlan:
    """Paper, orientation and scale for a chart, and the vertical slices (in chart points)."""

    paper: str
    landscape: bool
    scale: float
    slices: tuple[tuple[float, float], ...]

    @property
    def page_name(self) -> str:
        """The CSS named page, e.g. "chart-a3-landscape"."""
        return f"chart-{self.paper.lower()}-{'landscape' if self.landscape else 'portrait'}"

    @property
    def page_size_mm(self) -> tuple[float, float]:
        width, height = PAPERS_MM[self.paper]
        return (height, width) if self.landscape else (width, height)

    @property
    def is_split(self) -> bool:
        return len(self.slices) > 1


def content_box_pt(paper: str, landscape: bool) -> tuple[float, float]:
    """Width and height (points) left for the chart on one page, below its caption."""
    width, height = PAPERS_MM[paper]
    if landscape:
        width, height = height, width
    usable_width = width - 2 * MARGIN_SIDE
    usable_height = height - MARGIN_TOP - MARGIN_BOTTOM - CAPTION_MM - SLACK_MM
    return usable_width * MM, usable_height * MM


def plan_pages(
    width: float,
    height: float,
    occupied: Sequence[tuple[float, float]] = (),
    papers: Sequence[str] = DEFAULT_PAPERS,
) -> PagePlan:
    """The smallest paper that shows the whole chart readably, else parts on the largest one.

    ``occupied`` are the vertical extents (top, bottom) of boxes and labels that a cut must avoid.
    """
    if width <= 0 or height <= 0:
        raise ValueError("A chart has a positive width and height.")
    for paper in papers:
        scale, landscape = max(
            (_whole_scale(width, height, paper, landscape), landscape)
            for landscape in (True, False)
        )
        if scale >= MIN_SCALE:
            return PagePlan(paper, landscape, scale, ((0.0, height),))
    return _split_plan(width, height, occupied, papers[-1])


def _whole_scale(width: float, height: float, paper: str, landscape: bool) -> float:
    box_width, box_height = content_box_pt(paper, landscape)
    return min(MAX_SCALE, box_width / width, box_height / height)


def _split_plan(
    width: float, height: float, occupied: Sequence[tuple[float, float]], paper: str
) -> PagePlan:
    options = []
    for landscape in (True, False):
        box_width, box_height = content_box_pt(paper, landscape)
        scale = min(MAX_SCALE, box_width / width)
        part_height = box_height / scale
        readable = scale >= MIN_SCALE
        # Readable first, then the fewest parts, then the larger text.
        options.append((readable, -math.ceil(height / part_height), scale, landscape, part_height))
    _, _, scale, landscape, part_height = max(options)
    return PagePlan(paper, landscape, scale, cut_points(height, part_height, occupied))


def cut_points(
    height: float, part_height: float, occupied: Sequence[tuple[float, float]]
) -> tuple[tuple[float, float], ...]:
    """Slices of at most ``part_height``, each ending in a gap between occupied bands if it can.

    The fewest parts, as even as the gaps allow: filling each page to the brim could leave the
    last part holding nothing but the legend (or a lone caption) on a page of its own.
    """
    gaps = _gap_middles(occupied)
    greedy = _greedy_cuts(height, part_height, gaps)
    if len(greedy) < 2:
        return greedy
    return _even_cuts(height, part_height, gaps, len(greedy)) or greedy


def _greedy_cuts(
    height: float, part_height: float, gaps: Sequence[float]
) -> tuple[tuple[float, float], ...]:
    slices = []
    top = 0.0
    while height - top > part_height:
        lowest = top + MIN_PART_FRACTION * part_height
        fitting = [g for g in gaps if lowest < g <= top + part_height]
        cut = max(fitting) if fitting else top + part_height
        slices.append((top, cut))
        top = cut
    slices.append((top, height))
    return tuple(slices)


def _even_cuts(
    height: float, part_height: float, gaps: Sequence[float], count: int
) -> tuple[tuple[float, float], ...] | None:
    """``count`` slices, each cut in the gap nearest an even share of what is left; None if
    the gaps do not allow it."""
    slices = []
    top = 0.0
    for left in range(count, 1, -1):
        target = top + (height - top) / left
        fitting = [
            g
            for g in gaps
            if top + MIN_PART_FRACTION * part_height < g <= top + part_height
            and height - g <= (left - 1) * part_height
        ]
        if not fitting:
            return None
        cut = min(fitting, key=lambda g: abs(g - target))
        slices.append((top, cut))
        top = cut
    if height - top > part_height:
        return None
    slices.append((top, height))
    return tuple(slices)


def _gap_middles(occupied: Sequence[tuple[float, float]]) -> list[float]:
    """The middle of every gap between the merged occupied bands."""
    merged: list[list[float]] = []
    for top, bottom in sorted((min(a, b), max(a, b)) for a, b in occupied):
        if merged and top <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], bottom)
        else:
            merged.append([top, bottom])
    return [(a[1] + b[0]) / 2 for a, b in zip(merged, merged[1:], strict=False)]
