"""The study's comparison report: choose settings, rounds and roles; read it, or download it as
CSV (tidy rows), PDF or Word. The choice lives in the query string, so a report is bookmarkable."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from contextlib import suppress
from itertools import islice
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from markupsafe import Markup
from werkzeug.datastructures import MultiDict

from tocapp.domain.comparison import CSV_COLUMNS, MARK_COLUMNS, each_tidy_row
from tocapp.domain.filenames import download_name
from tocapp.domain.people import Audience
from tocapp.extensions import db
from tocapp.models import Project, Role
from tocapp.render.csv_cells import safe_rows
from tocapp.services.access import load
from tocapp.services.comparison import (
    Choice,
    available_roles,
    build_report,
    chosen_rounds,
    comparison_size,
)
from tocapp.services.report_jobs import FORMATS, MEDIA_TYPES, recent_jobs
from tocapp.web import database_int
from tocapp.web.acting import audit_later
from tocapp.web.interviews import study_trail
from tocapp.web.kept_html import kept_html

bp = Blueprint("comparisons", __name__)

URL = "/studies/<int:project_id>/comparison"


def choice_from(values: MultiDict[str, str]) -> Choice:
    """The settings, rounds and roles named in a query string or form (none named: all)."""
    return Choice.from_lists(
        {
            "setting": _ids(values.getlist("setting")),
            "round": _ids(values.getlist("round")),
            "role": [v for v in values.getlist("role") if v],
            **({"detail": values.getlist("detail")} if "detail" in values else {}),
            **({"audience": values.getlist("audience")[-1:]} if "audience" in values else {}),
        }
    )


def _ids(values: Iterable[str]) -> list[int]:
    """The ids among a query's values; anything else (a word, a number too big) is left out."""
    ids = []
    for value in values:
        with suppress(ValueError):
            ids.append(database_int(value))
    return ids


def allowed_choice(choice: Choice, role: Role) -> Choice:
    """The choice, if this member may have its audience: an identified report is owners' only."""
    if choice.audience is Audience.IDENTIFIED and role is not Role.OWNER:
        abort(403)
    if choice.audience is Audience.IDENTIFIED:
        audit_later(
            "export.identified",
            project_id=int(request.view_args["project_id"]),  # type: ignore[index]
            summary=f"Comparison with real names: {request.full_path.rstrip('?')}"[:500],
        )
    return choice


def page_limit(choice: Choice) -> int:
    """Setting × round matrices one page may show: fewer with step-by-step detail."""
    limit = int(current_app.config["COMPARISON_PAGE_MAX"])
    return limit if choice.detail else limit * 4


def _choice(role: Role) -> Choice:
    return allowed_choice(choice_from(request.args), role)


@bp.get(URL)
def show(project_id: int) -> str:
    project, role = load(db.session, current_user, Project, project_id)
    choice = _choice(role)
    size, limit = comparison_size(project, choice), page_limit(choice)
    # Too much for one page (it would run into the server's timeout): ask to narrow the choice
    # or build the report in the background instead.
    report = _report_html(project, choice) if size <= limit else None
    return render_template(
        "comparisons/show.html",
        project=project,
        choice=choice,
        report=report,
        size=size,
        limit=limit,
        shown_rounds=[r.number for r in chosen_rounds(project, choice)],
        roles=available_roles(project),
        marks=MARK_COLUMNS,
        query=request.query_string.decode(),
        jobs=recent_jobs(db.session, project),
        can_identify=role is Role.OWNER,
        formats=FORMATS,
        trail=study_trail(project),
    )


def _report_html(project: Project, choice: Choice) -> Markup:
    """The report part of the page, kept as HTML under the study's revision and the choice
    (``web.kept_html``): a repeat view reads one file instead of every chosen setting's voices."""

    def make() -> str:
        report = build_report(db.session, project, choice)
        return render_template("comparisons/_report_body.html", report=report, marks=MARK_COLUMNS)

    if choice.audience is Audience.IDENTIFIED:
        # Real names stay off the disk.
        return Markup(make())
    return kept_html("comparison", project.id, choice.as_lists(), make)


@bp.get(URL + ".csv")
def csv_download(project_id: int) -> Response:
    project, role = load(db.session, current_user, Project, project_id)
    report = build_report(db.session, project, _choice(role), with_charts=False)
    parts = [project.title, "comparison", report.generated_on.isoformat()]
    name = download_name([*parts, *_audience_part(report.audience)], "csv")
    audit_later("export.download", project_id=project.id, summary=name)
    return Response(
        _csv_chunks(each_tidy_row(report.sources)),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.get(URL + ".pdf", defaults={"fmt": "pdf"})
@bp.get(URL + ".docx", defaults={"fmt": "docx"})
def document(project_id: int, fmt: str) -> Any:
    """The report as PDF (WeasyPrint, our static files only) or Word, built in the request.

    The page's buttons use a background job instead (web/report_jobs.py); these addresses suit
    scripts and small studies. A choice too big for the page goes back to the page, which offers
    the background build.
    """
    from tocapp.exports.comparison_document import comparison_document

    project, role = load(db.session, current_user, Project, project_id)
    choice = _choice(role)
    if comparison_size(project, choice) > page_limit(choice):
        return redirect(url_for(".show", project_id=project_id, **choice.as_lists()), 303)
    report = build_report(db.session, project, choice, with_charts=False)  # drawn as PNG
    data = comparison_document(report, fmt)
    parts = [project.title, "comparison", report.generated_on.isoformat()]
    name = download_name([*parts, *_audience_part(report.audience)], fmt)
    audit_later("export.download", project_id=project.id, summary=name)
    return Response(
        data,
        mimetype=MEDIA_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _csv_chunks(rows: Iterable[dict[str, str]], per_chunk: int = 1000) -> Iterator[bytes]:
    """The CSV a thousand rows at a time, each made as it is sent: not held whole, as rows or
    as text."""
    out = io.StringIO()
    out.write("\ufeff")  # a byte-order mark, so Excel reads the file as UTF-8
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    rows = iter(rows)
    while chunk := list(islice(rows, per_chunk)):
        writer.writerows(safe_rows(chunk))
        yield out.getvalue().encode("utf-8")
        out.seek(0)
        out.truncate()
    if out.tell():
        yield out.getvalue().encode("utf-8")


def _audience_part(audience: Audience) -> list[str]:
    return [] if audience is Audience.RESEARCH else [audience.value]
