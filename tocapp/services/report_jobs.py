"""Comparison reports built in the background: ask for one, build it in the job worker, fetch it.

A job's row is the single source of truth about it: the page polls it, the worker updates it.
The worker reads the study through a read-only session (on SQLite a deferred ``BEGIN``, so the
long read blocks nobody) and records progress through short transactions of its own.
"""

from __future__ import annotations

import logging
import os
import secrets
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from tocapp.domain.filenames import download_name
from tocapp.models import Project, ReportJob, User
from tocapp.models.base import utcnow
from tocapp.models.sqlite import read_only_sqlite
from tocapp.services.comparison import Choice, build_report

log = logging.getLogger(__name__)

FORMATS = {"pdf": "PDF", "docx": "Word document"}
# A report still "being built" after this long has lost its worker (stopped, or the machine
# restarted): the page says so and offers to try again. The largest benchmarked report takes
# a few minutes (README, Performance).
STALLED_AFTER = timedelta(minutes=30)
STALLED_PROBLEM = (
    "This report has been building for over 30 minutes, so the report worker has probably "
    "stopped. Try again; if it happens again, ask your administrator to check the worker."
)
MEDIA_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def start_report_job(
    session: Session,
    user: User,
    project: Project,
    choice: Choice,
    fmt: str,
    *,
    reports_dir: str | Path,
    keep_days: int,
) -> ReportJob:
    """Record a queued job (flushed, not committed: commit before handing its id to the queue)."""
    if fmt not in FORMATS:
        raise ValueError(f"no comparison report in {fmt!r}")
    prune_old_jobs(session, project, reports_dir=reports_dir, keep_days=keep_days)
    job = ReportJob(
        project=project,
        requested_by=user,
        fmt=fmt,
        choice=choice.as_lists(),
        stage="Waiting for the report worker",
        download_name=download_name(
            [project.title, "comparison", utcnow().date().isoformat()], fmt
        ),
    )
    session.add(job)
    session.flush()
    return job


def recent_jobs(session: Session, project: Project, limit: int = 10) -> list[ReportJob]:
    return list(
        session.scalars(
            select(ReportJob)
            .where(ReportJob.project_id == project.id)
            .order_by(ReportJob.id.desc())
            .limit(limit)
        )
    )


def stalled(job: ReportJob) -> bool:
    started = job.started_at
    return job.state == "running" and started is not None and utcnow() - started > STALLED_AFTER


def report_file(job: ReportJob, reports_dir: str | Path) -> Path | None:
    """The built file, if the job is done and the file is still there."""
    if job.state != "done" or not job.file_name:
        return None
    path = Path(reports_dir) / job.file_name
    return path if path.is_file() else None


def prune_old_jobs(
    session: Session, project: Project, *, reports_dir: str | Path, keep_days: int
) -> int:
    """Forget finished jobs older than ``keep_days`` and delete their files."""
    cutoff = utcnow() - timedelta(days=keep_days)
    old = session.scalars(
        select(ReportJob).where(
            ReportJob.project_id == project.id,
            ReportJob.created_at < cutoff,
            ReportJob.state.in_(("done", "failed")),
        )
    ).all()
    for job in old:
        if job.file_name:
            (Path(reports_dir) / job.file_name).unlink(missing_ok=True)
        session.delete(job)
    return len(old)


def run_report_job(engine: Engine, job_id: int, *, reports_dir: str | Path) -> None:
    """Build one queued report and save it; runs in the job worker (or inline when immediate)."""
    progress = _Progress(engine, job_id)
    started = progress.start()
    if started is None:
        log.info("report job %s is gone or already taken; nothing to do", job_id)
        return
    project_id, fmt, choice = started
    try:
        with Session(read_only_sqlite(engine)) as reader:
            project = reader.get(Project, project_id)
            if project is None:
                raise LookupError("the study has been deleted")
            report = build_report(reader, project, choice, progress.comparing)
        progress.update(progress.total - 1, f"Writing the {FORMATS[fmt]}")
        from tocapp.exports.comparison_document import comparison_document

        data = comparison_document(report, fmt)
        file_name = _save(Path(reports_dir), job_id, fmt, data)
    except Exception:
        log.exception("report job %s failed", job_id)
        progress.fail(
            "The report could not be built; the error has been logged for your administrator. "
            "Try again, or choose fewer settings."
        )
        return
    progress.finish(file_name, len(data))


def _save(folder: Path, job_id: int, fmt: str, data: bytes) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    name = f"report-{job_id}-{secrets.token_hex(8)}.{fmt}"
    partial = folder / (name + ".part")
    partial.write_bytes(data)
    os.replace(partial, folder / name)  # a download never sees half a file
    return name


@dataclass
class _Progress:
    """Writes a job's state in short transactions of its own, beside the long read."""

    engine: Engine
    job_id: int
    total: int = 1

    def start(self) -> tuple[int, str, Choice] | None:
        with Session(self.engine) as session:
            job = session.get(ReportJob, self.job_id)
            if job is None or job.state != "queued":
                return None
            taken = job.project_id, job.fmt, Choice.from_lists(job.choice)
            job.state, job.started_at, job.stage = "running", utcnow(), "Reading the study"
            session.commit()
            return taken

    def comparing(self, done: int, total: int) -> None:
        """build_report's callback: ``total`` is its own steps; one more writes the document."""
        self.total = total + 1
        stage = (
            f"Comparing settings: {done} of {total - 1}" if done < total else "Drawing the charts"
        )
        self.update(done, stage)

    def update(self, done: int, stage: str, **values: object) -> None:
        with Session(self.engine) as session:
            session.execute(
                update(ReportJob)
                .where(ReportJob.id == self.job_id)
                .values(steps_done=done, steps_total=self.total, stage=stage, **values)
            )
            session.commit()

    def fail(self, problem: str) -> None:
        self.update(0, "Failed", state="failed", problem=problem, finished_at=utcnow())

    def finish(self, file_name: str, size: int) -> None:
        self.update(
            self.total,
            "Ready",
            state="done",
            file_name=file_name,
            file_bytes=size,
            finished_at=utcnow(),
        )
