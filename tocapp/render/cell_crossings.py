"""What sifting prices a cell's orders with: the crossings between the arrows at each pair of the
cell's steps, with one above the other (gap_crossings counts crossings; cell_order sifts).

A cell holds a few steps to a few dozen, with a few arrows to a hundred or more. Where they are
few, plain Python lists are quicker than numpy, whose every call costs a microsecond or more
whatever its size: the cells of a 40-step chart have 3 to 25 arrows, and sifting prices each
cell once or twice per drawing. Where they are many, numpy's arrays win. Both count the same
(tests/render/test_cell_crossings.py compares them on the fuzz charts).
"""

from __future__ import annotations

import numpy as np

from tocapp.render.gap_crossings import FAR, UPWARD_COST, CrossingModel, Floats, Ints

LISTS_UP_TO = 24  # arrows with an end in the cell: above this, numpy is quicker

PairCosts = tuple[list[list[int]], list[tuple[int, int]], list[list[int]]]


class CellCrossings:
    """The arrows of a crossing model, ready to price one cell after another."""

    def __init__(self, model: CrossingModel) -> None:
        self.model = model
        everything = model.all_gaps
        # Per arrow (numbered as in model.all_gaps): its gap, its ends' steps (two per end,
        # averaged), which ends are on the gap's right edge, and the steps it ends at itself.
        self.gap: list[int] = []
        for number, gap in enumerate(model.gaps):
            self.gap.extend([number] * len(gap.steps))
        self.steps: list[list[list[int]]] = everything.steps.tolist() if everything else []
        self.right: list[list[bool]] = everything.right.tolist() if everything else []
        self.own: list[list[int]] = everything.own.tolist() if everything else []
        self.own_steps = [frozenset(s for s in pair if s >= 0) for pair in self.own]
        self.at: dict[int, list[int]] = {}  # step -> arrows with an end of their own there
        for arrow, steps in enumerate(self.own_steps):
            for step in steps:
                self.at.setdefault(step, []).append(arrow)
        self.upright_at: dict[int, list[int]] = {}  # step -> targets of arrows in its column
        for source, target in model.upright.tolist():
            self.upright_at.setdefault(source, []).append(target)

    def pair_costs(self, members: list[int], h: Floats) -> PairCosts:
        """For the steps of one cell (``members``, the model's step indexes, top to bottom),
        ``cost[u][v]``: the crossings between the arrows at u and those at v, and UPWARD_COST
        for each arrow from v up to u, with u just above v (the other steps where they are).
        Then the arrows with both ends in the cell (as their two steps' places in ``members``),
        which loop out into a gap, and ``counts[w][loop]``: the arrows at step w that cross the
        loop when w is between its ends."""
        arrows = sorted({arrow for step in members for arrow in self.at.get(step, ())})
        if len(arrows) > LISTS_UP_TO:
            cost, loops, counts = _with_arrays(self.model, np.array(members, dtype=np.int64), h)
            return cost.tolist(), loops, counts.tolist()
        return self._with_lists(members, arrows, h.tolist())

    def _with_lists(self, members: list[int], arrows: list[int], h: list[float]) -> PairCosts:
        count = len(members)
        where = {step: k for k, step in enumerate(members)}
        cost = [[0] * count for _ in range(count)]
        for step in members:
            for target in self.upright_at.get(step, ()):
                if target in where:
                    cost[where[target]][where[step]] += UPWARD_COST
        single: list[tuple[int, int, int]] = []  # (arrow, its end in the cell, that end's place)
        loops: list[tuple[int, int]] = []
        looping: list[int] = []
        for arrow in arrows:
            inside = [where.get(step, -1) if step >= 0 else -1 for step in self.own[arrow]]
            if inside[0] >= 0 and inside[1] >= 0:
                loops.append((inside[0], inside[1]))
                looping.append(arrow)
            else:
                end = 1 if inside[1] >= 0 else 0
                single.append((arrow, end, inside[end]))
        counts = [[0] * len(loops) for _ in range(count)]
        for number, loop in enumerate(looping):
            for arrow, _, node in single:
                if self._apart(arrow, loop):
                    counts[node][number] += 1
        if len(single) < 2:
            return cost, loops, counts
        # Per gap (arrows in two gaps never cross), each arrow's ends as places round the gap's
        # edge (gap_crossings.intervals), lower one first, then the place of its end outside the
        # cell, and that end's own step (two arrows with one never cross); then its end inside
        # the cell moved a hair higher on the page (where another arrow's end goes just above
        # it), read down the gap's left edge and up its right one.
        by_gap: dict[int, list[tuple[float, float, float, bool, int, int, float, float]]] = {}
        for arrow, end, node in single:
            place = []
            for k in (0, 1):
                a, b = self.steps[arrow][k]
                y = (h[a] + h[b]) / 2
                place.append(FAR - y if self.right[arrow][k] else y)
            moved = h[members[node]] - 1e-6
            by_gap.setdefault(self.gap[arrow], []).append(
                (
                    min(place),
                    max(place),
                    place[1 - end],
                    self.right[arrow][end],
                    node,
                    self.own[arrow][1 - end],
                    moved,
                    FAR - moved,
                )
            )
        for ends in by_gap.values():
            for _, _, other, right, node_i, far_i, _, _ in ends:
                row = cost[node_i]
                for low, high, _, _, node_j, far_j, down, up in ends:
                    if node_j == node_i or far_i == far_j >= 0:
                        continue
                    # Arrow i's end moved just above the step of arrow j: do their ends alternate?
                    m = up if right else down
                    i_low, i_high = (m, other) if m < other else (other, m)
                    if (i_low < low < i_high) != (i_low < high < i_high):
                        row[node_j] += 1
        return cost, loops, counts

    def _apart(self, a: int, b: int) -> bool:
        """Whether two arrows may cross: in the same gap, with no step of their own in common."""
        return self.gap[a] == self.gap[b] and self.own_steps[a].isdisjoint(self.own_steps[b])


def _with_arrays(
    model: CrossingModel, members: Ints, h: Floats
) -> tuple[Ints, list[tuple[int, int]], Ints]:
    """``CellCrossings.pair_costs`` with numpy's arrays, for a cell with many arrows."""
    count = len(members)
    where = np.full(len(model.index), -1, dtype=np.int64)
    where[members] = np.arange(count)
    cost = np.zeros((count, count), dtype=np.int64)
    ups = where[model.upright]
    ups = ups[(ups >= 0).all(axis=1)]
    np.add.at(cost, (ups[:, 1], ups[:, 0]), UPWARD_COST)
    gap = model.all_gaps
    if gap is None or gap.own_steps.isdisjoint(members.tolist()):
        return cost, [], np.zeros((count, 0), dtype=np.int64)  # no arrow ends in the cell
    own = gap.own
    inside = np.where(own >= 0, where[np.maximum(own, 0)], -1)  # (arrows, 2 ends)
    chosen = (inside >= 0).sum(axis=1) == 1
    within = np.flatnonzero((inside >= 0).sum(axis=1) == 2)
    arrows = np.flatnonzero(chosen)
    node = inside[arrows, (inside[arrows, 1] >= 0).astype(np.int64)]
    loops: list[tuple[int, int]] = []
    counts: list[Ints] = []
    for loop in within:
        loops.append((int(inside[loop, 0]), int(inside[loop, 1])))
        crosses = np.zeros(count, dtype=np.int64)
        np.add.at(crosses, node, ~gap.shares[arrows, loop])
        counts.append(crosses)
    if len(arrows) >= 2:
        end = (inside[arrows, 1] >= 0).astype(np.int64)  # which end is in the cell
        right = gap.right[arrows, end]
        y = h[gap.steps[arrows]].mean(axis=2)  # (arrows, 2 ends)
        place = np.where(gap.right[arrows], FAR - y, y)
        other = place[np.arange(len(arrows)), 1 - end]
        low, high = np.minimum(place[:, 0], place[:, 1]), np.maximum(place[:, 0], place[:, 1])
        # Arrow i's end moved just above the step of arrow j (a hair higher on the page).
        moved = h[members][node][None, :] - 1e-6  # (1, j)
        moved = np.where(right[:, None], FAR - moved, moved)  # (i, j)
        i_low = np.minimum(moved, other[:, None])
        i_high = np.maximum(moved, other[:, None])
        crossing = ((i_low < low[None]) & (low[None] < i_high)) ^ (
            (i_low < high[None]) & (high[None] < i_high)
        )
        crossing &= ~gap.shares[np.ix_(arrows, arrows)]  # and never two gaps' arrows
        crossing &= node[:, None] != node[None, :]
        i, j = np.nonzero(crossing)
        np.add.at(cost, (node[i], node[j]), 1)
    table = np.array(counts, dtype=np.int64).reshape(len(loops), count).T
    return cost, loops, table
