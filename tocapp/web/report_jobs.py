"""Comparison reports built in the background: start one, watch its progress, download it.

Starting commits the job's row *before* queueing it, so the worker (or, when ``JOBS_QUEUE`` is
``immediate``, the job run inline in its own app context and session) always finds it.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user

from tocapp.extensions import db
from tocapp.jobs import job_queue
from tocapp.models import Project, ReportJob
from tocapp.models.base import utcnow
from tocapp.services.access import load, load_in
from tocapp.services.comparison import Choice, chosen_rounds
from tocapp.services.report_jobs import (
    EXPIRED_PROBLEM,
    EXPORT_KEY,
    FORMATS,
    MEDIA_TYPES,
    STALLED_PROBLEM,
    could_not_queue,
    prune_old_jobs,
    report_file,
    stalled,
    start_export_job,
    start_report_job,
)
from tocapp.web.acting import audit_later
from tocapp.web.comparisons import allowed_choice, choice_from
from tocapp.web.interviews import study_trail

log = logging.getLogger(__name__)

bp = Blueprint("report_jobs", __name__)

URL = "/studies/<int:project_id>/comparison/reports"
# A queued job that has waited this long probably has no worker: the page says so.
WORKER_HINT_AFTER_SECONDS = 30


@bp.post(URL)
def start(project_id: int) -> Any:
    project, role = load(db.session, current_user, Project, project_id)
    fmt = request.form.get("fmt", "")
    if fmt not in FORMATS:
        abort(400, description=f"Choose a PDF or Word report, not {fmt!r}.")
    config = current_app.config
    job, new = start_report_job(
        db.session,
        current_user,
        project,
        allowed_choice(choice_from(request.form), role),
        fmt,
        reports_dir=config["REPORTS_DIR"],
        keep_days=config["REPORT_JOBS_KEEP_DAYS"],
    )
    return _queue(job, new)


def start_background_job(
    project: Project, wanted: dict[str, list[int | str]], fmt: str, name: str
) -> Response:
    """Record and queue a big export (web/exports.py decides which are big)."""
    config = current_app.config
    prune_old_jobs(
        db.session,
        project,
        reports_dir=config["REPORTS_DIR"],
        keep_days=config["REPORT_JOBS_KEEP_DAYS"],
    )
    job, new = start_export_job(db.session, current_user, project, wanted, fmt, name)
    return _queue(job, new)


def _queue(job: ReportJob, new: bool) -> Any:
    job_id, project_id = job.id, job.project_id
    db.session.commit()  # the worker must find the row: commit before queueing
    if new:
        try:
            job_queue().enqueue_report(job_id)
        except Exception:
            log.exception("could not queue report job %s", job_id)
            could_not_queue(db.session.get(ReportJob, job_id))
    return redirect(url_for("report_jobs.show", project_id=project_id, job_id=job_id), 303)


@bp.get(URL + "/<int:job_id>")
def show(project_id: int, job_id: int) -> str:
    job, role = load_in(db.session, current_user, ReportJob, job_id, project_id)
    project = job.project
    choice = allowed_choice(Choice.from_lists(job.choice), role)
    export = EXPORT_KEY in job.choice
    back = (
        ("Exports", None)
        if export
        else ("Comparison", url_for("comparisons.show", project_id=project.id, **choice.as_lists()))
    )
    return render_template(
        "comparisons/job.html",
        project=project,
        job=job,
        status=status_of(job),
        choice=choice,
        export=export,
        described=describe(project, choice),
        formats=FORMATS,
        hint_after=WORKER_HINT_AFTER_SECONDS,
        trail=study_trail(project) + [back],
    )


@bp.get(URL + "/<int:job_id>.json")
def status(project_id: int, job_id: int) -> Response:
    job, role = load_in(db.session, current_user, ReportJob, job_id, project_id)
    allowed_choice(Choice.from_lists(job.choice), role)
    return jsonify(status_of(job))


@bp.get(URL + "/<int:job_id>/download")
def download(project_id: int, job_id: int) -> Response:
    job, role = load_in(db.session, current_user, ReportJob, job_id, project_id)
    allowed_choice(Choice.from_lists(job.choice), role)
    config = current_app.config
    path = report_file(job, config["REPORTS_DIR"], config["REPORT_JOBS_KEEP_DAYS"])
    if path is None:
        abort(404)
    audit_later(
        "report.download",
        project_id=project_id,
        object_type="report_jobs",
        object_id=job.id,
        summary=job.download_name,
    )
    return send_file(
        path, mimetype=MEDIA_TYPES[job.fmt], as_attachment=True, download_name=job.download_name
    )


def status_of(job: ReportJob) -> dict[str, Any]:
    """What the job page shows, as the page's script polls for it."""
    config = current_app.config
    ready = job.state == "done" and bool(
        report_file(job, config["REPORTS_DIR"], config["REPORT_JOBS_KEEP_DAYS"])
    )
    expired = job.state == "done" and not ready
    lost = stalled(job)
    return {
        "state": job.state,
        "steps_done": job.steps_done,
        "steps_total": job.steps_total,
        "stage": job.stage,
        "problem": STALLED_PROBLEM if lost else EXPIRED_PROBLEM if expired else job.problem,
        # Offer "Try again": the build failed, lost its worker, or its file has gone.
        "retry": job.state == "failed" or lost or expired,
        "waited_seconds": int((utcnow() - job.created_at).total_seconds()),
        "download_url": url_for(".download", project_id=job.project_id, job_id=job.id)
        if ready
        else None,
        "file_bytes": job.file_bytes if ready else None,
    }


def describe(project: Project, choice: Choice) -> dict[str, str]:
    """The choice in words: setting codes, round numbers and roles rather than ids."""
    settings = [
        s.code for s in project.settings if not choice.setting_ids or s.id in choice.setting_ids
    ]
    rounds = [f"Round {r.number}" for r in chosen_rounds(project, choice)]
    return {
        "settings": ", ".join(settings) or "none",
        "rounds": ", ".join(rounds) or "none",
        "roles": ", ".join(sorted(choice.roles)) if choice.roles else "every role",
        "sections": "everything" if choice.detail else "a summary, without the step-by-step detail",
        "audience": choice.audience.label,
    }
