"""The DOT of a fixed set of charts, pinned by its digest.

Speed work on the layout (sifting, routing, writing the DOT) must give the very same drawings;
the other tests check properties (no arrow through a box, no more crossings than the arranged
order ...), which a change can keep while moving every box. A change to the drawings made on
purpose updates ``DIGEST`` in the same commit, with the reason in its message.
"""

from __future__ import annotations

import hashlib
import random

from tests.render.helpers import synthetic_chart
from tests.render.test_layout_fuzz import CHARTS
from tocapp.domain.theory import Flowchart
from tocapp.domain.voices import Mark
from tocapp.render import flowchart_to_dot
from tocapp.render.annotations import Annotations, LinkDecoration, StepDecoration

DIGEST = "8f9245c824de3fe5e8c542d082bd3b6820058f0a2c6bacedf1e2c1d312fa566f"


def _annotated(seed: int) -> tuple[Flowchart, Annotations]:
    rng = random.Random(1000 + seed)
    chart = synthetic_chart(10 + seed * 7, 12 + seed * 9, seed=seed)
    marks = [*Mark, None]
    steps = {
        step.key: StepDecoration(
            mark=rng.choice(marks),
            tally=rng.choice(["", "Head ✓ · TA ✗ · Teacher ◐"]),
            divergent=rng.random() < 0.3,
            note_numbers=tuple(range(rng.randrange(3))),
        )
        for step in chart.steps
        if rng.random() < 0.6
    }
    links = {
        (link.source, link.target): LinkDecoration(
            badge=rng.choice(["", "3", "Teacher 2 · TA 1"]),
            note_numbers=tuple(range(rng.randrange(2))),
        )
        for link in chart.links
        if rng.random() < 0.5
    }
    return chart, Annotations(steps=steps, links=links)


def test_the_drawings_of_these_charts_are_as_pinned() -> None:
    digest = hashlib.sha256()
    # The densest of the fuzz charts (most arrows per step), then every fifth one.
    dense = sorted(CHARTS, key=lambda c: -len(c.links) / max(len(c.steps), 1))[:10]
    for chart in [*dense, *CHARTS[::5]]:
        digest.update(flowchart_to_dot(chart).encode())
    for seed in range(12):
        chart, annotations = _annotated(seed)
        digest.update(flowchart_to_dot(chart, annotations).encode())
    assert digest.hexdigest() == DIGEST, (
        "The drawings changed. If that is intended, set DIGEST to " + digest.hexdigest()
    )
