"""The order of the boxes within each cell of the grid: the one that makes fewest arrows cross.

Lanes and columns do not move, and the reading numbers (S1, A2 ...) do not change: they come from
the arranged order (domain.outline.step_numbers), whatever order the boxes are drawn in. Only
where another order saves crossings is it drawn in another order; ties keep the arranged one.

How many arrows cross is counted by gap_crossings, the way edge_routes draws them; a step's
height is its lane plus its place down its cell.

Two classic passes (Sugiyama's layer sweep, here over cells): a few sweeps of barycentre sorting,
then sifting (each box in turn tried at every place in its cell, keeping the place with fewest
crossings), repeated while it saves any; the best order found is kept.
"""

from __future__ import annotations

import numpy as np

from tocapp.domain.theory import Flowchart, Step, Theme
from tocapp.render.cell_crossings import CellCrossings
from tocapp.render.gap_crossings import FAR, CrossingModel, Floats, Ints, intervals

SWEEPS = 4  # of the barycentre ordering; more changed nothing on the 20-80-step bench charts
SIFTING_ROUNDS = 2  # at most; more changed nothing on the bench charts

Cell = tuple[int, int]  # (column, lane)


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
    model = CrossingModel(chart, ordered)
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
    model = CrossingModel(chart, drawn, middle_loops=False)
    lane_rank = {g: i for i, g in enumerate(chart.lane_groups())}
    cells: dict[Cell, list[Step]] = {}
    for step in drawn:
        cells.setdefault((step.theme.position, lane_rank[step.group]), []).append(step)
    h = model.vector(_heights(cells))
    # Per side, each arrow's ends round the gap's edge, and the steps it ends at (four, -1 for
    # none); the loops sent that way are appended as they go.
    sides: dict[bool, tuple[Floats, Floats, Ints]] = {}
    column = by_key[loops[0].source].theme.position
    for left, number in ((True, column - 1), (False, column)):
        low, high = np.zeros(0), np.zeros(0)
        owners = np.zeros((0, 4), dtype=np.int64)
        if number in model.gap_numbers:
            gap = model.gaps[model.gap_numbers.index(number)]
            low, high = intervals(gap.steps, gap.right, h)
            owners = gap.steps.reshape(-1, 4)
        sides[left] = (low, high, owners)
    leftward: set[tuple[str, str]] = set()
    for link in loops:
        a, b = model.index[link.source], model.index[link.target]
        cost: dict[bool, int] = {}
        for left in (True, False):
            y = np.sort(FAR - h[[a, b]] if left else h[[a, b]])
            low, high, owners = sides[left]
            crossing = ((y[0] < low) & (low < y[1])) ^ ((y[0] < high) & (high < y[1]))
            crossing &= ~((owners == a) | (owners == b)).any(axis=1)
            cost[left] = int(crossing.sum())
        left = cost[True] < cost[False]
        if left:
            leftward.add((link.source, link.target))
        y = np.sort(FAR - h[[a, b]] if left else h[[a, b]])
        low, high, owners = sides[left]
        sides[left] = (
            np.append(low, y[0]),
            np.append(high, y[1]),
            np.vstack([owners, [[a, a, b, b]]]),
        )
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
    model: CrossingModel, start: dict[Cell, list[Step]]
) -> tuple[dict[Cell, list[Step]], int]:
    """Each step in turn moved to the place in its cell where its arrows cross fewest others.

    Moving a step within its cell changes only the crossings between its arrows and those of the
    other steps of the cell, and each pair's count depends only on which of the two is above:
    so the counts for every pair of the cell, taken once, price every place (the classic sifting
    with a crossing matrix).
    """
    cells = {key: list(cell) for key, cell in start.items()}
    crossings = CellCrossings(model)
    h = model.vector(_heights(cells))
    cost = model.cost(h)
    for _ in range(SIFTING_ROUNDS):
        before = cost
        for key in sorted(cells):
            cell = cells[key]
            if len(cell) < 2:
                continue
            members = [model.index[step.key] for step in cell]
            # Cells hold a few steps to a few dozen: plain lists beat numpy's per-call cost.
            rows, loops, counts = crossings.pair_costs(members, h)
            order = list(range(len(cell)))
            for u in range(len(cell)):
                if not model.has_arrows(members[u]):
                    continue
                here = order.index(u)
                rest = order[:here] + order[here + 1 :]
                costs = _place_costs(u, rest, rows)
                if loops:
                    extra = _loop_costs(u, rest, loops, counts)
                    costs = [c + e for c, e in zip(costs, extra, strict=True)]
                place = costs.index(min(costs))
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


def _place_costs(u: int, rest: list[int], pair: list[list[int]]) -> list[int]:
    """The cost of each place for step u among the ``rest`` of its cell, top to bottom: the
    pairs' costs with u below the steps above it and above the steps below it."""
    mine = pair[u]
    here = sum(mine[r] for r in rest)  # u first: above all the rest
    costs = [here]
    for r in rest:
        here += pair[r][u] - mine[r]  # u moved below r
        costs.append(here)
    return costs


def _loop_costs(
    u: int, rest: list[int], loops: list[tuple[int, int]], counts: list[list[int]]
) -> list[int]:
    """What the arrows within the cell that loop out into a gap add to the cost of each place
    for step u among the ``rest`` of its cell: an arrow at a step between a loop's two ends
    crosses the loop (``counts[w][loop]`` such arrows at step w)."""
    costs = [0] * (len(rest) + 1)
    where = {member: k for k, member in enumerate(rest)}
    for number, (a, b) in enumerate(loops):
        if u not in (a, b):
            low, high = sorted((where[a], where[b]))
            for k in range(low + 1, high + 1):
                costs[k] += counts[u][number]
            continue
        # u is an end of this loop: it crosses the arrows of the steps between u and its
        # other end.
        other = where[b if u == a else a]
        before = [0]  # sums of rest[:k]
        for r in rest:
            before.append(before[-1] + counts[r][number])
        after_other = before[min(other + 1, len(rest))]
        for k in range(len(rest) + 1):
            costs[k] += before[other] - before[k] if k <= other else before[k] - after_other
    return costs
