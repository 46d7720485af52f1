"""Arrows on tracks of their own through the gaps between columns, so each can be followed by eye.

Graphviz can route arrows around boxes itself (neato ``splines=true``), but its router grows with
the cube of the number of boxes: about 12 seconds for 200 steps. The grid makes routing simple:

* to another column: out of the box's side, along to the arrow's own vertical track in the gap,
  up or down it, and across into the target's side; an arrow from the first column to the last
  crosses the middle column in a free horizontal channel between its boxes (middle_channels);
* within a column, to the box just above or below: a straight line;
* within a column, past other boxes: a loop out to its own track in the neighbouring gap.

This module puts the pieces together: arrow_ends chooses the sides and the points on them,
gap_tracks gives each arrow its track (flowchart_layout widens a gap for as many tracks as it
needs), label_placement puts each label against its own arrow, and route_geometry rounds the
corners. Coordinates are as in flowchart_layout (y downwards).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tocapp.domain.theory import Link
from tocapp.render.arrow_ends import (
    ArrowPlan,
    Side,
    SpreadEnds,
    plan_arrow,
    spread_ports,
)
from tocapp.render.arrow_room import LABEL_CLEARANCE, link_label_lines, link_label_size
from tocapp.render.flowchart_layout import Box, ChartLayout
from tocapp.render.gap_tracks import (
    TrackOrder,
    Tracks,
    order_tracks,
    place_tracks,
    track_counts,
)
from tocapp.render.label_placement import Segment, label_candidates, place_label
from tocapp.render.middle_channels import MiddleChannels, crossing_heights
from tocapp.render.route_geometry import (
    Point,
    bezier_point,
    rounded,
    span_box,
    without_zero_steps,
)
from tocapp.render.spatial_grid import SpatialGrid

__all__ = [
    "ARROW_LENGTH",
    "RoutedLink",
    "TrackPlan",
    "bezier_point",
    "plan_tracks",
    "route_links",
]

ARROW_LENGTH = 8.0  # Graphviz draws a 10pt arrowhead at arrowsize 1; we use arrowsize 0.8


@dataclass(frozen=True)
class TrackPlan:
    """What routing on the first pass of a layout found that the final pass can use as it is,
    as long as every box is at the same height (only the gaps are wider): where arrows meet
    their boxes, where they cross the middle column, and each gap's tracks in order.
    ``counts``: tracks side by side per gap."""

    ends: SpreadEnds
    crossing_y: dict[int, float]
    orders: TrackOrder
    # What it was found for: the same arrows, with labels of the same lines.
    links: tuple[Link, ...]
    labels: tuple[tuple[str, ...], ...]

    def fits(self, links: tuple[Link, ...], labels: Sequence[Sequence[str]]) -> bool:
        return (links is self.links or links == self.links) and self.labels == tuple(
            tuple(lines) for lines in labels
        )

    @property
    def counts(self) -> dict[int, int]:
        return track_counts(self.orders)


@dataclass(frozen=True)
class RoutedLink:
    """One arrow: Bézier control points (3n+1) ending at the arrowhead's base, and its tip."""

    index: int
    link: Link
    points: tuple[Point, ...]
    tip: Point
    label_lines: tuple[str, ...]
    label_centre: Point | None


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
    kept = layout.track_plan
    if kept is not None and not kept.fits(links, labels):
        kept = None  # found for other arrows or labels: route afresh
    plans, ends, crossing_y = _prepare(layout, links, labels, kept)
    if kept is not None:
        ports, orders = ends.moved_to(plans), kept.orders
    else:
        ports = ends.points
        orders = order_tracks(plans, ports, crossing_y)
    tracks = place_tracks(orders, layout)
    routes = []
    for plan in plans:
        start, tip = ports[(plan.index, "source")], ports[(plan.index, "target")]
        waypoints = _waypoints(plan, start, tip, tracks, crossing_y.get(plan.index))
        routes.append((plan, waypoints, tip))
    segments: SpatialGrid[Segment] = SpatialGrid()
    for plan, way, _ in routes:
        for a, b in zip(way, way[1:], strict=False):
            segments.add(span_box(a, b), (plan.index, a, b))
    obstacles: SpatialGrid[Box] = SpatialGrid()
    for step in layout.steps:
        obstacles.add(step.box, step.box)
    obstacles.add(layout.legend.box, layout.legend.box)
    routed: list[RoutedLink] = []
    for plan, waypoints, tip in routes:
        label_lines = tuple(labels[plan.index])
        centre = None
        if label_lines:
            size = link_label_size(list(label_lines))
            candidates = label_candidates(plan, waypoints, tip, size)
            centre = place_label(plan.index, candidates, size, obstacles, segments)
        points = rounded(waypoints)
        routed.append(RoutedLink(plan.index, plan.link, points, tip, label_lines, centre))
    return routed


def plan_tracks(
    layout: ChartLayout, links: tuple[Link, ...], labels: Sequence[Sequence[str]]
) -> TrackPlan:
    """The arrows (with these labels) routed on a layout as far as their tracks' order: how many
    tracks side by side each gap needs (arrow_room.arrow_gaps numbers the gaps; a gap no arrow
    uses is left out), and what the final pass of the layout can keep."""
    plans, ends, crossing_y = _prepare(layout, links, labels)
    kept_for = tuple(tuple(lines) for lines in labels)
    orders = order_tracks(plans, ends.points, crossing_y)
    return TrackPlan(ends, crossing_y, orders, links, kept_for)


def _prepare(
    layout: ChartLayout,
    links: tuple[Link, ...],
    labels: Sequence[Sequence[str]],
    kept: TrackPlan | None = None,
) -> tuple[list[ArrowPlan], SpreadEnds, dict[int, float]]:
    """Each arrow's sides, the points where it leaves and meets its boxes, and the height at
    which an arrow from the first column to the last crosses the middle one (``kept``'s ends and
    heights, if given: its boxes stood at the same heights)."""
    steps = layout.step_by_key
    counts = [0] * len(layout.column_spans)
    places: dict[str, tuple[int, int]] = {}
    for placed in sorted(layout.steps, key=lambda p: (p.column, p.box.top)):
        places[placed.step.key] = (placed.column, counts[placed.column])
        counts[placed.column] += 1
    plans = [
        plan_arrow(
            i,
            link,
            steps[link.source],
            steps[link.target],
            places,
            bool(labels[i]),
            (link.source, link.target) in layout.leftward_loops,
        )
        for i, link in enumerate(links)
    ]
    if kept is not None:
        return plans, kept.ends, kept.crossing_y
    room = {
        (plan.index, "target"): link_label_size(list(labels[plan.index]))[1] + 2 * LABEL_CLEARANCE
        for plan in plans
        if labels[plan.index] and plan.target_side in (Side.LEFT, Side.RIGHT)
    }
    widths = {
        plan.index: link_label_size(list(labels[plan.index]))[0]
        for plan in plans
        if labels[plan.index] and plan.target_side in (Side.TOP, Side.BOTTOM)
    }
    ends = spread_ports(plans, room, widths)
    ports = ends.points
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
    channels = MiddleChannels(layout, sides, straight)
    return plans, ends, crossing_heights(plans, ports, channels)


def _waypoints(
    plan: ArrowPlan, start: Point, tip: Point, tracks: Tracks, crossing: float | None
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
    return without_zero_steps(points)
