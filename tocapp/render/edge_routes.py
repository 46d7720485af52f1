"""Arrows on tracks of their own through the gaps between columns, so each can be followed by eye.

Graphviz can route arrows around boxes itself (neato ``splines=true``), but its router grows with
the cube of the number of boxes: about 12 seconds for 200 steps. The grid makes routing simple:

* to another column: out of the box's side, along to the arrow's own vertical track in the gap,
  up or down it, and across into the target's side; an arrow from the first column to the last
  crosses the middle column in a free horizontal channel between its boxes;
* within a column, to the box just above or below: a straight line;
* within a column, past other boxes: a loop out to its own track in the neighbouring gap.

No two arrows share a track (flowchart_layout widens a gap for as many tracks as it needs), and
within a gap the tracks are put in the order that makes the fewest crossings between arrows. The
boxes keep their reading order (S1, S2 ... from the text version, top to bottom): moving them to
save crossings would put A3 above A1 and make the text and the chart disagree, so crossings are
saved by the order of tracks and of the ends on each box side instead.

Where several arrows meet one side of a box they are spread along it, in the order of their other
ends. A label sits against its own arrow, just above or below it beside the arrowhead, in a zone
beside the column that no track runs through. Corners are rounded; coordinates are as in
flowchart_layout (y downwards).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Generic, TypeVar

import numpy as np
import numpy.typing as npt

from tocapp.domain.theory import Link
from tocapp.render.flowchart_layout import (
    LABEL_CLEARANCE,
    TRACK_SPACING,
    Box,
    ChartLayout,
    PlacedStep,
    arrow_gaps,
    link_label_lines,
    link_label_size,
)

Point = tuple[float, float]
ARROW_LENGTH = 8.0  # Graphviz draws a 10pt arrowhead at arrowsize 1; we use arrowsize 0.8
CHANNEL_PAD = 5.0
CORNER_RADIUS = 5.0
PACK_MARGIN = 2 * CORNER_RADIUS + 4  # between two runs on one line, corners included
SWAP_PASSES = 8  # rounds of swapping neighbouring tracks; more rarely saves another crossing
SAME_LINE = 2.5  # two level pieces nearer than this would read as one line
MIN_PORT_SPACING = 3.5  # between two ends on a side that also holds a label
SHARED_LINE_COST = 1_000_000  # in crossings: never put two arrows on one line to save crossings


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
    gaps: tuple[int, ...]


@dataclass(frozen=True)
class _TrackUse:
    """One arrow's run through one gap: the heights where it comes in from each side."""

    index: int
    left: tuple[float, ...]  # y of horizontal pieces joining the track to the gap's left edge
    right: tuple[float, ...]

    @property
    def span(self) -> tuple[float, float]:
        ys = self.left + self.right
        return min(ys), max(ys)


def route_links(
    layout: ChartLayout,
    links: tuple[Link, ...],
    labels: Sequence[Sequence[str]] | None = None,
) -> list[RoutedLink]:
    """Route every link of the chart, in link order.

    ``labels`` are each link's label lines, already wrapped; by default, its own label's.
    """
    if labels is None:
        labels = [link_label_lines(link.label) if link.label.strip() else [] for link in links]
    plans, ports, crossing_y = _prepare(layout, links, labels)
    tracks = _assign_tracks(plans, ports, crossing_y, layout)[0]
    routes = []
    for plan in plans:
        start, tip = ports[(plan.index, "source")], ports[(plan.index, "target")]
        waypoints = _waypoints(plan, start, tip, tracks, crossing_y.get(plan.index))
        routes.append((plan, waypoints, tip))
    segments: _Grid[tuple[int, Point, Point]] = _Grid()
    for plan, way, _ in routes:
        for a, b in zip(way, way[1:], strict=False):
            segments.add(_span_box(a, b), (plan.index, a, b))
    obstacles: _Grid[Box] = _Grid()
    for step in layout.steps:
        obstacles.add(step.box, step.box)
    obstacles.add(layout.legend.box, layout.legend.box)
    routed: list[RoutedLink] = []
    for plan, waypoints, tip in routes:
        label_lines = tuple(labels[plan.index])
        centre = None
        if label_lines:
            size = link_label_size(list(label_lines))
            candidates = _label_candidates(plan, waypoints, tip, size)
            centre = _place_label(plan.index, candidates, size, obstacles, segments)
        points = _rounded(waypoints)
        routed.append(RoutedLink(plan.index, plan.link, points, tip, label_lines, centre))
    return routed


def _prepare(
    layout: ChartLayout, links: tuple[Link, ...], labels: Sequence[Sequence[str]]
) -> tuple[list[_Plan], dict[tuple[int, str], Point], dict[int, float]]:
    """Each arrow's sides, the points where it leaves and meets its boxes, and the height at
    which an arrow from the first column to the last crosses the middle one."""
    steps = layout.step_by_key
    counts = [0] * len(layout.column_spans)
    places: dict[str, tuple[int, int]] = {}
    for placed in sorted(layout.steps, key=lambda p: (p.column, p.box.top)):
        places[placed.step.key] = (placed.column, counts[placed.column])
        counts[placed.column] += 1
    plans = [
        _plan(i, link, steps[link.source], steps[link.target], places, layout)
        for i, link in enumerate(links)
    ]
    room = {
        (plan.index, "target"): link_label_size(list(labels[plan.index]))[1] + 2 * LABEL_CLEARANCE
        for plan in plans
        if labels[plan.index] and plan.target_side in (Side.LEFT, Side.RIGHT)
    }
    ports = _spread_ports(plans, room)
    # A crossing of the middle column continues level into both gaps: keep it off the heights
    # where arrows leave or meet a box's side, or it would run along them.
    sides = [
        ports[(plan.index, end)][1]
        for plan in plans
        for end, side in (("source", plan.source_side), ("target", plan.target_side))
        if side in (Side.LEFT, Side.RIGHT)
    ]
    # Nor between two boxes of the middle column joined by a straight arrow, whose label is there.
    middle = len(layout.column_spans) // 2
    straight = [
        (
            min(plan.source.box.bottom, plan.target.box.bottom),
            max(plan.source.box.top, plan.target.box.top),
        )
        for plan in plans
        if plan.source_side in (Side.TOP, Side.BOTTOM) and plan.source.column == middle
    ]
    channels = _Channels(layout, sides, straight)
    crossing_y = {
        plan.index: channels.take(
            (ports[(plan.index, "source")][1] + ports[(plan.index, "target")][1]) / 2
        )
        for plan in plans
        if len(plan.gaps) == 2
    }
    return plans, ports, crossing_y


def _plan(
    index: int,
    link: Link,
    source: PlacedStep,
    target: PlacedStep,
    places: dict[str, tuple[int, int]],
    layout: ChartLayout,
) -> _Plan:
    gaps = tuple(gap for gap, _ in arrow_gaps(places[link.source], places[link.target]))
    if target.column > source.column:
        return _Plan(index, link, source, target, Side.RIGHT, Side.LEFT, gaps)
    if target.column < source.column:
        return _Plan(index, link, source, target, Side.LEFT, Side.RIGHT, gaps)
    if not gaps:
        if target.box.top >= source.box.bottom:
            return _Plan(index, link, source, target, Side.BOTTOM, Side.TOP, gaps)
        return _Plan(index, link, source, target, Side.TOP, Side.BOTTOM, gaps)
    side = Side.LEFT if source.column == len(layout.column_spans) - 1 else Side.RIGHT
    return _Plan(index, link, source, target, side, side, gaps)


def _spread_down_a_side(room: list[float], box: Box) -> list[float]:
    """Heights for ends down a box's side, evenly spread, but with ``room`` above an end for its
    label where the side is tall enough for that."""
    count = len(room)
    room = list(room)
    # Where the side is too short for every label, the later ones go without.
    while sum(room) and (box.height - sum(room)) / (count + 1) < MIN_PORT_SPACING:
        room[max(k for k, needed in enumerate(room) if needed)] = 0.0
    slack = (box.height - sum(room)) / (count + 1)
    heights, y = [], box.top
    for needed in room:
        y += needed + slack
        heights.append(y)
    return heights


def _spread_ports(
    plans: list[_Plan], room: dict[tuple[int, str], float]
) -> dict[tuple[int, str], Point]:
    """Give every arrow end a point on its box side, spread out in order of the other end;
    ``room`` is the height an end's label needs above it."""
    by_side: dict[tuple[str, Side], list[tuple[float, int, str, PlacedStep]]] = {}
    for plan in plans:
        for end, step, side, other in (
            ("source", plan.source, plan.source_side, plan.target),
            ("target", plan.target, plan.target_side, plan.source),
        ):
            order = other.box.centre_y if side in (Side.LEFT, Side.RIGHT) else other.box.centre_x
            by_side.setdefault((step.step.key, side), []).append((order, plan.index, end, step))
    ports: dict[tuple[int, str], Point] = {}
    for (_, side), ends in sorted(by_side.items(), key=lambda item: (item[0][0], item[0][1].value)):
        ends.sort(key=lambda item: (item[0], item[1], item[2]))
        count = len(ends)
        heights = _spread_down_a_side(
            [room.get((i, e), 0.0) for _, i, e, _ in ends], ends[0][3].box
        )
        for k, (_, index, end, step) in enumerate(ends):
            fraction = (k + 1) / (count + 1)
            box = step.box
            if side is Side.LEFT:
                point = (box.left, heights[k])
            elif side is Side.RIGHT:
                point = (box.right, heights[k])
            elif side is Side.TOP:
                point = (box.left + box.width * fraction, box.top)
            else:
                point = (box.left + box.width * fraction, box.bottom)
            ports[(index, end)] = point
    _stagger_facing_ports(plans, ports, room)
    return ports


def _stagger_facing_ports(
    plans: list[_Plan], ports: dict[tuple[int, str], Point], room: dict[tuple[int, str], float]
) -> None:
    """Move an end on a box's left side off the height of an end on a right side across the gap.

    Boxes side by side in one lane often have the same height, so their ends come at the same
    heights; two arrows entering a gap from its two sides at one height would run along one
    line between their tracks, whichever order the tracks are in.
    """
    facing: dict[int, list[float]] = {}  # gap -> heights of ends on its left edge
    lefts: dict[tuple[str, int], list[tuple[int, str, PlacedStep]]] = {}
    for plan in plans:
        for end, step, side in (
            ("source", plan.source, plan.source_side),
            ("target", plan.target, plan.target_side),
        ):
            if side is Side.RIGHT:
                facing.setdefault(step.column, []).append(ports[(plan.index, end)][1])
            elif side is Side.LEFT:
                lefts.setdefault((step.step.key, step.column), []).append((plan.index, end, step))
    for (_, column), ends in sorted(lefts.items()):
        across = sorted(facing.get(column - 1, []))
        # Each end keeps clear the room above it for its label, and SAME_LINE below it.
        spans = {
            (i, e): (ports[(i, e)][1] - room.get((i, e), 0.0), ports[(i, e)][1]) for i, e, _ in ends
        }
        for index, end, step in ends:
            x, y = ports[(index, end)]
            if not _near_any(across, y, SAME_LINE):
                continue
            above = room.get((index, end), 0.0)
            others = [span for key, span in spans.items() if key != (index, end)]
            for shift in (3.0, -3.0, 6.0, -6.0, 9.0, -9.0):
                moved = y + shift
                inside = step.box.top + 2 < moved - above and moved < step.box.bottom - 2
                clear = not _near_any(across, moved, SAME_LINE)
                apart = all(
                    moved - above >= bottom + SAME_LINE or moved + SAME_LINE <= top
                    for top, bottom in others
                )
                if inside and clear and apart:
                    spans[(index, end)] = (moved - above, moved)
                    ports[(index, end)] = (x, moved)
                    break


def tracks_per_gap(
    layout: ChartLayout, links: tuple[Link, ...], labels: Sequence[Sequence[str]]
) -> list[int]:
    """How many tracks side by side each gap needs for these arrows (and labels) on a layout."""
    plans, ports, crossing_y = _prepare(layout, links, labels)
    return _assign_tracks(plans, ports, crossing_y, layout)[1]


def _assign_tracks(
    plans: list[_Plan],
    ports: dict[tuple[int, str], Point],
    crossing_y: dict[int, float],
    layout: ChartLayout,
) -> tuple[dict[tuple[int, int], float], list[int]]:
    """The x of each arrow's track in each gap it uses, keyed by (arrow, gap); and how many
    tracks side by side each gap has."""
    by_gap: dict[int, list[_TrackUse]] = {}
    for plan in plans:
        if not plan.gaps:
            continue
        start_y = ports[(plan.index, "source")][1]
        end_y = ports[(plan.index, "target")][1]
        if plan.source_side is plan.target_side:  # a loop: both ends on one side of the track
            ends = (start_y, end_y)
            use = (
                _TrackUse(plan.index, ends, ())
                if plan.source_side is Side.RIGHT
                else _TrackUse(plan.index, (), ends)
            )
            by_gap.setdefault(plan.gaps[0], []).append(use)
            continue
        rightward = plan.target.column > plan.source.column
        heights = [start_y, *([crossing_y[plan.index]] * 2 if len(plan.gaps) == 2 else []), end_y]
        for k, gap in enumerate(sorted(plan.gaps, reverse=not rightward)):
            enter, leave = heights[2 * k], heights[2 * k + 1]
            left, right = (enter, leave) if rightward else (leave, enter)
            by_gap.setdefault(gap, []).append(_TrackUse(plan.index, (left,), (right,)))
    tracks: dict[tuple[int, int], float] = {}
    widths = [0] * (len(layout.column_spans) - 1)
    for gap, uses in sorted(by_gap.items()):
        order = _fewest_crossings(uses)
        columns = _pack(order)
        widths[gap] = max(columns, default=-1) + 1
        low, high = (
            layout.track_bands[gap] if gap < len(layout.track_bands) else _default_band(layout, gap)
        )
        count = widths[gap]
        spacing = TRACK_SPACING if count < 2 else min(TRACK_SPACING, (high - low) / (count - 1))
        first = (low + high) / 2 - spacing * (count - 1) / 2
        for use, column in zip(order, columns, strict=True):
            tracks[(use.index, gap)] = first + column * spacing
    return tracks, widths


def _pack(order: list[_TrackUse]) -> list[int]:
    """Side-by-side track positions for tracks in this left-to-right order: each goes just right
    of the tracks before it that it runs beside, so runs at different heights share a line
    without touching, and every pair that could cross keeps its order (the same crossings)."""
    spans = np.array([use.span for use in order], dtype=float).reshape(-1, 2)
    low, high = spans[:, 0], spans[:, 1]
    columns = np.zeros(len(order), dtype=np.int64)
    for k in range(1, len(order)):
        beside = (low[:k] < high[k] + PACK_MARGIN) & (low[k] < high[:k] + PACK_MARGIN)
        if beside.any():
            columns[k] = columns[:k][beside].max() + 1
    result: list[int] = columns.tolist()
    return result


def _default_band(layout: ChartLayout, gap: int) -> tuple[float, float]:
    left, right = layout.column_spans[gap][1], layout.column_spans[gap + 1][0]
    return left + 10, right - 10


def _crossing_costs(uses: list[_TrackUse]) -> list[list[int]]:
    """``cost[a][b]``: crossings if a's track is left of b's. Then a's pieces out to the gap's
    right edge cross b's track where they pass its height, and b's pieces out to the left edge
    cross a's. Counted with arrays: a 200-step chart has over 10,000 pairs per gap."""
    spans = np.array([use.span for use in uses], dtype=float).reshape(-1, 2)
    low, high = spans[:, 0], spans[:, 1]

    def ends(side: str) -> npt.NDArray[np.float64]:
        # Each use has one or two pieces on a side; missing ones are NaN, which compare false.
        table = np.full((len(uses), 2), np.nan)
        for row, use in enumerate(uses):
            ys = use.left if side == "left" else use.right
            table[row, : len(ys)] = ys
        return table

    rights, lefts = ends("right"), ends("left")
    cost = np.zeros((len(uses), len(uses)), dtype=np.int64)
    for k in range(2):
        right = rights[:, k, None]
        cost += (right > low[None, :]) & (right < high[None, :])
        left = lefts[None, :, k]
        cost += (left > low[:, None]) & (left < high[:, None])
        # With a left of b, a's piece to the right edge and b's piece from the left edge overlap
        # between the two tracks: at the same height they would run along one line.
        for j in range(2):
            same_line = np.abs(rights[:, k, None] - lefts[None, :, j]) < SAME_LINE
            cost += SHARED_LINE_COST * same_line
    np.fill_diagonal(cost, 0)
    result: list[list[int]] = cost.tolist()
    return result


def _fewest_crossings(uses: list[_TrackUse]) -> list[_TrackUse]:
    """Order tracks left to right: insert each where it adds fewest crossings, then swap
    neighbours while that saves any. Deterministic: ties keep the earlier place."""
    count = len(uses)
    cost = _crossing_costs(uses)
    # Longest runs first: they cross the most and are best placed before the short ones.
    todo = sorted(range(count), key=lambda i: (-(uses[i].span[1] - uses[i].span[0]), uses[i].index))
    order: list[int] = []
    for item in todo:
        # Placing at p: everything before p is left of item, everything from p on is right of it.
        here = sum(cost[item][other] for other in order)  # p = 0
        best, best_cost = 0, here
        for p, other in enumerate(order, start=1):
            here += cost[other][item] - cost[item][other]
            if here < best_cost:
                best, best_cost = p, here
        order.insert(best, item)
    for _ in range(SWAP_PASSES):
        swapped = False
        for p in range(count - 1):
            a, b = order[p], order[p + 1]
            if cost[b][a] < cost[a][b]:
                order[p], order[p + 1] = b, a
                swapped = True
        if not swapped:
            break
    return [uses[i] for i in order]


def _waypoints(
    plan: _Plan,
    start: Point,
    tip: Point,
    tracks: dict[tuple[int, int], float],
    crossing: float | None,
) -> list[Point]:
    """The corners of an arrow's path, from its start to the base of its arrowhead."""
    side = plan.target_side
    if side is Side.TOP or side is Side.BOTTOM:
        direction = 1.0 if side is Side.TOP else -1.0
        return [start, (tip[0], tip[1] - direction * ARROW_LENGTH)]
    direction = 1.0 if side is Side.LEFT else -1.0  # +1: travelling right into a left side
    base = (tip[0] - direction * ARROW_LENGTH, tip[1])
    gaps = sorted(plan.gaps, reverse=direction < 0 and plan.source_side is not plan.target_side)
    points = [start]
    if crossing is not None:
        first, second = tracks[(plan.index, gaps[0])], tracks[(plan.index, gaps[1])]
        points += [(first, start[1]), (first, crossing), (second, crossing), (second, base[1])]
    else:
        x = tracks[(plan.index, gaps[0])]
        points += [(x, start[1]), (x, base[1])]
    points.append(base)
    return _without_zero_steps(points)


def _without_zero_steps(points: list[Point]) -> list[Point]:
    """Drop corners that do not turn (a track at the height of both ends)."""
    kept = [points[0]]
    for point in points[1:]:
        if abs(point[0] - kept[-1][0]) < 0.01 and abs(point[1] - kept[-1][1]) < 0.01:
            continue
        kept.append(point)
    result = [kept[0]]
    for here, after in zip(kept[1:], kept[2:], strict=False):
        before = result[-1]
        straight_x = abs(before[0] - here[0]) < 0.01 and abs(here[0] - after[0]) < 0.01
        straight_y = abs(before[1] - here[1]) < 0.01 and abs(here[1] - after[1]) < 0.01
        if not (straight_x or straight_y):
            result.append(here)
    result.append(kept[-1])
    return result


def _rounded(points: list[Point]) -> tuple[Point, ...]:
    """Straight runs joined by small rounded corners, as one Bézier chain."""
    out: list[Point] = [points[0]]
    for k in range(1, len(points) - 1):
        before, corner, after = points[k - 1], points[k], points[k + 1]
        radius = min(CORNER_RADIUS, _distance(before, corner) / 2, _distance(corner, after) / 2)
        enter = _towards(corner, before, radius)
        leave = _towards(corner, after, radius)
        out += _straight(out[-1], enter)[1:]
        # A quarter-circle-like curve: control points most of the way to the corner.
        out += [_lerp(enter, corner, 0.55), _lerp(leave, corner, 0.55), leave]
    out += _straight(out[-1], points[-1])[1:]
    return tuple(out)


def _distance(a: Point, b: Point) -> float:
    return float(((a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2) ** 0.5)


def _towards(a: Point, b: Point, length: float) -> Point:
    total = _distance(a, b)
    return a if total == 0 else _lerp(a, b, length / total)


def _straight(a: Point, b: Point) -> tuple[Point, ...]:
    return (a, _lerp(a, b, 1 / 3), _lerp(a, b, 2 / 3), b)


def _lerp(a: Point, b: Point, t: float) -> Point:
    return (a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t)


class _Channels:
    """Free horizontal bands through the middle column, shared out among arrows that cross it."""

    def __init__(
        self, layout: ChartLayout, busy: list[float], blocked: list[tuple[float, float]]
    ) -> None:
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
        self.free: list[float] = []  # heights on a TRACK_SPACING grid in the bands, sorted
        for low, high in self.bands:
            slots = int((high - low) // TRACK_SPACING) + 1
            start = low + (high - low - (slots - 1) * TRACK_SPACING) / 2
            self.free += [round(start + k * TRACK_SPACING, 2) for k in range(slots)]
        busy = sorted(busy)
        self.free = [
            y
            for y in self.free
            if not _near_any(busy, y, SAME_LINE) and not any(a <= y <= b for a, b in blocked)
        ]

    def take(self, wanted: float) -> float:
        """The free height nearest ``wanted`` in a band, on a TRACK_SPACING grid, so arrows
        crossing the middle column never share a line (unless every band is full)."""
        if not self.free:
            if not self.bands:
                return wanted
            low, high = min(self.bands, key=lambda band: abs(_clamp(wanted, *band) - wanted))
            return _clamp(wanted, low, high)
        k = bisect_left(self.free, wanted)
        near = [i for i in (k - 1, k) if 0 <= i < len(self.free)]
        best = min(near, key=lambda i: (abs(self.free[i] - wanted), i))
        return self.free.pop(best)


def _near_any(sorted_values: list[float], value: float, distance: float) -> bool:
    k = bisect_left(sorted_values, value - distance)
    return k < len(sorted_values) and sorted_values[k] <= value + distance


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
    plan: _Plan, waypoints: list[Point], tip: Point, size: tuple[float, float]
) -> list[Point]:
    """Centres for the label, against its own arrow: beside the arrowhead first."""
    width, height = size
    gap = LABEL_CLEARANCE
    if plan.target_side in (Side.TOP, Side.BOTTOM):
        # A short vertical arrow between stacked boxes: beside it, in the room left for it.
        x = tip[0]
        y = (waypoints[0][1] + waypoints[-1][1]) / 2
        return [(x + gap + width / 2, y), (x - gap - width / 2, y)]
    # The last piece runs level into the target's side; the label goes over or under it,
    # flush with the box, in the zone beside the column where no track runs.
    toward = 1.0 if plan.target_side is Side.LEFT else -1.0
    x = tip[0] - toward * (gap + width / 2)
    y = tip[1]
    candidates = [(x, y - gap - height / 2), (x, y + gap + height / 2)]
    # Then along the first piece, out of the source's side.
    start, after = waypoints[0], waypoints[1]
    if abs(after[1] - start[1]) < 0.01:
        away = 1.0 if after[0] > start[0] else -1.0
        sx = start[0] + away * (gap + width / 2)
        candidates += [(sx, start[1] - gap - height / 2), (sx, start[1] + gap + height / 2)]
    return candidates


def _place_label(
    index: int,
    candidates: list[Point],
    size: tuple[float, float],
    obstacles: _Grid[Box],
    segments: _Grid[tuple[int, Point, Point]],
) -> Point:
    """The first candidate that covers no box, label or other arrow; else the least covered."""
    width, height = size

    def box_at(point: Point) -> Box:
        return Box(point[0] - width / 2, point[1] - height / 2, width, height)

    best, best_score = candidates[0], (float("inf"), 0.0)
    for point in candidates:
        box = box_at(point)
        reach = Box(box.left - 12, box.top - 12, box.width + 24, box.height + 24)
        cover = sum(_overlap_area(box, other) for other in obstacles.near(box))
        clearance = min(
            (_box_to_segment(box, a, b) for owner, a, b in segments.near(reach) if owner != index),
            default=12.0,
        )
        # Covering a box or label is worst; then an arrow nearer than the label's own.
        score = (cover + (1.0 if clearance <= LABEL_CLEARANCE else 0.0), -clearance)
        if score < best_score:
            best, best_score = point, score
            if score[0] == 0 and clearance > LABEL_CLEARANCE + 1:
                break
    obstacles.add(box_at(best), box_at(best))  # later labels keep off this one
    return best


Item = TypeVar("Item")


class _Grid(Generic[Item]):
    """Things with a bounding box, filed by 128-pt square, to find those near a label quickly."""

    SIZE = 128.0

    def __init__(self) -> None:
        self.cells: dict[tuple[int, int], list[int]] = {}
        self.items: list[tuple[Box, Item]] = []

    def _cells(self, box: Box) -> Iterator[tuple[int, int]]:
        for cx in range(int(box.left // self.SIZE), int(box.right // self.SIZE) + 1):
            for cy in range(int(box.top // self.SIZE), int(box.bottom // self.SIZE) + 1):
                yield (cx, cy)

    def add(self, box: Box, item: Item) -> None:
        self.items.append((box, item))
        for cell in self._cells(box):
            self.cells.setdefault(cell, []).append(len(self.items) - 1)

    def near(self, box: Box) -> list[Item]:
        """Items whose bounding box comes within 2 pt of ``box``, in the order they were added."""
        found = sorted({i for cell in self._cells(box) for i in self.cells.get(cell, [])})
        return [self.items[i][1] for i in found if self.items[i][0].overlaps(box, 2.0)]


def _span_box(a: Point, b: Point) -> Box:
    left, top = min(a[0], b[0]), min(a[1], b[1])
    return Box(left, top, max(a[0], b[0]) - left, max(a[1], b[1]) - top)


def _box_to_segment(box: Box, a: Point, b: Point) -> float:
    """Distance from a box to an axis-parallel segment (our arrows run level or upright)."""
    left, right = min(a[0], b[0]), max(a[0], b[0])
    top, bottom = min(a[1], b[1]), max(a[1], b[1])
    dx = max(box.left - right, left - box.right, 0.0)
    dy = max(box.top - bottom, top - box.bottom, 0.0)
    return float((dx * dx + dy * dy) ** 0.5)


def _overlap_area(a: Box, b: Box, pad: float = 2.0) -> float:
    dx = min(a.right + pad, b.right) - max(a.left - pad, b.left)
    dy = min(a.bottom + pad, b.bottom) - max(a.top - pad, b.top)
    return dx * dy if dx > 0 and dy > 0 else 0.0
