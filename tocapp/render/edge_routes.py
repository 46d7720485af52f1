"""Arrows as Bézier curves through the gaps between columns, so they never cross a step's box.

Graphviz can route arrows around boxes itself (neato ``splines=true``), but its router grows with
the cube of the number of boxes: about 12 seconds for 200 steps. The grid makes routing simple:

* to the next or previous column: an S-curve inside the gap between the two columns;
* across the middle column: S-curves to and from a free horizontal channel through it;
* within a column, to the box just above or below: a straight line;
* within a column, past other boxes: a loop out into the neighbouring gap.

Where several arrows meet one side of a box they are spread along it, in the order of their other
ends, so arrowheads do not pile up. Coordinates are as in flowchart_layout (y downwards).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from tocapp.domain.theory import Link
from tocapp.render.flowchart_layout import (
    COLUMN_GAP,
    Box,
    ChartLayout,
    PlacedStep,
    link_label_lines,
    link_label_size,
)

Point = tuple[float, float]
ARROW_LENGTH = 8.0  # Graphviz draws a 10pt arrowhead at arrowsize 1; we use arrowsize 0.8
CHANNEL_PAD = 5.0


class Side(Enum):
    LEFT = "left"
    RIGHT = "right"
    TOP = "top"
    BOTTOM = "bottom"


@dataclass(frozen=True)
class RoutedLink:
    """One arrow: Bézier control points (3n+1) ending at the arrowhead's base, and its tip."""

    index: int
    link: Link
    points: tuple[Point, ...]
    tip: Point
    label_lines: tuple[str, ...]
    label_centre: Point | None


@dataclass(frozen=True)
class _Plan:
    index: int
    link: Link
    source: PlacedStep
    target: PlacedStep
    source_side: Side
    target_side: Side


def route_links(
    layout: ChartLayout,
    links: tuple[Link, ...],
    labels: Sequence[Sequence[str]] | None = None,
) -> list[RoutedLink]:
    """Route every link of the chart, in link order.

    ``labels`` are each link's label lines, already wrapped; by default, its own label's.
    """
    steps = layout.step_by_key
    plans = [
        _plan(i, link, steps[link.source], steps[link.target], layout)
        for i, link in enumerate(links)
    ]
    ports = _spread_ports(plans)
    channels = _Channels(layout)
    placed_labels: list[Box] = []
    routed: list[RoutedLink] = []
    for plan in plans:
        start = ports[(plan.index, "source")]
        tip = ports[(plan.index, "target")]
        points = _curve(plan, start, tip, layout, channels)
        if labels is not None:
            label_lines = tuple(labels[plan.index])
        elif plan.link.label.strip():
            label_lines = tuple(link_label_lines(plan.link.label))
        else:
            label_lines = ()
        centre = None
        if label_lines:
            size = link_label_size(list(label_lines))
            candidates = _label_candidates(plan, points, size, layout)
            centre = _place_label(candidates, size, layout, placed_labels)
        routed.append(RoutedLink(plan.index, plan.link, points, tip, label_lines, centre))
    return routed


def _plan(
    index: int, link: Link, source: PlacedStep, target: PlacedStep, layout: ChartLayout
) -> _Plan:
    if target.column > source.column:
        return _Plan(index, link, source, target, Side.RIGHT, Side.LEFT)
    if target.column < source.column:
        return _Plan(index, link, source, target, Side.LEFT, Side.RIGHT)
    if not _boxes_between(source, target, layout):
        if target.box.top >= source.box.bottom:
            return _Plan(index, link, source, target, Side.BOTTOM, Side.TOP)
        return _Plan(index, link, source, target, Side.TOP, Side.BOTTOM)
    # A loop past other boxes goes into the gap that has a column on its other side.
    side = Side.LEFT if source.column == len(layout.column_spans) - 1 else Side.RIGHT
    return _Plan(index, link, source, target, side, side)


def _boxes_between(a: PlacedStep, b: PlacedStep, layout: ChartLayout) -> bool:
    top, bottom = min(a.box.bottom, b.box.bottom), max(a.box.top, b.box.top)
    return any(
        other.column == a.column
        and other is not a
        and other is not b
        and other.box.top < bottom
        and other.box.bottom > top
        for other in layout.steps
    )


def _spread_ports(plans: list[_Plan]) -> dict[tuple[int, str], Point]:
    """Give every arrow end a point on its box side, spread out in order of the other end."""
    by_side: dict[tuple[str, Side], list[tuple[float, int, str, PlacedStep]]] = {}
    for plan in plans:
        for end, step, side, other in (
            ("source", plan.source, plan.source_side, plan.target),
            ("target", plan.target, plan.target_side, plan.source),
        ):
            order = other.box.centre_y if side in (Side.LEFT, Side.RIGHT) else other.box.centre_x
            by_side.setdefault((step.step.key, side), []).append((order, plan.index, end, step))
    ports: dict[tuple[int, str], Point] = {}
    for (_, side), ends in by_side.items():
        ends.sort(key=lambda item: (item[0], item[1], item[2]))
        count = len(ends)
        for k, (_, index, end, step) in enumerate(ends):
            fraction = (k + 1) / (count + 1)
            box = step.box
            if side is Side.LEFT:
                point = (box.left, box.top + box.height * fraction)
            elif side is Side.RIGHT:
                point = (box.right, box.top + box.height * fraction)
            elif side is Side.TOP:
                point = (box.left + box.width * fraction, box.top)
            else:
                point = (box.left + box.width * fraction, box.bottom)
            ports[(index, end)] = point
    return ports


def _curve(
    plan: _Plan, start: Point, tip: Point, layout: ChartLayout, channels: _Channels
) -> tuple[Point, ...]:
    side = plan.target_side
    if side is Side.TOP or side is Side.BOTTOM:
        direction = 1.0 if side is Side.TOP else -1.0
        base = (tip[0], tip[1] - direction * ARROW_LENGTH)
        return _straight(start, base)
    direction = 1.0 if side is Side.LEFT else -1.0  # +1: travelling right into a left side
    base = (tip[0] - direction * ARROW_LENGTH, tip[1])
    if plan.source_side is plan.target_side:
        return _loop(start, base, plan.source_side)
    if abs(plan.target.column - plan.source.column) == 1:
        return _s_curve(start, base)
    middle_left, middle_right = layout.column_spans[(plan.source.column + plan.target.column) // 2]
    y = channels.take((start[1] + base[1]) / 2)
    entry, leave = (middle_left, middle_right) if direction > 0 else (middle_right, middle_left)
    first = _s_curve(start, (entry, y))
    crossing = _straight((entry, y), (leave, y))
    last = _s_curve((leave, y), base)
    return first + crossing[1:] + last[1:]


def _straight(a: Point, b: Point) -> tuple[Point, ...]:
    return (a, _lerp(a, b, 1 / 3), _lerp(a, b, 2 / 3), b)


def _s_curve(a: Point, b: Point) -> tuple[Point, ...]:
    pull = abs(b[0] - a[0]) * 0.5
    sign = 1.0 if b[0] >= a[0] else -1.0
    return (a, (a[0] + sign * pull, a[1]), (b[0] - sign * pull, b[1]), b)


def _loop(a: Point, b: Point, side: Side) -> tuple[Point, ...]:
    bulge = min(COLUMN_GAP * 0.45, 16.0 + 0.08 * abs(b[1] - a[1]))
    x = max(a[0], b[0]) + bulge if side is Side.RIGHT else min(a[0], b[0]) - bulge
    return (a, (x, a[1]), (x, b[1]), b)


def _lerp(a: Point, b: Point, t: float) -> Point:
    return (a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t)


class _Channels:
    """Free horizontal bands through the middle column, shared out among arrows that cross it."""

    def __init__(self, layout: ChartLayout) -> None:
        middle = [s.box for s in layout.steps if s.column == len(layout.column_spans) // 2]
        top = min((lane.box.top for lane in layout.lanes), default=0.0)
        bottom = max((lane.box.bottom for lane in layout.lanes), default=0.0)
        self.bands: list[tuple[float, float]] = []
        y = top
        for box in sorted(middle, key=lambda b: b.top):
            if box.top - y >= 2 * CHANNEL_PAD:
                self.bands.append((y + CHANNEL_PAD, box.top - CHANNEL_PAD))
            y = max(y, box.bottom)
        if bottom - y >= 2 * CHANNEL_PAD:
            self.bands.append((y + CHANNEL_PAD, bottom - CHANNEL_PAD))
        self.used: dict[int, int] = {}

    def take(self, wanted: float) -> float:
        """The y of the free band nearest ``wanted``, nudged so arrows in one band stay apart."""
        if not self.bands:
            return wanted
        best = min(
            range(len(self.bands)), key=lambda i: (abs(_clamp(wanted, *self.bands[i]) - wanted), i)
        )
        low, high = self.bands[best]
        count = self.used.get(best, 0)
        self.used[best] = count + 1
        offset = (count + 1) // 2 * 4.0 * (1 if count % 2 else -1)
        return _clamp(_clamp(wanted, low, high) + offset, low, high)


def _clamp(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))


def bezier_point(points: tuple[Point, ...], t: float) -> Point:
    """A point along a Bézier chain, t from 0 to 1 across all its pieces."""
    pieces = (len(points) - 1) // 3
    position = min(t * pieces, pieces - 1e-9)
    piece = int(position)
    u = position - piece
    p0, p1, p2, p3 = points[3 * piece : 3 * piece + 4]
    a, b, c, d = (1 - u) ** 3, 3 * u * (1 - u) ** 2, 3 * u**2 * (1 - u), u**3
    return (
        a * p0[0] + b * p1[0] + c * p2[0] + d * p3[0],
        a * p0[1] + b * p1[1] + c * p2[1] + d * p3[1],
    )


def _label_candidates(
    plan: _Plan, points: tuple[Point, ...], size: tuple[float, float], layout: ChartLayout
) -> list[Point]:
    width, height = size
    candidates: list[Point] = []
    if plan.source_side in (Side.TOP, Side.BOTTOM):
        # A short vertical arrow between stacked boxes: the label goes into a gap beside them.
        left, right = layout.column_spans[plan.source.column]
        y = (points[0][1] + points[-1][1]) / 2
        candidates += [(right + width / 2 + 4, y), (left - width / 2 - 4, y)]
    for t in (0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8):
        x, y = bezier_point(points, t)
        before, after = bezier_point(points, t - 0.02), bezier_point(points, t + 0.02)
        above, below = (x, y - height / 2 - 3), (x, y + height / 2 + 3)
        to_right, to_left = (x + width / 2 + 4, y), (x - width / 2 - 4, y)
        # Beside a steep stretch of arrow, above or below a flat one, so the line misses the text.
        steep = abs(after[1] - before[1]) > abs(after[0] - before[0])
        candidates += [to_right, to_left] if steep else [above, below]
    return candidates


def _place_label(
    candidates: list[Point],
    size: tuple[float, float],
    layout: ChartLayout,
    placed: list[Box],
) -> Point:
    """The first candidate that covers no box and no other label, else the one covering least."""
    width, height = size

    def box_at(point: Point) -> Box:
        return Box(point[0] - width / 2, point[1] - height / 2, width, height)

    # Only boxes near the candidates can be in the way; checking them alone keeps this linear.
    boxes = [box_at(point) for point in candidates]
    reach = Box(
        min(b.left for b in boxes),
        min(b.top for b in boxes),
        max(b.right for b in boxes) - min(b.left for b in boxes),
        max(b.bottom for b in boxes) - min(b.top for b in boxes),
    )
    obstacles = [
        other
        for other in [s.box for s in layout.steps] + [layout.legend.box] + placed
        if other.overlaps(reach, 2.0)
    ]
    best, best_cover = candidates[0], float("inf")
    for point, box in zip(candidates, boxes, strict=True):
        cover = sum(_overlap_area(box, other) for other in obstacles)
        if cover < best_cover:
            best, best_cover = point, cover
            if cover == 0:
                break
    placed.append(box_at(best))
    return best


def _overlap_area(a: Box, b: Box, pad: float = 2.0) -> float:
    dx = min(a.right + pad, b.right) - max(a.left - pad, b.left)
    dy = min(a.bottom + pad, b.bottom) - max(a.top - pad, b.top)
    return dx * dy if dx > 0 and dy > 0 else 0.0
