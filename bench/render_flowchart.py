"""How long drawing a flowchart takes, and how much of that is ours rather than Graphviz's.

Run with ``python bench/render_flowchart.py [--runs 15]``. For synthetic charts of 10, 40, 80 and
200 steps it runs, alternately in the same process after warming each up: our full path
(flowchart_to_dot + render_dot to SVG), ``dot -Tsvg`` alone on the same DOT, and three cache hits —
with the DOT already known, from the chart by laying it out again to find its DOT (how pages were
cached before), and from the chart by its data key (``render.drawing_key``, how pages are cached
now). It prints each one's median (min–max) in ms and the ratios.
"""

from __future__ import annotations

import argparse
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
from tocapp.render.drawing_key import drawing_key  # noqa: E402

SIZES = (10, 40, 80, 200)
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


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def alternate(actions: dict[str, Callable[[], object]], runs: int) -> dict[str, list[float]]:
    """Each action ``runs`` times, taking turns, after three warm-up rounds."""
    for _ in range(3):
        for action in actions.values():
            action()
    samples: dict[str, list[float]] = {name: [] for name in actions}
    for _ in range(runs):
        for name, action in actions.items():
            samples[name].append(timed(action))
    return samples


def ms(samples: list[float], digits: int = 1) -> str:
    return (
        f"{statistics.median(samples) * 1000:.{digits}f} "
        f"({min(samples) * 1000:.{digits}f}–{max(samples) * 1000:.{digits}f})"
    )


def raw_dot(source: str) -> bytes:
    return subprocess.run(
        ["dot", "-Tsvg"], input=source.encode(), capture_output=True, check=True
    ).stdout


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=15)
    runs = parser.parse_args().runs
    print(f"median (min–max) in ms of {runs} alternating runs after warming up\n")
    print(
        "| steps | arrows | ours | `dot -Tsvg` alone | ours ÷ dot | hit, DOT known "
        "| hit, laid out again | hit, data key | dot ÷ data-key hit | DOT kB | SVG kB |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as directory:
        cache = RenderCache(directory)
        for size in SIZES:
            chart = synthetic_chart(size)
            source = flowchart_to_dot(chart)
            svg = cache.get_or_render(source, "svg")
            key = drawing_key(chart, None, "svg")
            cache.get_or_make(key, "svg", lambda svg=svg: svg)
            samples = alternate(
                {
                    "ours": lambda chart=chart: render_dot(flowchart_to_dot(chart), "svg"),
                    "dot": lambda source=source: raw_dot(source),
                    "hit": lambda source=source: cache.get_or_render(source, "svg"),
                    "laid out": lambda chart=chart: cache.get_or_render(
                        flowchart_to_dot(chart), "svg"
                    ),
                    "keyed": lambda chart=chart: cache.read(drawing_key(chart, None, "svg"), "svg"),
                },
                runs,
            )
            median = {name: statistics.median(values) for name, values in samples.items()}
            print(
                f"| {size} | {len(chart.links)} | {ms(samples['ours'])} | {ms(samples['dot'])} "
                f"| {median['ours'] / median['dot']:.2f} | {ms(samples['hit'], 2)} "
                f"| {ms(samples['laid out'])} | {ms(samples['keyed'], 2)} "
                f"| {median['dot'] / median['keyed']:.0f} "
                f"| {len(source) / 1000:.1f} | {len(svg) / 1000:.1f} |"
            )


if __name__ == "__main__":
    main()
