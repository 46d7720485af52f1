"""Comparison reports built in the background: ask for one, build it in the job worker, fetch it.

A job's row is the single source of truth about it: the page polls it, the worker updates it.
The worker reads the study through a read-only session (on SQLite a deferred ``BEGIN``, so the
long read blocks nobody) and records progress through short transactions of its own
(:mod:`tocapp.services.report_progress`).
"""

from __future__ import annotations

import errno
import logging
import os
import secrets
import socket
from contextlib import nullcontext
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from tocapp.domain.filenames import download_name
from tocapp.models import Project, ReportJob, User
from tocapp.models.base import utcnow
from tocapp.models.sqlite import read_only_sqlite
from tocapp.services import audit
from tocapp.services.after_commit import delete_after_commit
from tocapp.services.comparison import Choice, build_report
from tocapp.services.report_progress import (
    READING_SHARE,
    WORD_READING_SHARE,
    JobProgress,
    failed_columns,
)

log = logging.getLogger(__name__)

FORMATS = {"pdf": "PDF", "docx": "Word document"}
# A report that has not moved for this long has lost its worker (stopped, restarted, or its queue
# emptied): the page says so and offers to try again. A running report records progress at least
# once per setting and, writing a PDF, every second or so.
STALLED_AFTER = timedelta(minutes=30)
STALLED_PROBLEM = (
    "This report has not moved for over 30 minutes, so the report worker has probably "
    "stopped. Try again; if it happens again, ask your administrator to check the worker."
)
EXPIRED_PROBLEM = (
    "This report's file has been deleted: reports are kept for a limited time. Build it again."
)
WITHDRAWN_PROBLEM = (
    "A participant has withdrawn consent since this report was built, so it is no longer "
    "available. Build it again: the new one follows their wishes."
)
INTERRUPTED_PROBLEM = "The report worker was stopped while building this report. Try again."
QUEUE_PROBLEM = (
    "The report could not be queued: the job queue did not answer. Try again in a minute; "
    "if it happens again, ask your administrator to check the queue."
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
) -> tuple[ReportJob, bool]:
    """Record a queued job (flushed, not committed: commit before handing its id to the queue).

    If the same report (study, format, choice) is already waiting or being built, that job is
    returned instead, with False: a double click never builds it twice.
    """
    if fmt not in FORMATS:
        raise ValueError(f"no comparison report in {fmt!r}")
    # The worker also cleans up hourly, but with JOBS_QUEUE=immediate there is no worker.
    prune_old_jobs(session, project, reports_dir=reports_dir, keep_days=keep_days)
    wanted = choice.as_lists()
    for existing in session.scalars(
        select(ReportJob).where(
            ReportJob.project_id == project.id,
            ReportJob.fmt == fmt,
            ReportJob.state.in_(("queued", "running")),
        )
    ):
        if existing.choice == wanted and not stalled(existing):
            return existing, False
    job = ReportJob(
        project=project,
        requested_by=user,
        fmt=fmt,
        choice=wanted,
        stage="Waiting for the report worker",
        download_name=download_name(
            [project.title, "comparison", utcnow().date().isoformat()], fmt
        ),
    )
    session.add(job)
    session.flush()
    audit.record(
        session,
        user,
        "report.request",
        project_id=project.id,
        target=job,
        summary=f"Comparison report ({fmt.upper()}) asked for",
        changes={"choice": [None, wanted]},
    )
    return job, True


EXPORT_KEY = "export"  # in a job's choice: the export document it builds, not a comparison


def start_export_job(
    session: Session,
    user: User,
    project: Project,
    wanted: dict[str, list[int | str]],
    fmt: str,
    name: str,
) -> tuple[ReportJob, bool]:
    """Record a queued export job (a big document); the same one still waiting is returned."""
    for existing in session.scalars(
        select(ReportJob).where(
            ReportJob.project_id == project.id,
            ReportJob.fmt == fmt,
            ReportJob.state.in_(("queued", "running")),
        )
    ):
        if existing.choice == wanted and not stalled(existing):
            return existing, False
    job = ReportJob(
        project=project,
        requested_by=user,
        fmt=fmt,
        choice=wanted,
        stage="Waiting for the report worker",
        download_name=name,
    )
    session.add(job)
    session.flush()
    audit.record(
        session,
        user,
        "report.request",
        project_id=project.id,
        target=job,
        summary=f"{name} asked for",
        changes={"choice": [None, wanted]},
    )
    return job, True


def could_not_queue(job: ReportJob) -> None:
    """The queue refused the job: say so on its page rather than leave it waiting for ever."""
    for column, value in failed_columns(QUEUE_PROBLEM).items():
        setattr(job, column, value)


LOST_WORKER_PROBLEM = (
    "The report worker stopped while building this report, so it was not finished. "
    "Try again: it will be built from the start."
)


def fail_jobs_of_dead_workers(session: Session) -> int:
    """At a worker's start: jobs left "running" by a process of this host that no longer runs
    are marked failed (their page offers to try again). Other hosts' jobs are left alone."""
    host = socket.gethostname()
    lost = 0
    for job in session.scalars(select(ReportJob).where(ReportJob.state == "running")):
        job_host, _, pid = job.worker.rpartition(":")
        if job_host != host or not pid.isdigit() or _process_alive(int(pid)):
            continue
        for name, value in failed_columns(LOST_WORKER_PROBLEM).items():
            setattr(job, name, value)
        lost += 1
    session.flush()
    return lost


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive
    return True


def withdraw_built_reports(
    session: Session, project: Project, reports_dir: str | Path | None = None
) -> int:
    """Stop serving the study's built reports; with ``reports_dir``, their files are deleted as
    soon as this transaction commits (else at the next clean-up). Returns how many."""
    # Jobs still waiting or being built are withdrawn too: they may have read the words already.
    done = list(
        session.scalars(
            select(ReportJob).where(
                ReportJob.project_id == project.id,
                ReportJob.state.in_(("done", "queued", "running")),
            )
        )
    )
    for job in done:
        for name, value in failed_columns(WITHDRAWN_PROBLEM, stage="Withdrawn").items():
            setattr(job, name, value)
        if reports_dir is not None and job.file_name:
            delete_after_commit(session, [Path(reports_dir) / job.file_name])
            job.file_name = ""
    session.flush()
    return len(done)


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
    """Waiting or running, but nothing has happened to it for ``STALLED_AFTER``."""
    return not job.finished and utcnow() - job.updated_at > STALLED_AFTER


def report_file(job: ReportJob, reports_dir: str | Path, keep_days: int) -> Path | None:
    """The built file, if the job is done, not yet expired, and the file is still there."""
    if job.state != "done" or not job.file_name:
        return None
    if job.finished_at and utcnow() - job.finished_at > timedelta(days=keep_days):
        return None  # expired: the periodic clean-up will delete it
    path = Path(reports_dir) / job.file_name
    return path if path.is_file() else None


def prune_old_jobs(
    session: Session, project: Project | None, *, reports_dir: str | Path, keep_days: int
) -> int:
    """Forget jobs older than ``keep_days`` (of one study, or of all) and delete their files.

    Runs when a study's next report is asked for, and every hour in the job worker.
    """
    cutoff = utcnow() - timedelta(days=keep_days)
    query = select(ReportJob).where(ReportJob.created_at < cutoff)
    if project is not None:
        query = query.where(ReportJob.project_id == project.id)
    old = session.scalars(query).all()
    # The files go once the rows are gone for good: a failed commit leaves both in place.
    delete_after_commit(session, [Path(reports_dir) / j.file_name for j in old if j.file_name])
    for job in old:
        session.delete(job)
    # Files of reports that failed after being built (withdrawn) are never served: delete them.
    stale = select(ReportJob).where(ReportJob.state == "failed", ReportJob.file_name != "")
    if project is not None:
        stale = stale.where(ReportJob.project_id == project.id)
    for job in session.scalars(stale):
        delete_after_commit(session, [Path(reports_dir) / job.file_name])
        job.file_name = ""
    return len(old)


def run_report_job(
    engine: Engine, job_id: int, *, reports_dir: str | Path, draw: Any = None
) -> None:
    """Build one queued report (or big export, drawing its charts with ``draw``) and save it;
    runs in the job worker (or inline when immediate)."""
    progress = JobProgress(engine, job_id)
    started = progress.start()
    if started is None:
        log.info("report job %s is gone or already taken; nothing to do", job_id)
        return
    project_id, fmt, lists = started
    try:
        with Session(read_only_sqlite(engine)) as reader:
            project = reader.get(Project, project_id)
            if project is None:
                raise LookupError("the study has been deleted")
            if EXPORT_KEY in lists:
                # A large export (a chart too big to draw in a request): one step, then the file.
                progress.advance(0.5, f"Drawing the chart and writing the {FORMATS[fmt]}")
                from tocapp.services.export_jobs import build_export

                data = build_export(reader, project, fmt, lists, draw)
            else:
                choice = Choice.from_lists(lists)
                data = _comparison_document(reader, project, choice, fmt, progress)
        path = _save(Path(reports_dir), job_id, fmt, data)
    except ReportStorageError as error:
        log.exception("report job %s could not be saved", job_id)
        progress.fail(str(error))
        return
    except Exception:
        log.exception("report job %s failed", job_id)
        progress.fail(
            "The report could not be built; the error has been logged for your administrator. "
            "Try again, or choose fewer settings."
        )
        return
    try:
        kept = progress.finish(path.name, len(data))
    except Exception:
        log.exception("report job %s was built but could not be marked done", job_id)
        kept = False
        progress.fail("The report was built but could not be saved. Try again.")
    if not kept:
        path.unlink(missing_ok=True)  # the job was deleted meanwhile, or could not be told


def _comparison_document(
    reader: Session, project: Project, choice: Choice, fmt: str, progress: JobProgress
) -> bytes:
    """Read and compare the study, then write the document. A PDF's child process is started
    first, so that it imports WeasyPrint (most of a second) while the study is read."""
    from tocapp.exports import comparison_document as document

    progress.reading_share = READING_SHARE.get((fmt, choice.detail), WORD_READING_SHARE)
    with document.pdf_process_started() if fmt == "pdf" else nullcontext() as process:
        # Both documents draw their charts as PNG themselves: no SVG to draw here.
        report = build_report(reader, project, choice, progress.comparing, with_charts=False)
        pages = document.estimated_pages(report) if fmt == "pdf" else 0
        progress.writing_started(FORMATS[fmt], pages)
        with document.reporting_progress(progress.writing, process):
            return document.comparison_document(report, fmt)


def mark_interrupted(engine: Engine, job_id: int) -> None:
    """The worker stopped mid-build (SIGTERM, a second Ctrl+C): the page offers to try again."""
    with Session(engine) as session:
        session.execute(
            update(ReportJob)
            .where(ReportJob.id == job_id, ReportJob.state.in_(("queued", "running")))
            .values(**failed_columns(INTERRUPTED_PROBLEM))
        )
        session.commit()


class ReportStorageError(Exception):
    """The report was built but the reports folder would not take it; says what is wrong."""


def _save(folder: Path, job_id: int, fmt: str, data: bytes) -> Path:
    """Write the file under a temporary name and rename it into place, so a download never sees
    half a file; if the disk refuses, nothing is left behind and the error says why."""
    name = f"report-{job_id}-{secrets.token_hex(8)}.{fmt}"
    partial = folder / (name + ".part")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        partial.write_bytes(data)
        os.replace(partial, folder / name)
    except OSError as error:
        partial.unlink(missing_ok=True)
        raise ReportStorageError(_storage_problem(error)) from error
    return folder / name


def _storage_problem(error: OSError) -> str:
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        return (
            "The report was built, but the reports folder is full, so it could not be saved. "
            "Ask whoever runs tocapp to free some space, then try again."
        )
    if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return (
            "The report was built, but the reports folder cannot be written to (it is "
            "read-only, or its permissions are wrong). Ask whoever runs tocapp to fix it."
        )
    return (
        "The report was built but could not be saved in the reports folder; the error has been "
        "logged for whoever runs tocapp. Try again later."
    )
