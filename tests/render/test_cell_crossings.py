"""Sifting prices a cell's orders with plain lists where the cell has few arrows and with numpy's
arrays where it has many: both must count exactly the same, on every kind of chart."""

from __future__ import annotations

import random

import numpy as np
import pytest

from tests.render.test_layout_fuzz import CHARTS
from tocapp.domain.theory import Flowchart, ordered_steps
from tocapp.render import cell_crossings
from tocapp.render.cell_crossings import CellCrossings
from tocapp.render.gap_crossings import CrossingModel


def _cells(chart: Flowchart) -> list[list[str]]:
    lanes = {g: i for i, g in enumerate(chart.lane_groups())}
    cells: dict[tuple[int, int], list[str]] = {}
    for step in ordered_steps(chart.steps, chart.lane_groups()):
        cells.setdefault((step.theme.position, lanes[step.group]), []).append(step.key)
    return [cell for cell in cells.values() if len(cell) >= 2]


@pytest.mark.parametrize("seed", range(0, len(CHARTS), 3))
@pytest.mark.parametrize("lists_up_to", [-1, 24, 10**9])
def test_lists_and_arrays_price_every_cell_alike(
    seed: int, lists_up_to: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    chart = CHARTS[seed]
    if not chart.links:
        return
    # Every cell priced by pair_costs itself (which picks its way by the arrows it finds):
    # all with numpy, the app's mix, or all with lists; numpy's own counts are the reference.
    monkeypatch.setattr(cell_crossings, "LISTS_UP_TO", lists_up_to)
    rng = random.Random(seed)
    for middle_loops in (True, False):
        model = CrossingModel(chart, ordered_steps(chart.steps, chart.lane_groups()), middle_loops)
        crossings = CellCrossings(model)
        # Random heights, with many ties (several steps at the same height).
        heights = [
            np.array([rng.randrange(6) + rng.randrange(4) / 4 for _ in model.index])
            for _ in range(2)
        ]
        for h in heights:
            for cell in _cells(chart):
                members = [model.index[key] for key in cell]
                rng.shuffle(members)
                cost, loops, counts = cell_crossings._with_arrays(
                    model, np.array(members, dtype=np.int64), h
                )
                priced = crossings.pair_costs(members, h)
                assert priced == (cost.tolist(), loops, counts.tolist())


def test_a_cell_with_many_arrows_is_priced_with_arrays_and_one_with_few_with_lists(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    chart = max(CHARTS, key=lambda c: len(c.links))
    model = CrossingModel(chart, ordered_steps(chart.steps, chart.lane_groups()))
    crossings = CellCrossings(model)
    cell = max(_cells(chart), key=len)
    members = [model.index[key] for key in cell]
    h = np.arange(len(model.index), dtype=float)
    arrows = {a for step in members for a in crossings.at.get(step, ())}
    assert len(arrows) > cell_crossings.LISTS_UP_TO
    used: list[str] = []
    real_lists, real_arrays = crossings._with_lists, cell_crossings._with_arrays
    monkeypatch.setattr(crossings, "_with_lists", lambda *a: used.append("lists") or real_lists(*a))
    monkeypatch.setattr(
        cell_crossings, "_with_arrays", lambda *a: used.append("arrays") or real_arrays(*a)
    )
    crossings.pair_costs(members, h)
    crossings.pair_costs(members[:2], h)
    assert used == ["arrays", "lists"]
