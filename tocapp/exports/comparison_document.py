"""The comparison report as PDF: the page's own report sections, laid out by WeasyPrint.

Rendered with the app's templates (the same macros as the web page), so it needs an app context
but no request: the job worker calls it too. The template is rendered without Flask's context
processors, so nothing about the person asking (the logged-in user) can reach the document, and
rendering never touches the database.
"""

from __future__ import annotations

from typing import Any

from flask import current_app

from tocapp.domain.comparison import MARK_COLUMNS
from tocapp.exports.pdf import html_to_pdf


def comparison_html(report: Any) -> str:
    template = current_app.jinja_env.get_template("comparisons/print.html")
    return template.render(report=report, marks=MARK_COLUMNS)


def comparison_pdf(report: Any) -> bytes:
    return html_to_pdf(comparison_html(report))


def comparison_document(report: Any, fmt: str) -> bytes:
    """The report as ``pdf`` or ``docx`` bytes."""
    if fmt == "pdf":
        return comparison_pdf(report)
    if fmt == "docx":
        from tocapp.exports.comparison_docx import comparison_docx

        return comparison_docx(report)
    raise ValueError(f"no comparison document in {fmt!r}")
