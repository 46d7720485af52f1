"""The study archive: an owner downloads a whole study to move it to another tocapp server, and
anyone logged in imports one as a new study of their own.

Downloading is a GET that changes nothing (its audit entry is written after the request, like
every download's); importing is one service call, so the request wrapper commits the whole new
study or, on any refusal, nothing at all.
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf.file import FileField, FileRequired
from werkzeug.datastructures import FileStorage
from werkzeug.wrappers import Response

from tocapp.domain.errors import DomainError
from tocapp.extensions import db
from tocapp.models import Project, Role
from tocapp.services.access import load_in
from tocapp.services.archive import import_study, study_archive
from tocapp.services.archive_read import MAX_ARCHIVE_BYTES
from tocapp.web.acting import acting_user, audit_later
from tocapp.web.forms.base import Form

bp = Blueprint("archives", __name__)


class ImportForm(Form):
    archive = FileField(
        "Study archive (.zip)",
        validators=[FileRequired(message="Choose the study archive (a .zip file) to import.")],
        render_kw={"accept": ".zip,application/zip"},
    )


def _owned(project_id: int) -> Project:
    project, _ = load_in(db.session, current_user, Project, project_id, project_id, Role.OWNER)
    return project


@bp.get("/studies/<int:project_id>/archive/options")
def options(project_id: int) -> str:
    """The choice between a pseudonymised and an identified archive, with what each holds."""
    return render_template("archives/options.html", project=_owned(project_id))


@bp.get("/studies/<int:project_id>/archive")
def download(project_id: int) -> Response | tuple[str, int]:
    project = _owned(project_id)
    identified = request.args.get("identified") == "1"
    try:
        data = study_archive(db.session, project, identified)
    except DomainError as error:
        return render_template("archives/options.html", project=project, problem=str(error)), 400
    kind = "identified" if identified else "pseudonymised"
    audit_later(
        "study.archive",
        project_id=project.id,
        object_type="projects",
        object_id=project.id,
        summary=f"Archive downloaded ({kind})",
    )
    name = f"tocapp-study-{project.id}-{date.today().isoformat()}-{kind}.zip"
    response = Response(data, mimetype="application/zip")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"  # interview notes: keep no copy on the way
    return response


@bp.route("/studies/import", methods=["GET", "POST"])
def import_archive() -> Response | tuple[str, int]:
    form = ImportForm()
    problem = ""
    if form.validate_on_submit():
        try:
            project = import_study(db.session, acting_user(), _read(form.archive.data))
        except DomainError as error:
            problem = str(error)
        else:
            flash(f"The study “{project.title}” has been imported. You are its owner.", "success")
            return redirect(url_for("studies.show", project_id=project.id), 303)
    limit = current_app.config.get("MAX_CONTENT_LENGTH") or MAX_ARCHIVE_BYTES
    page = render_template(
        "archives/import.html", form=form, problem=problem, limit_mb=max(1, limit // 2**20)
    )
    return page, 400 if form.is_submitted() else 200


def _read(upload: FileStorage) -> bytes:
    """At most one byte more than the service accepts, so a larger file is refused unread
    (MAX_CONTENT_LENGTH normally refuses it before it arrives)."""
    return upload.stream.read(MAX_ARCHIVE_BYTES + 1)
