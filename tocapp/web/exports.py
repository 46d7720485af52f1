"""Exports of a setting: the documents page, and each document as PDF, Word, SVG or PNG.

Every export is a plain GET link that changes nothing. Each is made for an audience
(``?audience=``): the research team (the default: per voice, pseudonymised), ``leadership`` (the
setting's leadership: staff voices combined), or ``identified`` (real names: owners only, anyone
else gets 403; ``?identified=1`` is the same). ``?round=N`` or ``?round=all`` chooses the rounds of
the all-voices document (the latest by default). ``?paper=a4`` keeps every chart page on A4,
splitting a chart rather than moving it to A3.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from werkzeug.wrappers import Response as BaseResponse

from tocapp.domain.filenames import download_name
from tocapp.domain.people import Audience
from tocapp.exports.chart_pages import DEFAULT_PAPERS
from tocapp.exports.model import ChartFigure, ExportDocument, figures_of
from tocapp.extensions import db
from tocapp.models import Interview, Project, Role, Setting
from tocapp.services import export_data
from tocapp.services.access import load, load_in
from tocapp.services.export_data import ExportOptions, NothingToExport
from tocapp.services.export_jobs import (
    DOCUMENTS,
    export_request,
    file_name,
    load_document,
    steps_drawn,
)
from tocapp.services.voice_read import RoundChoice, parse_round_choice
from tocapp.web import chart_images, database_int
from tocapp.web.acting import audit_later
from tocapp.web.interviews import study_trail
from tocapp.web.report_jobs import start_background_job

bp = Blueprint("exports", __name__)

SETTING_URL = "/studies/<int:project_id>/settings/<int:setting_id>/exports"
INTERVIEW_URL = "/studies/<int:project_id>/interviews/<int:interview_id>/exports"
DOCUMENT_FORMATS = ("pdf", "docx")
IMAGE_FORMATS = ("svg", "png")
PAPER_CHOICES = {"": DEFAULT_PAPERS, "a4": ("A4",), "a3": ("A3",)}


@bp.get(SETTING_URL)
def index(project_id: int, setting_id: int) -> str:
    setting, role = load_in(db.session, current_user, Setting, setting_id, project_id)
    return render_template(
        "exports/index.html",
        setting=setting,
        role=role,
        audience=audience_asked(role),
        chosen_round=_round_choice(),
        available=export_data.available_exports(db.session, setting),
        trail=study_trail(setting.project, setting) + [("Exports", None)],
    )


@bp.get(SETTING_URL + "/flowchart.pdf", defaults={"fmt": "pdf"})
@bp.get(SETTING_URL + "/flowchart.docx", defaults={"fmt": "docx"})
def flowchart(project_id: int, setting_id: int, fmt: str) -> BaseResponse:
    """(a) The leader's flowchart."""
    return _setting_export(project_id, setting_id, fmt, export_data.flowchart_document)


@bp.get(SETTING_URL + "/voices.pdf", defaults={"fmt": "pdf"})
@bp.get(SETTING_URL + "/voices.docx", defaults={"fmt": "docx"})
@bp.get(SETTING_URL + "/voices.svg", defaults={"fmt": "svg"})
@bp.get(SETTING_URL + "/voices.png", defaults={"fmt": "png"})
def voices(project_id: int, setting_id: int, fmt: str) -> BaseResponse:
    """(c) All voices on the setting's chart; as an image, the tally chart alone."""
    return _setting_export(project_id, setting_id, fmt, export_data.voices_document)


@bp.get(SETTING_URL + "/sheet.pdf", defaults={"fmt": "pdf"})
@bp.get(SETTING_URL + "/sheet.docx", defaults={"fmt": "docx"})
def sheet(project_id: int, setting_id: int, fmt: str) -> BaseResponse:
    """(d) The printable annotation sheet."""
    return _setting_export(project_id, setting_id, fmt, export_data.sheet_document)


@bp.get(INTERVIEW_URL + "/annotated.pdf", defaults={"fmt": "pdf"})
@bp.get(INTERVIEW_URL + "/annotated.docx", defaults={"fmt": "docx"})
@bp.get(INTERVIEW_URL + "/annotated.svg", defaults={"fmt": "svg"})
@bp.get(INTERVIEW_URL + "/annotated.png", defaults={"fmt": "png"})
def annotated(project_id: int, interview_id: int, fmt: str) -> BaseResponse:
    """(b) One return interview's annotations; as an image, its annotated chart alone."""
    interview, role = load_in(db.session, current_user, Interview, interview_id, project_id)
    options = _options(role)
    try:
        document = export_data.annotated_document(db.session, interview, options)
    except NothingToExport as error:
        return _nothing(interview.setting, error)
    return _send(document, fmt, ("annotated", interview.id, options))


def _setting_export(
    project_id: int,
    setting_id: int,
    fmt: str,
    build: Callable[..., ExportDocument],
) -> BaseResponse:
    setting, role = load_in(db.session, current_user, Setting, setting_id, project_id)
    options = _options(role)
    try:
        document = build(db.session, setting, options)
    except NothingToExport as error:
        return _nothing(setting, error)
    kind = build.__name__.removesuffix("_document")
    return _send(document, fmt, (kind, setting.id, options))


def _options(role: Role) -> ExportOptions:
    """For the research team unless another audience is asked for; identified for owners only."""
    return ExportOptions(audience=audience_asked(role), rounds=_round_choice())


def audience_asked(role: Role) -> Audience:
    """The audience named in the query string; an identified one only for an owner (else 403)."""
    wanted = request.args.get("audience", "")
    if request.args.get("identified", "") in ("1", "true", "yes"):
        wanted = Audience.IDENTIFIED.value
    try:
        audience = Audience(wanted) if wanted else Audience.RESEARCH
    except ValueError:
        abort(400)
    if audience is Audience.IDENTIFIED and role is not Role.OWNER:
        abort(403)
    if audience is Audience.IDENTIFIED:
        audit_later(
            "export.identified",
            project_id=document_project_id(),
            summary=f"Export with real names: {request.full_path.rstrip('?')}"[:500],
        )
    return audience


def _round_choice() -> RoundChoice:
    return parse_round_choice(request.args.get("round", ""))


def _papers() -> tuple[str, ...]:
    paper = request.args.get("paper", "").lower()
    if paper not in PAPER_CHOICES:
        abort(400)
    return PAPER_CHOICES[paper]


def _send(document: ExportDocument, fmt: str, what: tuple[str, int, ExportOptions]) -> BaseResponse:
    """The document as an attachment named after study, setting, round, voice and date; a PDF
    or Word file of a chart too big to draw within a request is offered as a background job."""
    if fmt in IMAGE_FORMATS:
        figure = _first_figure(document)
        name = download_name(document.title.name_parts, fmt)
        return chart_images.download(figure.chart, fmt, name, figure.annotations)
    papers = _papers()
    steps = steps_drawn(document)
    if steps > current_app.config["EXPORT_IN_REQUEST_MAX_STEPS"]:
        kind, target, options = what
        return Response(
            render_template(
                "exports/build_later.html",
                document=document,
                steps=steps,
                fmt=fmt,
                wanted=export_request(kind, target, options, papers),
                project_id=document_project_id(),
            ),
            status=200,
        )
    if fmt == "pdf":
        from tocapp.exports.pdf import PDF_MEDIA_TYPE, render_pdf  # WeasyPrint loads on first use

        data, media_type = render_pdf(document, chart_images.draw, papers=papers), PDF_MEDIA_TYPE
    else:
        from tocapp.exports.docx import DOCX_MEDIA_TYPE, render_docx

        data, media_type = render_docx(document, chart_images.draw, papers=papers), DOCX_MEDIA_TYPE
    response = Response(data, mimetype=media_type)
    name = download_name(document.title.name_parts, fmt)
    audit_later("export.download", project_id=document_project_id(), summary=name)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"  # exports hold research data
    return response


def document_project_id() -> int:
    return int(request.view_args["project_id"])  # type: ignore[index]


@bp.post("/studies/<int:project_id>/exports/jobs")
def build_later(project_id: int) -> BaseResponse:
    """Start building a big export in the background; its page shows progress and the file."""
    project, role = load(db.session, current_user, Project, project_id)
    fmt = request.form.get("fmt", "")
    kind = request.form.get("export", "")
    target = request.form.get("target", type=database_int)
    if fmt not in DOCUMENT_FORMATS or kind not in DOCUMENTS or target is None:
        abort(400)
    options = _options_from(request.form, role)
    papers = tuple(p for p in request.form.getlist("paper") if p in ("A4", "A3")) or DEFAULT_PAPERS
    try:
        document = load_document(db.session, project, kind, target, options)
    except (LookupError, NothingToExport):
        abort(404)
    return start_background_job(
        project,
        export_request(kind, target, options, papers),
        fmt,
        file_name(document, fmt),
    )


def _options_from(values: Any, role: Role) -> ExportOptions:
    wanted = values.get("audience", "") or Audience.RESEARCH.value
    try:
        audience = Audience(wanted)
    except ValueError:
        abort(400)
    if audience is Audience.IDENTIFIED and role is not Role.OWNER:
        abort(403)
    return ExportOptions(audience=audience, rounds=parse_round_choice(values.get("round", "")))


def _first_figure(document: ExportDocument) -> ChartFigure:
    return figures_of(document)[0]


def _nothing(setting: Setting, error: NothingToExport) -> BaseResponse:
    flash(str(error), "info")
    return redirect(url_for(".index", project_id=setting.project_id, setting_id=setting.id), 303)
