"""The order of the boxes within each cell of the grid: the one that makes fewest arrows cross.

Lanes and columns do not move, and the reading numbers (S1, A2 ...) do not change: they come from
the arranged order (domain.outline.step_numbers), whatever order the boxes are drawn in.
"""

from __future__ import annotations

from bisect import bisect_right, insort

from tocapp.domain.theory import Flowchart, Step

SWEEPS = 4  # of the barycentre ordering; more changed nothing on the 20-80-step bench charts


def drawing_order(chart: Flowchart, ordered: list[Step]) -> list[Step]:
    """Steps cell by cell, each cell sorted by the mean height of the steps it is linked to.

    The classic barycentre heuristic (Sugiyama), a few sweeps over the whole grid: an arrow's two
    ends come nearer the same height, so fewer arrows cross. Lanes and columns do not move, and
    the reading numbers do not change (they come from the arranged order, see
    domain.outline.step_numbers); a step with no arrows, and ties, keep their arranged place.
    """
    neighbours: dict[str, list[str]] = {s.key: [] for s in ordered}
    for link in chart.links:
        neighbours[link.source].append(link.target)
        neighbours[link.target].append(link.source)
    cells: dict[tuple[int, int], list[Step]] = {}
    lane_rank = {g: i for i, g in enumerate(chart.lane_groups())}
    for step in ordered:
        cells.setdefault((step.theme.position, lane_rank[step.group]), []).append(step)
    arranged = _crossing_estimate(chart, _heights(cells))
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
            # Cell by cell, so the next cell sorts against where this one now is.
            lane = key[1]
            for k, step in enumerate(cells[key]):
                height[step.key] = lane + (k + 0.5) / len(cells[key])
    if _crossing_estimate(chart, _heights(cells)) >= arranged:
        return ordered  # the arranged order is as good: keep it
    return [step for key in sorted(cells) for step in cells[key]]


def _heights(cells: dict[tuple[int, int], list[Step]]) -> dict[str, float]:
    """A step's height on the page, roughly: its lane, plus its place down its cell."""
    return {
        step.key: lane + (k + 0.5) / len(cell)
        for (_, lane), cell in cells.items()
        for k, step in enumerate(cell)
    }


def _crossing_estimate(chart: Flowchart, height: dict[str, float]) -> int:
    """Pairs of arrows between neighbouring columns whose ends come in opposite orders, plus
    arrows that run up their own column."""
    by_gap: dict[int, list[tuple[float, float]]] = {}
    themes = {step.key: step.theme.position for step in chart.steps}
    crossings = 0
    for link in chart.links:
        a, b = link.source, link.target
        if themes[a] == themes[b] and height[a] > height[b]:
            crossings += 1  # an arrow up its column reads against the page: count it as a cost
        if abs(themes[a] - themes[b]) != 1:
            continue
        if themes[a] > themes[b]:
            a, b = b, a
        by_gap.setdefault(themes[a], []).append((height[a], height[b]))
    for pairs in by_gap.values():
        seen: list[float] = []
        for _, right in sorted(pairs):
            crossings += len(seen) - bisect_right(seen, right)
            insort(seen, right)
    return crossings


def _mean(values: list[float], default: float) -> float:
    return sum(values) / len(values) if values else default
