"""Where an arrow from the first column to the last crosses the middle one: a free level band
between two of its boxes, each arrow at a height of its own.

Of the bands, an arrow takes the one where it crosses fewest other arrows in the two gaps (the
arrows already given a band included), and in it the free height nearest halfway between its
ends. Whether two arrows cross in a gap depends only on the order of their ends round the gap's
edge (see cell_order), so the count is exact for any order of tracks that gap_tracks can find.
"""

from __future__ import annotations

from bisect import bisect_left

import numpy as np
import numpy.typing as npt

from tocapp.render.arrow_ends import SAME_LINE, ArrowPlan, Ports
from tocapp.render.arrow_room import TRACK_SPACING
from tocapp.render.flowchart_layout import ChartLayout
from tocapp.render.gap_tracks import track_uses
from tocapp.render.route_geometry import clamp, near_any

CHANNEL_PAD = 5.0


class MiddleChannels:
    """Free horizontal bands through the middle column, shared out among arrows that cross it."""

    def __init__(
        self, layout: ChartLayout, busy: list[float], blocked: list[tuple[float, float]]
    ) -> None:
        """``busy``: heights of arrow ends on box sides, which a crossing must not run along;
        ``blocked``: height ranges it must keep out of (the labels of straight arrows)."""
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
            if not near_any(busy, y, SAME_LINE) and not any(a <= y <= b for a, b in blocked)
        ]

    def take(self, wanted: float) -> float:
        """The free height nearest ``wanted`` in a band, on a TRACK_SPACING grid, so arrows
        crossing the middle column never share a line (unless every band is full)."""
        if not self.free:
            if not self.bands:
                return wanted
            low, high = min(self.bands, key=lambda band: abs(clamp(wanted, *band) - wanted))
            return clamp(wanted, low, high)
        k = bisect_left(self.free, wanted)
        near = [i for i in (k - 1, k) if 0 <= i < len(self.free)]
        best = min(near, key=lambda i: (abs(self.free[i] - wanted), i))
        return self.free.pop(best)

    def take_in(self, band: int, wanted: float) -> float:
        """The free height nearest ``wanted`` within one band (anywhere, if that band is full)."""
        low, high = self.bands[band]
        return self.take(clamp(wanted, low, high)) if self.has_room(band) else self.take(wanted)

    def has_room(self, band: int) -> bool:
        low, high = self.bands[band]
        k = bisect_left(self.free, low)
        return k < len(self.free) and self.free[k] <= high

    def bands_with_room(self) -> npt.NDArray[np.int64]:
        """The numbers of the bands with a free height left, in order."""
        if not self.free or not self.bands:
            return np.zeros(0, dtype=np.int64)
        free = np.array(self.free)
        bands = np.array(self.bands).reshape(-1, 2)
        first = np.searchsorted(free, bands[:, 0])
        room = free[np.minimum(first, len(free) - 1)] <= bands[:, 1]
        room &= first < len(free)
        result: npt.NDArray[np.int64] = np.flatnonzero(room)
        return result


FAR = 1e6  # the right edge of a gap, read upwards, comes after its left edge read downwards


def crossing_heights(
    plans: list[ArrowPlan], ports: Ports, channels: MiddleChannels
) -> dict[int, float]:
    """The height at which each arrow from the first column to the last (or back) crosses the
    middle one, by arrow."""
    skips = [plan for plan in plans if len(plan.gaps) == 2]
    if not skips:
        return {}
    others = track_uses([plan for plan in plans if len(plan.gaps) != 2], ports, {})
    # Per gap, each arrow's two ends as places round the gap's edge (lower, higher).
    edges: list[list[tuple[float, float]]] = [[], []]
    for gap in (0, 1):
        for use in others.get(gap, []):
            places = sorted([*use.left, *(FAR - y for y in use.right)])
            edges[gap].append((places[0], places[1]))
    heights: dict[int, float] = {}
    lows = np.array([low for low, _ in channels.bands])
    highs = np.array([high for _, high in channels.bands])
    for plan in skips:
        first, last = (
            (plan.source, plan.target)
            if plan.source.column < plan.target.column
            else (plan.target, plan.source)
        )
        end = "source" if first is plan.source else "target"
        y_first = ports[(plan.index, end)][1]
        y_last = ports[(plan.index, "target" if end == "source" else "source")][1]
        wanted = (y_first + y_last) / 2
        bands = channels.bands_with_room()
        if not bands.size:
            heights[plan.index] = channels.take(wanted)
            continue
        at = np.clip(wanted, lows[bands], highs[bands])
        cost = _crossings(edges[0], y_first, FAR - at) + _crossings(edges[1], at, FAR - y_last)
        best = int(np.lexsort((np.abs(at - wanted), cost))[0])  # fewest, then nearest halfway
        y = channels.take_in(int(bands[best]), wanted)
        heights[plan.index] = y
        edges[0].append((y_first, FAR - y))
        edges[1].append((y, FAR - y_last))
    return heights


def _crossings(
    existing: list[tuple[float, float]],
    one: float | npt.NDArray[np.float64],
    other: float | npt.NDArray[np.float64],
) -> npt.NDArray[np.int64]:
    """For each candidate (ends ``one`` and ``other`` round a gap's edge), how many of the
    existing arrows it crosses: those with just one end between its two."""
    low, high = np.minimum(one, other), np.maximum(one, other)
    low, high = np.atleast_1d(low)[:, None], np.atleast_1d(high)[:, None]
    if not existing:
        return np.zeros(len(low), dtype=np.int64)
    ends = np.array(existing)
    a, b = ends[None, :, 0], ends[None, :, 1]
    inside = ((low < a) & (a < high)) ^ ((low < b) & (b < high))
    result: npt.NDArray[np.int64] = inside.sum(axis=1)
    return result
