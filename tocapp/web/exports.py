"""Exports of a setting: the documents page, and each document as PDF, Word, SVG or PNG.

Every export is a plain GET link that changes nothing. Exports are pseudonymised; an owner may
add ``?identified=1`` for one with real names (anyone else gets 403). ``?paper=a4`` keeps every
chart page on A4, splitting a chart rather than moving it to A3.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response as BaseResponse

from tocapp.domain.filenames import download_name
from tocapp.exports.chart_pages import DEFAULT_PAPERS
from tocapp.exports.model import ChartFigure, ExportDocument, figures_of
from tocapp.extensions import db
from tocapp.models import Interview, Role, Setting
from tocapp.services import export_data
from tocapp.services.access import load_in
from tocapp.services.export_data import ExportOptions, NothingToExport
from tocapp.web import chart_images
from tocapp.web.interviews import study_trail

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
    return _send(document, fmt)


def _setting_export(
    project_id: int,
    setting_id: int,
    fmt: str,
    build: Callable[..., ExportDocument],
) -> BaseResponse:
    setting, role = load_in(db.session, current_user, Setting, setting_id, project_id)
    try:
        document = build(db.session, setting, _options(role))
    except NothingToExport as error:
        return _nothing(setting, error)
    return _send(document, fmt)


def _options(role: Role) -> ExportOptions:
    """Pseudonymised unless an owner asks for an identified export."""
    identified = request.args.get("identified", "") in ("1", "true", "yes")
    if identified and role is not Role.OWNER:
        abort(403)
    return ExportOptions(identified=identified)


def _papers() -> tuple[str, ...]:
    paper = request.args.get("paper", "").lower()
    if paper not in PAPER_CHOICES:
        abort(400)
    return PAPER_CHOICES[paper]


def _send(document: ExportDocument, fmt: str) -> BaseResponse:
    """The document as an attachment named after study, setting, round, voice and date."""
    if fmt in IMAGE_FORMATS:
        figure = _first_figure(document)
        name = download_name(document.title.name_parts, fmt)
        return chart_images.download(figure.chart, fmt, name, figure.annotations)
    papers = _papers()
    if fmt == "pdf":
        from tocapp.exports.pdf import PDF_MEDIA_TYPE, render_pdf  # WeasyPrint loads on first use

        data, media_type = render_pdf(document, chart_images.draw, papers=papers), PDF_MEDIA_TYPE
    else:
        from tocapp.exports.docx import DOCX_MEDIA_TYPE, render_docx

        data, media_type = render_docx(document, chart_images.draw, papers=papers), DOCX_MEDIA_TYPE
    response = Response(data, mimetype=media_type)
    name = download_name(document.title.name_parts, fmt)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"  # exports hold research data
    return response


def _first_figure(document: ExportDocument) -> ChartFigure:
    return figures_of(document)[0]


def _nothing(setting: Setting, error: NothingToExport) -> BaseResponse:
    flash(str(error), "info")
    return redirect(url_for(".index", project_id=setting.project_id, setting_id=setting.id), 303)
