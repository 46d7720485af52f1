"""How long the comparison report takes as a study grows: settings × 3 return rounds × 8 voices ×
30 steps, built in a real SQLite database. For each size it times what a user waits for: the
comparison page (HTML), the CSV, and the PDF and Word background jobs (each from the POST to the
finished file, reading the study included; also a summary PDF without each setting's matrix).

Method: each size is first run once through (warm-up: imports, fonts, the chart cache), then
``--repeat`` rounds, each timing the baseline — the comparison alone (reading the study and
comparing the voices) — then every measured request, so slow and fast spells of the machine fall on
both alike. Figures are medians with (min–max). For each job it also reports the time spent
writing the document (from the progress update "Writing the …" to the finished file: the rest is
reading the study and comparing), the CPU time it took in this process and in the PDF process (on
a shared machine, the figure the load does not stretch), and the largest gap between two progress
updates; for the PDF job
the peak memory of the process that laid the PDF out (a child of this one) and this process's own
memory after it, to show nothing is kept.

    .venv/bin/python bench/comparison_report.py                       # 2, 10 and 50 settings
    .venv/bin/python bench/comparison_report.py --settings 50 --repeat 3
    .venv/bin/python bench/comparison_report.py --settings 50 --only summary   # and the baseline
    .venv/bin/python bench/comparison_report.py --settings 50 --only summary --cold-charts
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from sqlalchemy import select  # noqa: E402
from synthetic_study import build_study  # noqa: E402

from tocapp import create_app  # noqa: E402
from tocapp.extensions import db  # noqa: E402
from tocapp.models import Project, ReportJob, User  # noqa: E402
from tocapp.render import render_cache  # noqa: E402
from tocapp.services import report_progress  # noqa: E402
from tocapp.services.comparison import Choice, build_report  # noqa: E402
from tocapp.services.schedules import ensure_built_in_schedules  # noqa: E402
from tocapp.services.users import create_user  # noqa: E402

EMAIL = "bench@tocapp.example"
PASSWORD = "violet-harbour-lantern-93"  # not guessable from the e-mail (the password rule)
JOBS = {
    "pdf": {"fmt": "pdf"},
    "docx": {"fmt": "docx"},
    "summary": {"fmt": "pdf", "detail": "off"},  # without each setting's matrix
}


def timed(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def cpu_seconds(who: int) -> float:
    """User and system CPU time of this process (RUSAGE_SELF) or its ended children."""
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def rss_mb(field: str = "VmRSS") -> float:
    """This process's memory now (VmRSS) or at its peak (VmHWM), from /proc."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def spread(values: list[float], digits: int = 1) -> str:
    """Median (min–max)."""
    low, middle, high = min(values), statistics.median(values), max(values)
    return f"{middle:.{digits}f} ({low:.{digits}f}–{high:.{digits}f})"


def main(
    sizes: list[int], repeat: int, only: list[str] | None = None, cold_charts: bool = False
) -> None:
    folder = Path(tempfile.mkdtemp(prefix="tocapp-bench-"))
    app = create_app(
        {
            "SECRET_KEY": "bench",
            "PROPAGATE_EXCEPTIONS": True,
            "WTF_CSRF_ENABLED": False,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.sqlite'}",
            "RENDER_CACHE_DIR": str(folder / "render-cache"),
            "REPORTS_DIR": str(folder / "reports"),
            "JOBS_QUEUE": "immediate",  # the job runs inside the POST, so the POST times it
        }
    )
    with app.app_context():
        db.create_all()
        ensure_built_in_schedules(db.session)
        create_user(db.session, None, EMAIL, "Bench", PASSWORD)
        db.session.commit()
    # Requests run outside any app context of ours, each in its own, as under a real server.
    client = app.test_client()
    client.post("/login", data={"email": EMAIL, "password": PASSWORD})

    # Every progress update of a job, timed: the largest gap is how long the bar stands still.
    updates: list[float] = []
    writing_from: list[float] = []  # when the job began writing its document
    real_update = report_progress.JobProgress.update

    def update_and_time(self: Any, done: int, stage: str, **values: object) -> int:
        updates.append(time.perf_counter())
        if stage.startswith("Writing the") and not writing_from:
            writing_from.append(updates[-1])
        return real_update(self, done, stage, **values)

    report_progress.JobProgress.update = update_and_time  # type: ignore[method-assign]

    print(f"SQLite database in {folder}; medians (min–max) of {repeat} rounds after a warm-up")
    for n in sizes:
        with app.app_context():
            owner = db.session.scalars(select(User).where(User.email == EMAIL)).one()
            project_id = build_study(db.session, owner, n).id
            db.session.commit()
        url = f"/studies/{project_id}/comparison"
        details: dict[str, Any] = {}

        def compare(pid: int = project_id) -> None:
            with app.app_context():  # a fresh session: the study is read from the database
                build_report(db.session, db.session.get(Project, pid), Choice())

        def get(suffix: str, u: str = url) -> None:
            response = client.get(u + suffix)
            assert response.status_code == 200
            response.get_data()  # a streamed CSV is timed to its last row

        def job(name: str, u: str = url, details: dict[str, Any] = details) -> None:
            updates.clear()
            writing_from.clear()
            if cold_charts:  # as after marks change: every chart is drawn anew
                render_cache.empty(folder / "render-cache")
            cpu = cpu_seconds(resource.RUSAGE_SELF), cpu_seconds(resource.RUSAGE_CHILDREN)
            response = client.post(u + "/reports", data=JOBS[name])
            finished = time.perf_counter()
            details.setdefault(name + " cpu", []).append(
                (
                    cpu_seconds(resource.RUSAGE_SELF) - cpu[0],
                    cpu_seconds(resource.RUSAGE_CHILDREN) - cpu[1],
                )
            )
            assert response.status_code == 303
            with app.app_context():
                row = db.session.scalars(
                    select(ReportJob).order_by(ReportJob.id.desc()).limit(1)
                ).one()
                assert row.state == "done", row.problem
                details[name] = (row.file_bytes, row.steps_total)
            gaps = [b - a for a, b in zip(updates, updates[1:], strict=False)]
            details.setdefault(name + " gap", []).append(max(gaps, default=0.0))
            details.setdefault(name + " writing", []).append(finished - writing_from[0])
            if name == "pdf":
                details.setdefault("rss after", []).append(rss_mb())

        measured: dict[str, Callable[[], None]] = {
            "compare": compare,
            "page": lambda: get(""),
            "csv": lambda: get(".csv"),
            **{name: (lambda name=name: job(name)) for name in JOBS},
        }
        if only:  # the baseline always, and what was asked for
            measured = {k: fn for k, fn in measured.items() if k == "compare" or k in only}
        for fn in measured.values():  # warm-up
            fn()
        details.clear()
        times: dict[str, list[float]] = {name: [] for name in measured}
        for _ in range(repeat):
            for name, fn in measured.items():  # the baseline (compare) first in every round
                times[name].append(timed(fn))
        base = statistics.median(times["compare"])
        print(f"\n{n} settings ({n * 8} voices in the round shown × 30 steps)")
        for name, values in times.items():
            ratio = statistics.median(values) / base
            print(f"  {name:<8} {spread(values, 2):>24} s   {ratio:5.1f}× compare")
        for name in JOBS:
            if name not in measured:
                continue
            size, steps = details[name]
            writing = details[name + " writing"]
            share = statistics.median(w / t for w, t in zip(writing, times[name], strict=True))
            worker, child = zip(*details[name + " cpu"], strict=True)
            print(
                f"  {name} job: {size / 1e6:.1f} MB; writing the document {spread(writing, 2)} s "
                f"({share:.0%} of the job); CPU {spread(list(worker), 2)} s in this process and "
                f"{spread(list(child), 2)} s in the PDF process; largest gap between progress "
                f"updates {spread(details[name + ' gap'])} s"
            )
        child_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        after = details.get("rss after")
        print(
            f"  memory: PDF process peak {child_peak:.0f} MB (largest so far); this process "
            + (f"{spread(after, 0)} MB after each full PDF job, " if after else "")
            + f"peak {rss_mb('VmHWM'):.0f} MB",
            flush=True,
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--settings", nargs="+", type=int, default=[2, 10, 50], help="settings per study"
    )
    parser.add_argument("--repeat", type=int, default=3, help="timed rounds after the warm-up")
    parser.add_argument(
        "--cold-charts",
        action="store_true",
        help="empty the render cache before each document job, as after marks change",
    )
    parser.add_argument(
        "--only",
        nargs="+",
        choices=["page", "csv", *JOBS],
        help="time only these (beside the baseline, comparing alone); default: all",
    )
    args = parser.parse_args()
    main(args.settings, args.repeat, args.only, args.cold_charts)
