"""Choosing the paper for a chart so its text stays readable, and where to cut it if it must split.

Our charts are at least 840 pt wide (three theme columns, wider gaps for more arrows) and as tall
as their lanes need. A chart is never scaled below ``MIN_SCALE``, which keeps step text at 9 pt
and the legend at 8 pt on paper. The first paper (A4, then A3) on which the whole chart fits at
that scale, in either orientation, gets it on one page; a chart too big for any of them is cut
into parts on the largest paper, each drawn at the same scale: into strips of whole theme columns
if it is too wide, and each strip into bands of lanes if it is too long. Cuts fall in the gaps
between boxes and arrow labels, so no step is ever split across two pages; ``room`` is kept on
each cut edge for the connectors that name where a cut arrow goes. Pure arithmetic: no drawing
happens here.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from tocapp.render.flowchart_layout import LEGEND_FONT_SIZE, STEP_FONT_SIZE

MM = 72 / 25.4  # points per millimetre
PAPERS_MM = {"A4": (210.0, 297.0), "A3": (297.0, 420.0)}  # portrait width, height
DEFAULT_PAPERS = ("A4", "A3")
# Page margins (mm) shared with the print stylesheet: room for the running header and footer.
MARGIN_TOP, MARGIN_BOTTOM, MARGIN_SIDE = 16.0, 14.0, 12.0
CAPTION_MM = 9.0  # the line above the chart on its page
CONNECTORS_NOTE_MM = 9.0  # the note under a part of a split chart (export-print.css)
# WeasyPrint rounds lengths as it lays a page out: a chart sized to the last fraction of a
# millimetre can spill onto a page of its own, leaving its caption alone on the page before.
SLACK_MM = 1.5
MIN_STEP_PT = 9.0  # the smallest step text on paper
MIN_LEGEND_PT = 8.0
MIN_SCALE = MIN_STEP_PT / STEP_FONT_SIZE
assert LEGEND_FONT_SIZE * MIN_SCALE >= MIN_LEGEND_PT, "the legend would print too small"
MAX_SCALE = 1.0
MIN_PART_FRACTION = 0.3  # a cut never leaves a part shorter than this share of a page
# A cut between two columns falls among the arrows' tracks, clear of boxes and of the labels
# beside arrowheads (an arrow whose head lands just past the cut would read as cut off).
MIN_COLUMN_GAP = 24.0
SCALE_STEPS = (0.86, 0.9, 0.95)  # besides MIN_SCALE, tried for a chart cut between columns
STRIP_FOOT = 10.0  # below a strip's last box, when a chart is cut between columns


@dataclass(frozen=True)
class PagePlan:
    """Paper, orientation and scale for a chart; its strips of whole columns (left to right) and
    each strip's bands of lanes (``slices``, top to bottom), in chart points; ``room`` kept for
    connectors beyond each cut edge."""

    paper: str
    landscape: bool
    scale: float
    slices: tuple[tuple[float, float], ...]  # the first (often only) strip's
    columns: tuple[tuple[float, float], ...] = ()
    room: tuple[float, float] = (0.0, 0.0)  # beyond each cut edge: across, down the page
    strip_slices: tuple[tuple[tuple[float, float], ...], ...] = ()  # each strip's, if several

    @property
    def pages(self) -> tuple[tuple[tuple[float, float], tuple[float, float]], ...]:
        """Each part's (left, right) and (top, bottom): strip by strip, each top to bottom."""
        columns = self.columns or ((0.0, math.inf),)
        slices = self.strip_slices or (self.slices,)
        return tuple((x, y) for x, bands in zip(columns, slices, strict=True) for y in bands)

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
        return len(self.pages) > 1


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
    *,
    boxes: Sequence[tuple[float, float, float, float]] = (),
    room: tuple[float, float] = (0.0, 0.0),
) -> PagePlan:
    """The smallest paper that shows the whole chart readably, else parts on the largest one.

    ``occupied`` are the vertical extents (top, bottom) of boxes and labels that a cut must avoid;
    ``boxes`` (left, top, right, bottom), if given, are the same with their horizontal extents,
    so that a chart too wide for the paper is cut between columns too.
    """
    if width <= 0 or height <= 0:
        raise ValueError("A chart has a positive width and height.")
    for paper in papers:
        scale, landscape = max(
            (_whole_scale(width, height, paper, landscape), landscape)
            for landscape in (True, False)
        )
        if scale >= MIN_SCALE:
            return PagePlan(paper, landscape, scale, ((0.0, height),), ((0.0, width),))
    boxes = boxes or [(0.0, top, width, bottom) for top, bottom in occupied]
    return _split_plan(width, height, boxes, papers[-1], room)


def _whole_scale(width: float, height: float, paper: str, landscape: bool) -> float:
    box_width, box_height = content_box_pt(paper, landscape)
    return min(MAX_SCALE, box_width / width, box_height / height)


def _split_plan(
    width: float,
    height: float,
    boxes: Sequence[tuple[float, float, float, float]],
    paper: str,
    room: tuple[float, float],
) -> PagePlan:
    across = [(left, right) for left, _, right, _ in boxes]
    options = []
    for landscape in (True, False):
        box_width, box_height = content_box_pt(paper, landscape)
        box_height -= CONNECTORS_NOTE_MM * MM  # the line under a part saying how to read them
        columns: tuple[tuple[float, float], ...] = ((0.0, width),)
        if width * MIN_SCALE > box_width:
            part_width = box_width / MIN_SCALE - 2 * room[0]
            # Cut up to the last box's right, so that no strip holds nothing but lane colour.
            content = min(width, max((r for _, r in across), default=width) + STRIP_FOOT)
            columns = cut_points(content, part_width, across, MIN_COLUMN_GAP)
        widest = max(
            right - left + _rooms(i, len(columns), room[0])
            for i, (left, right) in enumerate(columns)
        )
        # As large as the widest strip allows, or as small as is readable if that takes fewer
        # pages (strips narrower than the page leave room to spare across it).
        largest = min(MAX_SCALE, box_width / widest)
        for scale in sorted({largest, MIN_SCALE, *(k for k in SCALE_STEPS if k < largest)}):
            clean = _between(columns, across, MIN_COLUMN_GAP)
            strips = []
            for left, right in columns:
                part_height = box_height / scale - 2 * room[1]
                slices, strip_clean = _strip_slices(
                    (left, right), boxes, height, part_height, trim=len(columns) > 1
                )
                clean = clean and strip_clean
                strips.append(slices)
            readable = scale >= MIN_SCALE - 1e-9
            # Readable, then no box cut in two, then the fewest parts, then the larger text.
            count = sum(len(slices) for slices in strips)
            options.append((readable, clean, -count, scale, landscape, tuple(strips), columns))
    _, _, _, scale, landscape, strips_, columns = max(options)
    return PagePlan(paper, landscape, scale, strips_[0], columns, room, strips_)


def _strip_slices(
    strip: tuple[float, float],
    boxes: Sequence[tuple[float, float, float, float]],
    height: float,
    part_height: float,
    *,
    trim: bool,
) -> tuple[tuple[tuple[float, float], ...], bool]:
    """A strip's bands, cut where its own boxes leave a gap whatever the other strips hold, and
    whether every cut is clear of them. One of several strips (``trim``) ends below its own last
    box, so no part holds nothing but lane colour."""
    left, right = strip
    down = [(b[1], b[3]) for b in boxes if b[2] > left and b[0] < right]
    bottom = height
    if trim:
        bottom = min(height, max((b for _, b in down), default=height) + STRIP_FOOT)
    if bottom <= part_height:
        return ((0.0, bottom),), True
    slices = cut_points(bottom, part_height, down)
    return slices, _between(slices, down)


def _between(
    parts: Sequence[tuple[float, float]],
    occupied: Sequence[tuple[float, float]],
    min_gap: float = 0,
) -> bool:
    """Whether every cut falls clear of the occupied bands (and ``min_gap`` / 2 from them)."""
    margin = min_gap / 2 - 0.01
    return not any(
        top - margin < end < bottom + margin for _, end in parts[:-1] for top, bottom in occupied
    )


def _rooms(index: int, count: int, room: float) -> float:
    """Connector room on a part's cut edges: none on the chart's own edges."""
    return room * ((index > 0) + (index < count - 1))


def cut_points(
    height: float,
    part_height: float,
    occupied: Sequence[tuple[float, float]],
    min_gap: float = 0.0,
) -> tuple[tuple[float, float], ...]:
    """Slices of at most ``part_height``, each ending in a gap between occupied bands if it can.

    The fewest parts, as even as the gaps allow: filling each page to the brim could leave the
    last part holding nothing but the legend (or a lone caption) on a page of its own.
    """
    gaps = _gap_middles(occupied, min_gap)
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
    what is left cannot fit in the parts that remain.

    Where no gap fits (a band of boxes taller than a page), the cut goes through it at a full
    page, as the greedy cuts do, and what is left is still shared out evenly: cutting the rest
    greedily could leave a last part with one box and the legend."""
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
        if fitting:
            cut = min(fitting, key=lambda g: abs(g - target))
        elif height - (top + part_height) <= (left - 1) * part_height:
            cut = top + part_height
        else:
            return None
        slices.append((top, cut))
        top = cut
    if height - top > part_height:
        return None
    slices.append((top, height))
    return tuple(slices)


def _gap_middles(occupied: Sequence[tuple[float, float]], min_gap: float = 0.0) -> list[float]:
    """The middle of every gap (at least ``min_gap`` wide) between the merged occupied bands."""
    merged: list[list[float]] = []
    for top, bottom in sorted((min(a, b), max(a, b)) for a, b in occupied):
        if merged and top <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], bottom)
        else:
            merged.append([top, bottom])
    return [
        (a[1] + b[0]) / 2
        for a, b in zip(merged, merged[1:], strict=False)
        if b[0] - a[1] >= min_gap
    ]
