"""Geometry of arrows that run level or upright: corners rounded into Bézier chains, distances.

Coordinates are as in flowchart_layout: points, x to the right and y downwards.
"""

from __future__ import annotations

from bisect import bisect_left

from tocapp.render.flowchart_layout import Box

Point = tuple[float, float]
CORNER_RADIUS = 5.0


def without_zero_steps(points: list[Point]) -> list[Point]:
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


def rounded(points: list[Point]) -> tuple[Point, ...]:
    """Straight runs joined by small rounded corners, as one Bézier chain (3n+1 points)."""
    out: list[Point] = [points[0]]
    for k in range(1, len(points) - 1):
        before, corner, after = points[k - 1], points[k], points[k + 1]
        radius = min(CORNER_RADIUS, distance(before, corner) / 2, distance(corner, after) / 2)
        enter = _towards(corner, before, radius)
        leave = _towards(corner, after, radius)
        out += _straight(out[-1], enter)[1:]
        # A quarter-circle-like curve: control points most of the way to the corner.
        out += [_lerp(enter, corner, 0.55), _lerp(leave, corner, 0.55), leave]
    out += _straight(out[-1], points[-1])[1:]
    return tuple(out)


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


def distance(a: Point, b: Point) -> float:
    return float(((a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2) ** 0.5)


def _towards(a: Point, b: Point, length: float) -> Point:
    total = distance(a, b)
    return a if total == 0 else _lerp(a, b, length / total)


def _straight(a: Point, b: Point) -> tuple[Point, ...]:
    return (a, _lerp(a, b, 1 / 3), _lerp(a, b, 2 / 3), b)


def _lerp(a: Point, b: Point, t: float) -> Point:
    return (a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t)


def span_box(a: Point, b: Point) -> Box:
    """The bounding box of a segment."""
    left, top = min(a[0], b[0]), min(a[1], b[1])
    return Box(left, top, max(a[0], b[0]) - left, max(a[1], b[1]) - top)


def box_to_segment(box: Box, a: Point, b: Point) -> float:
    """Distance from a box to an axis-parallel segment (our arrows run level or upright)."""
    left, right = min(a[0], b[0]), max(a[0], b[0])
    top, bottom = min(a[1], b[1]), max(a[1], b[1])
    dx = max(box.left - right, left - box.right, 0.0)
    dy = max(box.top - bottom, top - box.bottom, 0.0)
    return float((dx * dx + dy * dy) ** 0.5)


def overlap_area(a: Box, b: Box, pad: float = 2.0) -> float:
    """How much of ``b`` lies within ``pad`` of ``a``."""
    dx = min(a.right + pad, b.right) - max(a.left - pad, b.left)
    dy = min(a.bottom + pad, b.bottom) - max(a.top - pad, b.top)
    return dx * dy if dx > 0 and dy > 0 else 0.0


def near_any(sorted_values: list[float], value: float, within: float) -> bool:
    """Whether a sorted list holds a value within ``within`` of ``value``."""
    k = bisect_left(sorted_values, value - within)
    return k < len(sorted_values) and sorted_values[k] <= value + within


def clamp(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))
