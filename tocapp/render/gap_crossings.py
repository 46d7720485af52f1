"""How many arrows cross, for any heights of the steps, as edge_routes would draw them.

Each gap between two columns is a strip; an arrow through it joins a point on one of its edges to
a point on the other (or on the same edge, for an arrow past other boxes of its own column), and
two arrows must cross there exactly when their ends alternate round the strip's edge. gap_tracks
then finds a track order with no more crossings than that on the bench charts, so the count is
close to what is drawn. An arrow from the first column to the last crosses the middle column
about halfway between its ends' heights. cell_order orders the boxes within cells by it, each
cell priced by cell_crossings.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tocapp.domain.theory import Flowchart, Step, Theme

UPWARD_COST = 2  # an arrow up its own column reads against the page: worth two crossings
FAR = 1e6  # the right edge of a gap, read upwards, comes after its left edge read downwards

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]


@dataclass(frozen=True)
class GapEnds:
    """The arrows through one gap: each end is a height (the mean of one or two steps' heights,
    two for the middle of an arrow that crosses the middle column) on the gap's left or right
    edge; ``shares`` marks pairs of arrows with a step in common, which never cross (their ends
    on that step's side are put in the order of their other ends)."""

    steps: Ints  # (arrows, 2 ends, 2 steps averaged)
    right: npt.NDArray[np.bool_]  # (arrows, 2 ends): the end is on the gap's right edge
    shares: npt.NDArray[np.bool_]  # (arrows, arrows)
    own: Ints  # (arrows, 2 ends): the end's own step, -1 for the mean of two
    own_steps: frozenset[int]  # every step with an end of its own here


class CrossingModel:
    """Crossings between arrows, for any heights of the steps, as edge_routes would draw them."""

    def __init__(self, chart: Flowchart, ordered: list[Step], middle_loops: bool = True) -> None:
        """``middle_loops``: whether to count the arrows within the middle column (in the gap
        to its right, where they go unless leftward_loops sends them left)."""
        self.index = {step.key: i for i, step in enumerate(ordered)}
        column = {step.key: step.theme.position for step in ordered}
        last = len(Theme) - 1
        ends: dict[int, list[tuple[tuple[int, int], tuple[int, int], bool, bool]]] = {}
        upright: list[tuple[int, int]] = []  # (source, target) of arrows within a column
        for link in chart.links:
            a, b = self.index[link.source], self.index[link.target]
            ca, cb = column[link.source], column[link.target]
            if ca == cb:
                upright.append((a, b))
                if not middle_loops and 0 < ca < last:
                    continue
                # Past other boxes, out beside the column and back (arrow_room.arrow_gaps);
                # to the next box, a straight line: the same count, as no other arrow meets the
                # side between two neighbouring boxes.
                gap, outer = loop_gap(ca, last, bool(link.label.strip()))
                ends.setdefault(gap, []).append(((a, a), (b, b), outer, outer))
                continue
            if ca > cb:
                a, b, ca, cb = b, a, cb, ca
            if cb - ca == 1:
                ends.setdefault(ca, []).append(((a, a), (b, b), False, True))
            else:  # crossing the middle column halfway between its ends' heights
                for gap in range(ca, cb):
                    near = (a, a) if gap == ca else (b, b)
                    first, second = (near, (a, b)) if gap == ca else ((a, b), near)
                    ends.setdefault(gap, []).append((first, second, False, True))
        self.gaps: list[GapEnds] = []
        self.gap_numbers: list[int] = []
        for number, arrows in sorted(ends.items()):
            self.gap_numbers.append(number)
            steps = np.array([[e0, e1] for e0, e1, _, _ in arrows], dtype=np.int64)
            on_right = np.array([[r0, r1] for _, _, r0, r1 in arrows], dtype=bool)
            # A step in common: any step at an end that is a step's own (not an average).
            own = np.where(steps[:, :, 0] == steps[:, :, 1], steps[:, :, 0], -1)
            shares = np.zeros((len(arrows), len(arrows)), dtype=bool)
            for i in range(2):
                for j in range(2):
                    shares |= (own[:, None, i] == own[None, :, j]) & (own[:, None, i] >= 0)
            mine = frozenset(int(i) for i in own.ravel() if i >= 0)
            self.gaps.append(GapEnds(steps, on_right, shares, own, mine))
        self.all_gaps = _together(self.gaps)
        self.upright = np.array(upright, dtype=np.int64).reshape(-1, 2)
        self.linked = {int(i) for gap in self.gaps for i in gap.steps.ravel()}
        self.linked |= {int(i) for i in self.upright.ravel()}

    def has_arrows(self, step: int) -> bool:
        return step in self.linked

    def vector(self, height: dict[str, float]) -> Floats:
        """The steps' heights as an array, in the order of ``index``."""
        vector = np.zeros(len(self.index))
        for key, i in self.index.items():
            vector[i] = height[key]
        return vector

    def places(self, h: Floats) -> list[tuple[Floats, Floats]]:
        """Per gap, each arrow's two ends as places round the gap's edge, lower one first."""
        return [intervals(gap.steps, gap.right, h) for gap in self.gaps]

    def cost(self, h: Floats) -> int:
        """Arrows crossing in the gaps, plus UPWARD_COST for each arrow up its own column, so a
        chain arranged top to bottom (audit, training, coaching in the nursery demo) is not
        turned upside down to save a crossing or two."""
        total = UPWARD_COST * int((h[self.upright[:, 0]] > h[self.upright[:, 1]]).sum())
        for gap, (low, high) in zip(self.gaps, self.places(h), strict=True):
            total += int((alternate(low[:, None], high[:, None], low, high) & ~gap.shares).sum())
        return total


def _together(gaps: list[GapEnds]) -> GapEnds | None:
    """Every gap's arrows as one: an arrow and one in another gap share a step by fiat, so they
    never cross, and a cell's crossings are counted in one pass rather than one per gap."""
    if not gaps:
        return None
    sizes = [len(gap.steps) for gap in gaps]
    shares = np.ones((sum(sizes), sum(sizes)), dtype=bool)
    start = 0
    for gap, size in zip(gaps, sizes, strict=True):
        shares[start : start + size, start : start + size] = gap.shares
        start += size
    return GapEnds(
        np.concatenate([gap.steps for gap in gaps]),
        np.concatenate([gap.right for gap in gaps]),
        shares,
        np.concatenate([gap.own for gap in gaps]),
        frozenset().union(*(gap.own_steps for gap in gaps)),
    )


def loop_gap(column: int, last: int, labelled: bool) -> tuple[int, bool]:
    """The gap an arrow within a column loops out into, and whether the column is on its right."""
    if not labelled and column in (0, last):
        return (-1, True) if column == 0 else (last, False)
    return (column - 1, True) if column == last else (column, False)


def intervals(steps: Ints, right: npt.NDArray[np.bool_], h: Floats) -> tuple[Floats, Floats]:
    """Arrows' two ends as places round a gap's edge, lower one first: the left edge read
    downwards, then the right one upwards. ``h`` holds the steps' heights, or (for several
    heights at once) their heights at each arrow's ends, with one more axis in front."""
    y = h[steps] if h.ndim == 1 else h
    mean = (y[..., 0] + y[..., 1]) / 2
    place = np.where(right, FAR - mean, mean)
    return place.min(axis=-1), place.max(axis=-1)


def alternate(
    low_a: Floats, high_a: Floats, low_b: Floats, high_b: Floats
) -> npt.NDArray[np.bool_]:
    """Whether b starts inside a and ends beyond it: the ends alternate, so the arrows cross."""
    result: npt.NDArray[np.bool_] = (low_a < low_b) & (low_b < high_a) & (high_a < high_b)
    return result
