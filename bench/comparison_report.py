"""How the comparison report grows with a study: 2, 10 and 50 settings × 3 rounds × 8 voices ×
30 steps. Prints the time of each part and per setting, to show the growth is about linear.

    .venv/bin/python bench/comparison_report.py
"""

from __future__ import annotations

import csv
import io
import random
import time
from dataclasses import dataclass
from datetime import date

from tocapp.domain.comparison import (
    CSV_COLUMNS,
    SettingRound,
    mark_counts,
    mark_moves,
    setting_matrix,
    tidy_rows,
)
from tocapp.domain.theory import Flowchart, Step, Theme
from tocapp.domain.voices import Mark, VoiceLayer
from tocapp.exports.comparison_docx import comparison_docx
from tocapp.services.comparison import _charts

GROUPS = ("Staff", "Children", "Parents")
ROLES = ("Headteacher", "Teacher", "Teaching assistant", "SENCo")


def study(settings: int, seed: int = 1) -> list[SettingRound]:
    rng = random.Random(seed)
    sources = []
    for s in range(settings):
        steps = tuple(
            Step(
                f"{s}-{i}",
                list(Theme)[i % 3],
                ("Staff", "Children", "Parents")[i % 3],
                f"Step {i}",
                lineage=f"L{i}",
            )
            for i in range(30)
        )
        chart = Flowchart(f"S{s}", ("Staff", "Children", "Parents"), steps, ())
        for r in (2, 3, 4):
            voices = tuple(
                VoiceLayer(
                    f"{s}-{r}-{v}",
                    ROLES[v % len(ROLES)],
                    v == 0,
                    {st.key: rng.choice(list(Mark)) for st in steps if rng.random() < 0.6},
                )
                for v in range(8)
            )
            sources.append(SettingRound(f"S{s:02d}", r, f"Round {r}", 1, chart, voices))
    return sources


@dataclass
class FakeReport:
    project_title: str
    generated_on: date
    settings: list[str]
    rounds: list[str]
    roles: list[str]
    matrices: list
    counts: dict
    charts: list
    moves: list
    versions: list
    coverage: list


def timed(fn):
    start = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - start


def write_csv(sources: list[SettingRound]) -> int:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS)
    rows = tidy_rows(sources)
    writer.writerows(rows)
    return len(rows)


def compare(sources: list[SettingRound]) -> tuple[list, dict, list]:  # type: ignore[type-arg]
    return [setting_matrix(s) for s in sources], mark_counts(sources), mark_moves(sources)


def main() -> None:
    print("settings    rows  compare s  charts s   csv s  docx s  total/setting ms")
    for n in (2, 10, 50):
        sources = study(n)
        (matrices, counts, moves), t_compare = timed(lambda s=sources: compare(s))
        charts, t_charts = timed(lambda c=counts: _charts(c))
        rows, t_csv = timed(lambda s=sources: write_csv(s))
        report = FakeReport(
            "Bench",
            date.today(),
            [f"S{i}" for i in range(n)],
            ["2", "3", "4"],
            list(ROLES),
            matrices,
            counts,
            charts,
            moves,
            [],
            [],
        )
        _, t_docx = timed(lambda r=report: comparison_docx(r))
        total = t_compare + t_charts + t_csv + t_docx
        print(
            f"{n:>8} {rows:>7} {t_compare:>10.3f} {t_charts:>9.3f} {t_csv:>7.3f} "
            f"{t_docx:>7.2f} {1000 * total / n:>17.1f}"
        )


if __name__ == "__main__":
    main()
