"""How long drawing a flowchart takes, and how much of that is ours rather than Graphviz's.

Run with ``python bench/render_flowchart.py``. For synthetic charts of 10, 40, 80 and 200 steps it
prints: our full path (flowchart_to_dot + render_dot to SVG), ``dot -Tsvg`` alone on the same
DOT, their ratio, and a lookup in a warm RenderCache. Times are the median of several runs.
"""

from __future__ import annotations

import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tocapp.domain.theory import Flowchart, Link, Step, Theme  # noqa: E402 (path set above)
from tocapp.render import RenderCache, flowchart_to_dot, render_dot  # noqa: E402

SIZES = (10, 40, 80, 200)
RUNS = 5
GROUPS = ("Staff", "Children", "Parents")
WORDS = [
    "children",
    "staff",
    "parents",
    "talk",
    "listen",
    "coaching",
    "video",
    "training",
    "audit",
    "language",
    "communication",
    "confidence",
    "vocabulary",
    "stories",
    "questions",
    "thinking",
    "time",
    "practice",
    "reflection",
    "classroom",
]


def synthetic_chart(step_count: int, seed: int = 0) -> Flowchart:
    """Steps spread over themes and groups; about 1.25 arrows per step, mostly one column on."""
    rng = random.Random(seed)
    themes = list(Theme)
    steps = [
        Step(
            f"k{i}",
            themes[i % 3],
            rng.choices(GROUPS, weights=(5, 4, 2))[0],
            " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 22))).capitalize(),
        )
        for i in range(step_count)
    ]
    by_theme = {t: [s.key for s in steps if s.theme is t] for t in themes}
    links: dict[tuple[str, str], Link] = {}
    target_count = step_count * 5 // 4
    while len(links) < target_count:
        source_theme = rng.choice(themes[:2])
        next_theme = themes[source_theme.position + 1]
        target_theme = next_theme if rng.random() < 0.8 else rng.choice(themes)
        source = rng.choice(by_theme[source_theme])
        target = rng.choice(by_theme[target_theme])
        if source != target:
            label = "because staff see it work" if rng.random() < 0.2 else ""
            links.setdefault((source, target), Link(source, target, label))
    return Flowchart(f"Synthetic {step_count}", GROUPS, tuple(steps), tuple(links.values()))


def median_seconds(action: Callable[[], object]) -> float:
    samples = []
    for _ in range(RUNS):
        started = time.perf_counter()
        action()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def raw_dot(source: str) -> bytes:
    return subprocess.run(
        ["dot", "-Tsvg"], input=source.encode(), capture_output=True, check=True
    ).stdout


def main() -> None:
    header = (
        f"{'steps':>5} {'arrows':>6} {'ours (ms)':>10} {'dot alone (ms)':>15} "
        f"{'ratio':>6} {'cache hit (ms)':>15} {'DOT+hit (ms)':>13} {'DOT kB':>7} {'SVG kB':>7}"
    )
    print(header)
    print("-" * len(header))
    with tempfile.TemporaryDirectory() as directory:
        cache = RenderCache(directory)
        for size in SIZES:
            chart = synthetic_chart(size)
            source = flowchart_to_dot(chart)
            ours = median_seconds(lambda: render_dot(flowchart_to_dot(chart), "svg"))  # noqa: B023
            alone = median_seconds(lambda: raw_dot(source))  # noqa: B023
            svg = cache.get_or_render(source, "svg")
            hit = median_seconds(lambda: cache.get_or_render(source, "svg"))  # noqa: B023
            chart_hit = median_seconds(
                lambda: cache.get_or_render(flowchart_to_dot(chart), "svg")  # noqa: B023
            )
            print(
                f"{size:>5} {len(chart.links):>6} {ours * 1000:>10.1f} {alone * 1000:>15.1f} "
                f"{ours / alone:>6.2f} {hit * 1000:>15.2f} {chart_hit * 1000:>13.1f} "
                f"{len(source) / 1000:>7.1f} {len(svg) / 1000:>7.1f}"
            )
    print(
        "\nours = flowchart_to_dot + render_dot (svg); dot alone = `dot -Tsvg` on the same DOT;"
        "\ncache hit = get_or_render with the DOT already known; DOT+hit = from the chart."
    )


if __name__ == "__main__":
    main()
