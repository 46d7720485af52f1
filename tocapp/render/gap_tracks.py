"""Each arrow's own vertical track in a gap between columns, the tracks put in the order that
makes the fewest crossings.

Within a gap, an arrow is a level piece in from one edge, a run up or down its track, and a level
piece out to the other edge (or back to the same edge, for a loop). Whether two arrows cross
depends only on which track is left of the other, so the crossings of every order can be counted
pair by pair; on the bench charts the order found here reaches the fewest crossings that the
heights of the ends allow.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tocapp.render.arrow_ends import SAME_LINE, ArrowPlan, Ports, Side
from tocapp.render.arrow_room import TRACK_SPACING
from tocapp.render.flowchart_layout import ChartLayout
from tocapp.render.route_geometry import CORNER_RADIUS

PACK_MARGIN = 2 * CORNER_RADIUS + 4  # between two runs on one line, corners included
SWAP_PASSES = 8  # rounds of swapping neighbouring tracks; more rarely saves another crossing
SHARED_LINE_COST = 1_000_000  # in crossings: never put two arrows on one line to save crossings

Tracks = dict[tuple[int, int], float]  # (arrow, gap) -> x of the arrow's track in that gap


@dataclass(frozen=True)
class TrackUse:
    """One arrow's run through one gap: the heights where it comes in from each side."""

    index: int
    left: tuple[float, ...]  # y of level pieces joining the track to the gap's left edge
    right: tuple[float, ...]

    @property
    def span(self) -> tuple[float, float]:
        ys = self.left + self.right
        return min(ys), max(ys)


def track_uses(
    plans: list[ArrowPlan], ports: Ports, crossing_y: dict[int, float]
) -> dict[int, list[TrackUse]]:
    """Per gap, the runs of the arrows through it."""
    by_gap: dict[int, list[TrackUse]] = {}
    for plan in plans:
        if not plan.gaps:
            continue
        start_y = ports[(plan.index, "source")][1]
        end_y = ports[(plan.index, "target")][1]
        if plan.source_side is plan.target_side:  # a loop: both ends on one side of the track
            ends = (start_y, end_y)
            use = (
                TrackUse(plan.index, ends, ())
                if plan.source_side is Side.RIGHT
                else TrackUse(plan.index, (), ends)
            )
            by_gap.setdefault(plan.gaps[0], []).append(use)
            continue
        rightward = plan.target.column > plan.source.column
        heights = [start_y, *([crossing_y[plan.index]] * 2 if len(plan.gaps) == 2 else []), end_y]
        for k, gap in enumerate(sorted(plan.gaps, reverse=not rightward)):
            enter, leave = heights[2 * k], heights[2 * k + 1]
            left, right = (enter, leave) if rightward else (leave, enter)
            by_gap.setdefault(gap, []).append(TrackUse(plan.index, (left,), (right,)))
    return by_gap


# Per gap, each arrow's run in left-to-right order, with the side-by-side position of its track.
TrackOrder = dict[int, tuple[tuple[int, int], ...]]


def order_tracks(plans: list[ArrowPlan], ports: Ports, crossing_y: dict[int, float]) -> TrackOrder:
    """Per gap, (arrow, position) in the order that crosses fewest arrows, packed so runs at
    different heights share a position. It depends only on the heights of the arrows' ends."""
    orders: TrackOrder = {}
    for gap, uses in sorted(track_uses(plans, ports, crossing_y).items()):
        order = fewest_crossings(uses)
        orders[gap] = tuple(
            (use.index, column) for use, column in zip(order, pack(order), strict=True)
        )
    return orders


def place_tracks(orders: TrackOrder, layout: ChartLayout) -> Tracks:
    """The x of each arrow's track in each gap it uses, keyed by (arrow, gap): the positions
    spread evenly, centred in the gap's band."""
    tracks: Tracks = {}
    for gap, order in orders.items():
        count = 1 + max(column for _, column in order)
        low, high = _band(layout, gap)
        spacing = TRACK_SPACING if count < 2 else min(TRACK_SPACING, (high - low) / (count - 1))
        first = (low + high) / 2 - spacing * (count - 1) / 2
        for index, column in order:
            tracks[(index, gap)] = first + column * spacing
    return tracks


def track_counts(orders: TrackOrder) -> dict[int, int]:
    """How many tracks side by side each gap has."""
    return {
        gap: 1 + max((column for _, column in order), default=-1) for gap, order in orders.items()
    }


def pack(order: list[TrackUse]) -> list[int]:
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


def _band(layout: ChartLayout, gap: int) -> tuple[float, float]:
    """Where a gap's tracks go: the layout's band for it, between two columns or outside the
    lanes (gap -1, left of the first column, and the last, right of the last column)."""
    if 0 <= gap < len(layout.track_bands):
        return layout.track_bands[gap]
    return layout.outer_bands[0 if gap == -1 else 1]


def crossing_costs(uses: list[TrackUse]) -> list[list[int]]:
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


def fewest_crossings(uses: list[TrackUse]) -> list[TrackUse]:
    """Order tracks left to right: insert each where it adds fewest crossings, then swap
    neighbours while that saves any. Deterministic: ties keep the earlier place."""
    count = len(uses)
    cost = crossing_costs(uses)
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
