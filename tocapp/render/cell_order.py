"""The order of the boxes within each cell of the grid: the one that makes fewest arrows cross.

Lanes and columns do not move, and the reading numbers (S1, A2 ...) do not change: they come from
the arranged order (domain.outline.step_numbers), whatever order the boxes are drawn in. Only
where another order saves crossings is it drawn in another order; ties keep the arranged one.

How many arrows cross is estimated the way edge_routes draws them. Each gap between two columns
is a strip; an arrow through it joins a point on one of its edges to a point on the other (or
on the same edge, for an arrow past other boxes of its own column), and two arrows must cross
there exactly when their ends alternate round the strip's edge. gap_tracks then finds a track
order with no more crossings than that on the bench charts, so the estimate is close to what is
drawn. An arrow from the first column to the last crosses the middle column about halfway
between its ends' heights. A step's height is its lane plus its place down its cell.

Two classic passes (Sugiyama's layer sweep, here over cells): a few sweeps of barycentre sorting,
then sifting (each box in turn tried at every place in its cell, keeping the place with fewest
crossings), repeated while it saves any; the best order found is kept.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tocapp.domain.theory import Flowchart, Step, Theme

SWEEPS = 4  # of the barycentre ordering; more changed nothing on the 20-80-step bench charts
SIFTING_ROUNDS = 2  # at most; more changed nothing on the bench charts
FAR = 1e6  # the right edge of a gap, read upwards, comes after its left edge read downwards

Cell = tuple[int, int]  # (column, lane)
Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]


def drawing_order(chart: Flowchart, ordered: list[Step]) -> list[Step]:
    """Steps cell by cell (column, then lane), each cell in the order that crosses fewest arrows.

    ``ordered`` is the arranged order; a step with no arrows, and ties, keep their arranged place.
    """
    if not chart.links:
        return ordered
    lane_rank = {g: i for i, g in enumerate(chart.lane_groups())}
    cells: dict[Cell, list[Step]] = {}
    for step in ordered:
        cells.setdefault((step.theme.position, lane_rank[step.group]), []).append(step)
    model = _CrossingModel(chart, ordered)
    arranged = {key: list(cell) for key, cell in cells.items()}
    best, best_cost = arranged, model.cost(model.vector(_heights(arranged)))
    swept = _barycentre(chart, arranged)
    swept_cost = model.cost(model.vector(_heights(swept)))
    start = swept if swept_cost < best_cost else arranged
    sifted, sifted_cost = _sift(model, start)
    for candidate, cost in ((swept, swept_cost), (sifted, sifted_cost)):
        if cost < best_cost:
            best, best_cost = candidate, cost
    if best is arranged:
        return ordered  # the arranged order is as good: keep it
    return [step for key in sorted(best) for step in best[key]]


def _heights(cells: dict[Cell, list[Step]]) -> dict[str, float]:
    """A step's height on the page, roughly: its lane, plus its place down its cell."""
    return {
        step.key: lane + (k + 0.5) / len(cell)
        for (_, lane), cell in cells.items()
        for k, step in enumerate(cell)
    }


def leftward_loops(chart: Flowchart, drawn: list[Step]) -> frozenset[tuple[str, str]]:
    """The arrows past other boxes of the middle column that cross fewer arrows in the gap to
    its left than in the one to its right, as (source, target); the others go right.

    ``drawn`` is the order the steps are drawn in. One by one in link order, each counted
    against the arrows in the gaps and the loops already sent one way or the other.
    """
    last = len(Theme) - 1
    by_key = chart.step_by_key
    place: dict[str, int] = {}
    for column in range(last + 1):
        in_column = [step.key for step in drawn if step.theme.position == column]
        place.update({key: k for k, key in enumerate(in_column)})
    loops = [
        link
        for link in chart.links
        if 0 < by_key[link.source].theme.position == by_key[link.target].theme.position < last
        and abs(place[link.source] - place[link.target]) > 1
    ]
    if not loops:
        return frozenset()
    model = _CrossingModel(chart, drawn, middle_loops=False)
    lane_rank = {g: i for i, g in enumerate(chart.lane_groups())}
    cells: dict[Cell, list[Step]] = {}
    for step in drawn:
        cells.setdefault((step.theme.position, lane_rank[step.group]), []).append(step)
    h = model.vector(_heights(cells))
    # Per side, each arrow's ends round the gap's edge and the steps it ends at.
    sides: dict[bool, tuple[list[float], list[float], list[set[int]]]] = {}
    column = by_key[loops[0].source].theme.position
    for left, number in ((True, column - 1), (False, column)):
        lows: list[float] = []
        highs: list[float] = []
        owners: list[set[int]] = []
        if number in model.gap_numbers:
            gap = model.gaps[model.gap_numbers.index(number)]
            low, high = _intervals(gap.steps, gap.right, h)
            lows, highs = low.tolist(), high.tolist()
            owners = [{int(x) for x in arrow.ravel()} for arrow in gap.steps]
        sides[left] = (lows, highs, owners)
    leftward: set[tuple[str, str]] = set()
    for link in loops:
        a, b = model.index[link.source], model.index[link.target]
        cost: dict[bool, int] = {}
        for left in (True, False):
            y = sorted(FAR - h[[a, b]] if left else h[[a, b]])
            lows, highs, owners = sides[left]
            cost[left] = sum(
                ((y[0] < low < y[1]) != (y[0] < high < y[1])) and not {a, b} & mine
                for low, high, mine in zip(lows, highs, owners, strict=True)
            )
        left = cost[True] < cost[False]
        if left:
            leftward.add((link.source, link.target))
        y = sorted(FAR - h[[a, b]] if left else h[[a, b]])
        sides[left][0].append(float(y[0]))
        sides[left][1].append(float(y[1]))
        sides[left][2].append({a, b})
    return frozenset(leftward)


def _barycentre(chart: Flowchart, start: dict[Cell, list[Step]]) -> dict[Cell, list[Step]]:
    """Each cell sorted by the mean height of the steps its steps are linked to, a few sweeps
    over the whole grid, cell by cell, so the next cell sorts against where this one now is."""
    cells = {key: list(cell) for key, cell in start.items()}
    neighbours: dict[str, list[str]] = {step.key: [] for cell in cells.values() for step in cell}
    for link in chart.links:
        neighbours[link.source].append(link.target)
        neighbours[link.target].append(link.source)
    height = _heights(cells)
    for _ in range(SWEEPS):
        for key in sorted(cells):
            centres = {
                step.key: _mean([height[other] for other in neighbours[step.key]], height[step.key])
                for step in cells[key]
            }
            cells[key] = [
                step
                for _, step in sorted(
                    enumerate(cells[key]), key=lambda i: (centres[i[1].key], i[0])
                )
            ]
            lane = key[1]
            for k, step in enumerate(cells[key]):
                height[step.key] = lane + (k + 0.5) / len(cells[key])
    return cells


def _mean(values: list[float], default: float) -> float:
    return sum(values) / len(values) if values else default


def _sift(
    model: _CrossingModel, start: dict[Cell, list[Step]]
) -> tuple[dict[Cell, list[Step]], int]:
    """Each step in turn moved to the place in its cell where its arrows cross fewest others.

    Moving a step within its cell changes only the crossings between its arrows and those of the
    other steps of the cell, and each pair's count depends only on which of the two is above:
    so the counts for every pair of the cell, taken once, price every place (the classic sifting
    with a crossing matrix).
    """
    cells = {key: list(cell) for key, cell in start.items()}
    h = model.vector(_heights(cells))
    cost = model.cost(h)
    for _ in range(SIFTING_ROUNDS):
        before = cost
        for key in sorted(cells):
            cell = cells[key]
            if len(cell) < 2:
                continue
            members = np.array([model.index[step.key] for step in cell], dtype=np.int64)
            pair, loops, loop_counts = model.pair_costs(members, h)
            order = list(range(len(cell)))
            for u in range(len(cell)):
                if not model.has_arrows(int(members[u])):
                    continue
                here = order.index(u)
                rest = order[:here] + order[here + 1 :]
                above, below = pair[rest, u], pair[u, rest]
                costs = np.concatenate(([0], np.cumsum(above))) + np.concatenate(
                    (np.cumsum(below[::-1])[::-1], [0])
                )
                costs += _loop_costs(u, rest, loops, loop_counts)
                place = int(np.argmin(costs))
                if costs[place] < costs[here]:
                    order = [*rest[:place], u, *rest[place:]]
            cells[key] = [cell[i] for i in order]
            lane = key[1]
            for k, i in enumerate(order):
                h[members[i]] = lane + (k + 0.5) / len(cell)
        cost = model.cost(h)
        if cost >= before:
            break
    return cells, cost


def _loop_costs(u: int, rest: list[int], loops: list[tuple[int, int]], counts: Ints) -> Ints:
    """What the arrows within the cell that loop out into a gap add to the cost of each place
    for step u among the ``rest`` of its cell: an arrow at a step between a loop's two ends
    crosses the loop (``counts[w, loop]`` such arrows at step w)."""
    costs = np.zeros(len(rest) + 1, dtype=np.int64)
    where = {member: k for k, member in enumerate(rest)}
    places = np.arange(len(rest) + 1)
    for number, (a, b) in enumerate(loops):
        if u not in (a, b):
            low, high = sorted((where[a], where[b]))
            costs[low + 1 : high + 1] += counts[u, number]
            continue
        # u is an end of this loop: it crosses the arrows of the steps between u and its
        # other end.
        other = where[b if u == a else a]
        before = np.concatenate(([0], np.cumsum(counts[rest, number])))  # sums of rest[:k]
        costs += np.where(
            places <= other,
            before[other] - before[places],
            before[places] - before[np.minimum(other + 1, len(rest))],
        )
    return costs


@dataclass(frozen=True)
class _Gap:
    """The arrows through one gap: each end is a height (the mean of one or two steps' heights,
    two for the middle of an arrow that crosses the middle column) on the gap's left or right
    edge; ``shares`` marks pairs of arrows with a step in common, which never cross (their ends
    on that step's side are put in the order of their other ends)."""

    steps: Ints  # (arrows, 2 ends, 2 steps averaged)
    right: npt.NDArray[np.bool_]  # (arrows, 2 ends): the end is on the gap's right edge
    shares: npt.NDArray[np.bool_]  # (arrows, arrows)


class _CrossingModel:
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
                # Past other boxes, out beside the column and back (flowchart_layout.arrow_gaps);
                # to the next box, a straight line: the same count, as no other arrow meets the
                # side between two neighbouring boxes.
                gap, outer = _loop_gap(ca, last, bool(link.label.strip()))
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
        self.gaps: list[_Gap] = []
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
            self.gaps.append(_Gap(steps, on_right, shares))
        self.upright = np.array(upright, dtype=np.int64).reshape(-1, 2)
        # Per step, the arrows at it: per gap, a mask of them; and within its column.
        self.touching: list[list[tuple[int, npt.NDArray[np.bool_]]]] = []
        self.upright_at: list[Ints] = []
        for step in range(len(ordered)):
            masks = [(g, (gap.steps == step).any(axis=(1, 2))) for g, gap in enumerate(self.gaps)]
            self.touching.append([(g, mask) for g, mask in masks if mask.any()])
            self.upright_at.append(np.flatnonzero((self.upright == step).any(axis=1)))

    def has_arrows(self, step: int) -> bool:
        return bool(self.touching[step]) or bool(self.upright_at[step].size)

    def vector(self, height: dict[str, float]) -> Floats:
        """The steps' heights as an array, in the order of ``index``."""
        vector = np.zeros(len(self.index))
        for key, i in self.index.items():
            vector[i] = height[key]
        return vector

    def places(self, h: Floats) -> list[tuple[Floats, Floats]]:
        """Per gap, each arrow's two ends as places round the gap's edge, lower one first."""
        return [_intervals(gap.steps, gap.right, h) for gap in self.gaps]

    def cost(self, h: Floats) -> int:
        """Arrows crossing in the gaps, plus one for each arrow up its own column (which reads
        against the page, so a chain arranged top to bottom is not turned upside down)."""
        total = int((h[self.upright[:, 0]] > h[self.upright[:, 1]]).sum())
        for gap, (low, high) in zip(self.gaps, self.places(h), strict=True):
            total += int((_alternate(low[:, None], high[:, None], low, high) & ~gap.shares).sum())
        return total

    def pair_costs(self, members: Ints, h: Floats) -> tuple[Ints, list[tuple[int, int]], Ints]:
        """For the steps of one cell, ``cost[u, v]``: the crossings between the arrows at u and
        those at v, and the arrows from v up to u, with u just above v (the other steps where
        they are). Then the arrows with both ends in the cell (as their two steps' places in
        ``members``), which loop out into a gap, and ``counts[w, loop]``: the arrows at step w
        that cross the loop when w is between its ends."""
        count = len(members)
        where = np.full(len(self.index), -1, dtype=np.int64)
        where[members] = np.arange(count)
        cost = np.zeros((count, count), dtype=np.int64)
        ups = where[self.upright]
        ups = ups[(ups >= 0).all(axis=1)]
        np.add.at(cost, (ups[:, 1], ups[:, 0]), 1)
        loops: list[tuple[int, int]] = []
        counts: list[Ints] = []
        for gap in self.gaps:
            own = np.where(gap.steps[:, :, 0] == gap.steps[:, :, 1], gap.steps[:, :, 0], -1)
            inside = np.where(own >= 0, where[np.maximum(own, 0)], -1)  # (arrows, 2 ends)
            chosen = (inside >= 0).sum(axis=1) == 1
            within = np.flatnonzero((inside >= 0).sum(axis=1) == 2)
            arrows = np.flatnonzero(chosen)
            node = inside[arrows, (inside[arrows, 1] >= 0).astype(np.int64)]
            for loop in within:
                loops.append((int(inside[loop, 0]), int(inside[loop, 1])))
                crosses = np.zeros(count, dtype=np.int64)
                np.add.at(crosses, node, ~gap.shares[arrows, loop])
                counts.append(crosses)
            if len(arrows) < 2:
                continue
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
            crossing &= ~gap.shares[np.ix_(arrows, arrows)]
            crossing &= node[:, None] != node[None, :]
            i, j = np.nonzero(crossing)
            np.add.at(cost, (node[i], node[j]), 1)
        table = np.array(counts, dtype=np.int64).reshape(len(loops), count).T
        return cost, loops, table


def _loop_gap(column: int, last: int, labelled: bool) -> tuple[int, bool]:
    """The gap an arrow within a column loops out into, and whether the column is on its right."""
    if not labelled and column in (0, last):
        return (-1, True) if column == 0 else (last, False)
    return (column - 1, True) if column == last else (column, False)


def _intervals(steps: Ints, right: npt.NDArray[np.bool_], h: Floats) -> tuple[Floats, Floats]:
    """Arrows' two ends as places round a gap's edge, lower one first: the left edge read
    downwards, then the right one upwards. ``h`` holds the steps' heights, or (for several
    heights at once) their heights at each arrow's ends, with one more axis in front."""
    y = h[steps] if h.ndim == 1 else h
    mean = (y[..., 0] + y[..., 1]) / 2
    place = np.where(right, FAR - mean, mean)
    return place.min(axis=-1), place.max(axis=-1)


def _alternate(
    low_a: Floats, high_a: Floats, low_b: Floats, high_b: Floats
) -> npt.NDArray[np.bool_]:
    """Whether b starts inside a and ends beyond it: the ends alternate, so the arrows cross."""
    result: npt.NDArray[np.bool_] = (low_a < low_b) & (low_b < high_a) & (high_a < high_b)
    return result
