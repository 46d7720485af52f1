"""How long the comparison report takes as a study grows: 2, 10 and 50 settings × 3 return rounds
× 8 voices × 30 steps, built in a real SQLite database. For each size it prints what a user waits
for: the comparison page (HTML), the CSV, and the PDF and Word background jobs (each timed from the
POST to the finished file, reading the study included; also a summary PDF without each setting's
matrix), plus per-setting figures, to show the growth is about linear. The baseline is the
comparison alone (reading the study, comparing the voices and drawing the charts); the page's
ratio is its time over that.

    .venv/bin/python bench/comparison_report.py [sizes…]      # default: 2 10 50
"""

from __future__ import annotations

import argparse
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
from tocapp.services.comparison import Choice, build_report  # noqa: E402
from tocapp.services.schedules import ensure_built_in_schedules  # noqa: E402
from tocapp.services.users import create_user  # noqa: E402

EMAIL = "bench@tocapp.example"
PASSWORD = "bench-password-1"


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    start = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - start


def main(sizes: list[int]) -> None:
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

    print(f"SQLite database in {folder}")
    print(
        "settings  voices×steps  compare s  page s   csv s   pdf s  word s  summary pdf s  "
        "pdf MB  page/compare  pdf ms/setting  word ms/setting"
    )
    for n in sizes:
        with app.app_context():
            owner = db.session.scalars(select(User).where(User.email == EMAIL)).one()
            project_id = build_study(db.session, owner, n).id
            db.session.commit()

        def compare(pid: int = project_id) -> Any:
            with app.app_context():  # a fresh session: the study is read from the database
                return build_report(db.session, db.session.get(Project, pid), Choice())

        report, t_compare = timed(compare)
        url = f"/studies/{project_id}/comparison"
        page, t_page = timed(lambda u=url: client.get(u))
        csv, t_csv = timed(lambda u=url: client.get(u + ".csv"))
        assert page.status_code == 200 and csv.status_code == 200
        file_bytes, times = {}, {}
        jobs = {
            "pdf": {"fmt": "pdf"},
            "docx": {"fmt": "docx"},
            "summary": {"fmt": "pdf", "detail": "off"},  # without each setting's matrix
        }
        for name, form in jobs.items():
            response, times[name] = timed(lambda u=url, f=form: client.post(u + "/reports", data=f))
            assert response.status_code == 303
            with app.app_context():
                job = db.session.scalars(
                    select(ReportJob).order_by(ReportJob.id.desc()).limit(1)
                ).one()
                assert job.state == "done", job.problem
                file_bytes[name] = job.file_bytes
        voices = sum(len(m.voices) for m in report.matrices)
        steps = sum(len(m.rows) for m in report.matrices) // max(len(report.matrices), 1)
        print(
            f"{n:>8} {voices:>6}×{steps:<6} {t_compare:>9.2f} {t_page:>7.2f} {t_csv:>7.2f} "
            f"{times['pdf']:>7.1f} {times['docx']:>7.1f} {times['summary']:>14.1f} "
            f"{file_bytes['pdf'] / 1e6:>7.1f} "
            f"{t_page / t_compare:>13.1f} {1000 * times['pdf'] / n:>15.0f} "
            f"{1000 * times['docx'] / n:>16.0f}",
            flush=True,
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "sizes", nargs="*", type=int, default=[2, 10, 50], help="settings per study (2 10 50)"
    )
    main(parser.parse_args().sizes)
