"""Where an arrow from the first column to the last crosses the middle one: a free level band
between two of its boxes, each arrow at a height of its own."""

from __future__ import annotations

from bisect import bisect_left

from tocapp.render.arrow_ends import SAME_LINE
from tocapp.render.flowchart_layout import TRACK_SPACING, ChartLayout
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
