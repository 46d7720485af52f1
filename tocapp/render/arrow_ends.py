"""Where each arrow leaves and meets its boxes: which side, and the point on that side.

Where several arrows meet one side of a box they are spread along it in the order of their other
ends, so they do not cross each other there, with room above a labelled arrowhead for its label.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from tocapp.domain.theory import Link
from tocapp.render.arrow_room import LABEL_CLEARANCE, arrow_gaps
from tocapp.render.flowchart_layout import Box, PlacedStep
from tocapp.render.route_geometry import Point, near_any

SAME_LINE = 2.5  # two level pieces nearer than this would read as one line
MIN_PORT_SPACING = 3.5  # between two ends on a side that also holds a label


class Side(Enum):
    LEFT = "left"
    RIGHT = "right"
    TOP = "top"
    BOTTOM = "bottom"


@dataclass(frozen=True)
class ArrowPlan:
    """One arrow's two boxes, the sides it leaves and meets them by, and the gaps it runs in."""

    index: int
    link: Link
    source: PlacedStep
    target: PlacedStep
    source_side: Side
    target_side: Side
    gaps: tuple[int, ...]


Ports = dict[tuple[int, str], Point]  # (arrow, "source" or "target") -> its point on the box


@dataclass(frozen=True)
class SpreadEnds:
    """Every arrow end's point on its box side (``points``), and how far along from the box's
    left edge each end on a top or bottom side is (``along``), so the same ends can be put on
    another layout whose boxes stand at the same heights and only the gaps differ."""

    points: Ports
    along: dict[tuple[int, str], float]

    def moved_to(self, plans: list[ArrowPlan]) -> Ports:
        """The same ends on the boxes of ``plans``: same heights, x from each box's own edges
        (computed as spread_ports computes it, so the points are exactly what it would give)."""
        ports: Ports = {}
        for plan in plans:
            for end, step, side in (
                ("source", plan.source, plan.source_side),
                ("target", plan.target, plan.target_side),
            ):
                key = (plan.index, end)
                box, y = step.box, self.points[key][1]
                if side is Side.LEFT:
                    ports[key] = (box.left, y)
                elif side is Side.RIGHT:
                    ports[key] = (box.right, y)
                else:
                    ports[key] = (box.left + self.along[key], y)
        return ports


def plan_arrow(
    index: int,
    link: Link,
    source: PlacedStep,
    target: PlacedStep,
    places: dict[str, tuple[int, int]],
    labelled: bool,
    leftward: bool = False,
) -> ArrowPlan:
    """The sides and gaps of one arrow; ``places`` are (column, place from the top) per step;
    ``labelled`` and ``leftward`` as for arrow_room.arrow_gaps."""
    routes = arrow_gaps(places[link.source], places[link.target], labelled, leftward)
    gaps = tuple(gap for gap, _ in routes)
    if target.column > source.column:
        return ArrowPlan(index, link, source, target, Side.RIGHT, Side.LEFT, gaps)
    if target.column < source.column:
        return ArrowPlan(index, link, source, target, Side.LEFT, Side.RIGHT, gaps)
    if not gaps:
        if target.box.top >= source.box.bottom:
            return ArrowPlan(index, link, source, target, Side.BOTTOM, Side.TOP, gaps)
        return ArrowPlan(index, link, source, target, Side.TOP, Side.BOTTOM, gaps)
    side = Side.LEFT if gaps[0] < source.column else Side.RIGHT  # the side facing its gap
    return ArrowPlan(index, link, source, target, side, side, gaps)


def spread_ports(
    plans: list[ArrowPlan],
    room: dict[tuple[int, str], float],
    widths: dict[int, float] | None = None,
) -> SpreadEnds:
    """Give every arrow end a point on its box side, spread out in order of the other end;
    ``room`` is the height an end's label needs above it, ``widths`` the width of the labels of
    straight arrows between two stacked boxes, which go right of their arrow."""
    widths = widths or {}
    by_side: dict[tuple[str, Side], list[tuple[float, int, str, PlacedStep]]] = {}
    for plan in plans:
        for end, step, side, other in (
            ("source", plan.source, plan.source_side, plan.target),
            ("target", plan.target, plan.target_side, plan.source),
        ):
            order = other.box.centre_y if side in (Side.LEFT, Side.RIGHT) else other.box.centre_x
            by_side.setdefault((step.step.key, side), []).append((order, plan.index, end, step))
    ports: Ports = {}
    along: dict[tuple[int, str], float] = {}
    for (_, side), ends in sorted(by_side.items(), key=lambda item: (item[0][0], item[0][1].value)):
        # Labelled straight arrows last, so a label right of its arrow covers no other arrow.
        ends.sort(key=lambda item: (item[0], item[1] in widths, item[1], item[2]))
        count = len(ends)
        box = ends[0][3].box
        heights = _spread_down_a_side([room.get((i, e), 0.0) for _, i, e, _ in ends], box)
        wide = max((widths.get(i, 0.0) for _, i, _, _ in ends), default=0.0)
        across = box.width / (count + 1)
        if wide:
            across = min(across, (box.width - wide - LABEL_CLEARANCE - 2) / count)
        for k, (_, index, end, _) in enumerate(ends):
            if side is Side.LEFT:
                point = (box.left, heights[k])
            elif side is Side.RIGHT:
                point = (box.right, heights[k])
            else:
                along[(index, end)] = across * (k + 1)
                y = box.top if side is Side.TOP else box.bottom
                point = (box.left + along[(index, end)], y)
            ports[(index, end)] = point
    _stagger_facing_ports(plans, ports, room)
    return SpreadEnds(ports, along)


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


def _stagger_facing_ports(
    plans: list[ArrowPlan], ports: Ports, room: dict[tuple[int, str], float]
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
            if not near_any(across, y, SAME_LINE):
                continue
            above = room.get((index, end), 0.0)
            others = [span for key, span in spans.items() if key != (index, end)]
            for shift in (3.0, -3.0, 6.0, -6.0, 9.0, -9.0):
                moved = y + shift
                inside = step.box.top + 2 < moved - above and moved < step.box.bottom - 2
                clear = not near_any(across, moved, SAME_LINE)
                apart = all(
                    moved - above >= bottom + SAME_LINE or moved + SAME_LINE <= top
                    for top, bottom in others
                )
                if inside and clear and apart:
                    spans[(index, end)] = (moved - above, moved)
                    ports[(index, end)] = (x, moved)
                    break
