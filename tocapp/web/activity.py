"""A study's Activity page: its audit trail for the owners, filtered and paged, and as CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from flask import Blueprint, Response, render_template, request, stream_with_context
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField
from wtforms.validators import Optional

from tocapp.domain.filenames import download_name
from tocapp.extensions import db
from tocapp.models import Project, Role
from tocapp.render.csv_cells import spreadsheet_safe
from tocapp.services import activity
from tocapp.services.access import load
from tocapp.web import begin_read_only, database_int
from tocapp.web.acting import audit_later

bp = Blueprint("activity", __name__)


class ActivityFilterForm(FlaskForm):  # type: ignore[misc]  # Flask-WTF is untyped
    """The filters, read from the query string (a GET changes nothing, so no CSRF token)."""

    class Meta:
        csrf = False

    person = SelectField("Person", coerce=str, validators=[Optional()])
    kind = SelectField("Kind", validators=[Optional()])
    since = DateField("From", validators=[Optional()])
    until = DateField("To", validators=[Optional()])


def _filters(project: Project) -> tuple[ActivityFilterForm, activity.ActivityFilter]:
    form = ActivityFilterForm(request.args)
    people = activity.people_in_trail(db.session, project.id)
    form.person.choices = [("", "Everyone"), *((str(i), name) for i, name in people)]
    form.kind.choices = [("", "Every kind"), *activity.kind_choices()]
    if not form.validate():
        return form, activity.ActivityFilter()
    person = form.person.data or ""
    return form, activity.ActivityFilter(
        user_id=int(person) if person.isdigit() else None,
        kind=form.kind.data or "",
        since=form.since.data,
        until=form.until.data,
    )


@bp.get("/studies/<int:project_id>/activity")
def show(project_id: int) -> Any:
    project, _ = load(db.session, current_user, Project, project_id, Role.OWNER)
    form, flt = _filters(project)
    before = request.args.get("before", type=database_int)
    page = activity.activity_page(db.session, project.id, flt, before)
    query = {k: v for k, v in request.args.items() if k != "before" and v}
    status = 400 if form.errors else 200
    return render_template(
        "activity/show.html",
        project=project,
        form=form,
        page=page,
        query=query,
        first=before is None,
    ), status


@bp.get("/studies/<int:project_id>/activity.csv")
def csv_download(project_id: int) -> Response:
    project, _ = load(db.session, current_user, Project, project_id, Role.OWNER)
    _, flt = _filters(project)
    name = download_name([project.title, "activity"], "csv")
    project_id = project.id  # the rows stream after the request's transaction has ended
    audit_later(
        "export.download",
        project_id=project.id,
        object_type="projects",
        object_id=project.id,
        summary="Activity (audit trail) CSV downloaded",
    )

    def lines() -> Iterator[str]:
        begin_read_only()  # the request's transaction has ended: read on without a write lock
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        yield "\ufeff"  # a byte-order mark, so Excel reads the file as UTF-8
        writer.writerow(activity.CSV_HEADER)
        for entry in activity.activity_rows(db.session, project_id, flt):
            writer.writerow([spreadsheet_safe(str(v)) for v in activity.csv_row(entry)])
            if out.tell() > 64_000:
                yield out.getvalue()
                out.seek(0)
                out.truncate()
        yield out.getvalue()

    return Response(
        stream_with_context(lines()),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
