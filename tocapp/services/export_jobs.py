"""Exports too big to build inside a request (a chart of many steps drawn at print resolution)
are built by the job worker instead, like comparison reports: the request records what to build
(``export_request``), the worker builds it (``build_export``) and the job page offers the file."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from tocapp.domain.filenames import download_name
from tocapp.domain.people import Audience
from tocapp.exports.chart_pages import DEFAULT_PAPERS
from tocapp.exports.model import ExportDocument, figures_of
from tocapp.models import Interview, Project, Setting
from tocapp.services import export_data
from tocapp.services.export_data import ExportOptions
from tocapp.services.voice_read import RoundChoice

SETTING_DOCUMENTS = ("flowchart", "voices", "sheet")
DOCUMENTS = (*SETTING_DOCUMENTS, "annotated")
Draw = Callable[..., bytes]


def steps_drawn(document: ExportDocument) -> int:
    """How big a document's charts are: the measure that decides where it is built."""
    return max((len(f.chart.steps) for f in figures_of(document)), default=0)


def export_request(
    document: str, target_id: int, options: ExportOptions, papers: tuple[str, ...]
) -> dict[str, list[int | str]]:
    """What a job records to build this export later (plain JSON)."""
    wanted: dict[str, list[int | str]] = {
        "export": [document],
        "target": [target_id],
        "audience": [options.audience.value],
        "paper": list(papers),
    }
    if options.rounds is not None:
        wanted["round"] = [options.rounds]
    return wanted


def build_export(
    session: Session, project: Project, fmt: str, wanted: dict[str, Any], draw: Draw
) -> bytes:
    """The export a job asked for, as PDF or Word bytes, read from ``session``."""
    document_kind = str(wanted["export"][0])
    target_id = int(wanted["target"][0])
    rounds: RoundChoice = wanted["round"][0] if wanted.get("round") else None
    options = ExportOptions(audience=Audience(str(wanted["audience"][0])), rounds=rounds)
    papers = tuple(str(p) for p in wanted.get("paper", [])) or DEFAULT_PAPERS
    document = load_document(session, project, document_kind, target_id, options)
    if fmt == "pdf":
        from tocapp.exports.pdf import render_pdf

        return render_pdf(document, draw, papers=papers)
    from tocapp.exports.docx import render_docx

    return render_docx(document, draw, papers=papers)


def load_document(
    session: Session, project: Project, kind: str, target_id: int, options: ExportOptions
) -> ExportDocument:
    """The document of this kind about this setting (or interview), within this study."""
    if kind == "annotated":
        interview = session.get(Interview, target_id)
        if interview is None or interview.setting.project_id != project.id:
            raise LookupError("the interview is gone")
        return export_data.annotated_document(session, interview, options)
    setting = session.get(Setting, target_id)
    if kind not in SETTING_DOCUMENTS or setting is None or setting.project_id != project.id:
        raise LookupError("the setting is gone")
    build: Callable[..., ExportDocument] = getattr(export_data, f"{kind}_document")
    return build(session, setting, options)


def file_name(document: ExportDocument, fmt: str) -> str:
    return download_name(document.title.name_parts, fmt)
