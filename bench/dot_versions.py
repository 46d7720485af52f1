"""Making a chart's DOT with this checkout beside another, asked in turn, on a shared machine.

Run with ``.venv/bin/python bench/dot_versions.py OTHER_CHECKOUT [--rounds 40] [--warm-text]``,
e.g. after ``git worktree add /tmp/before HEAD~3``.

Each checkout runs in a worker process of its own that has made every chart once; then the
workers are asked in turn, round after round (the order flipping each round), to make the DOT of
the synthetic charts of ``bench/render_flowchart.py`` (three of each size: 10, 40, 80 and 200
steps; 200 every third round). By default each worker forgets its measured words first, as every
request does (``text_fit.forget``). It prints per size the median and the fastest round of each,
and their ratio: on a loaded machine the fastest round is the steadier figure. A layout change
that should not change the drawings can be checked with ``tests/render/test_drawings_pinned.py``.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
from pathlib import Path

SIZES = (10, 40, 80, 200)
WORKER = r"""
import sys, time
root = sys.argv[1]
sys.path[:0] = [root + "/bench", root]
from render_flowchart import synthetic_chart
from tocapp.render import flowchart_to_dot, text_fit
charts = {n: [synthetic_chart(n, seed) for seed in range(3)] for n in (10, 40, 80, 200)}
for made in charts.values():
    for chart in made:
        flowchart_to_dot(chart)
print("ready", flush=True)
for line in sys.stdin:
    size, forget = line.split()
    total = 0.0
    for chart in charts[int(size)]:
        if forget == "1":
            text_fit.forget()
        start = time.perf_counter()
        flowchart_to_dot(chart)
        total += time.perf_counter() - start
    print(total / 3 * 1000, flush=True)
"""


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("other", type=Path, help="the other checkout (e.g. a git worktree)")
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--warm-text", action="store_true", help="keep measured words")
    args = parser.parse_args()
    roots = {"this": str(Path(__file__).resolve().parents[1]), "other": str(args.other.resolve())}
    workers = {
        name: subprocess.Popen(
            [sys.executable, "-c", WORKER, root],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for name, root in roots.items()
    }
    for worker in workers.values():
        assert worker.stdout is not None and worker.stdout.readline().strip() == "ready"
    times: dict[tuple[str, int], list[float]] = {(n, s): [] for n in workers for s in SIZES}
    forget = "0" if args.warm_text else "1"
    for round_number in range(args.rounds):
        for size in SIZES:
            if size == 200 and round_number % 3:
                continue
            names = list(workers) if round_number % 2 == 0 else list(reversed(workers))
            for name in names:
                worker = workers[name]
                assert worker.stdin is not None and worker.stdout is not None
                worker.stdin.write(f"{size} {forget}\n")
                worker.stdin.flush()
                times[(name, size)].append(float(worker.stdout.readline()))
    for worker in workers.values():
        assert worker.stdin is not None
        worker.stdin.close()
        worker.wait()
    print(f"Making the DOT, ms a chart: this checkout beside {roots['other']}")
    print("| steps | this: median (fastest) | other: median (fastest) | this ÷ other, fastest |")
    print("|---:|---:|---:|---:|")
    for size in SIZES:
        mine, theirs = times[("this", size)], times[("other", size)]
        print(
            f"| {size} | {statistics.median(mine):.2f} ({min(mine):.2f}) "
            f"| {statistics.median(theirs):.2f} ({min(theirs):.2f}) "
            f"| {min(mine) / min(theirs):.2f} |"
        )


if __name__ == "__main__":
    main()
