"""The comparison report as PDF: the page's own report sections, laid out by WeasyPrint.

Rendered from the same macros as the web page (``templates/comparisons/_report.html``) by a
Jinja environment of our own, so no Flask app or request is needed: the job worker and the tests
call it as they are. Nothing about the person asking can reach the document, and rendering never
touches the database: the report is plain data (:mod:`tocapp.exports.comparison_model`).
"""

from __future__ import annotations

import jinja2

from tocapp.domain.comparison import MARK_COLUMNS, cell_text
from tocapp.exports.comparison_model import ComparisonReport
from tocapp.exports.pdf import html_to_pdf

_environment = jinja2.Environment(
    loader=jinja2.PackageLoader("tocapp", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
)
_environment.globals["cell_text"] = cell_text


def comparison_html(report: ComparisonReport) -> str:
    """The print HTML of the report, charts inline; what WeasyPrint lays out."""
    template = _environment.get_template("comparisons/print.html")
    return template.render(report=report, marks=MARK_COLUMNS)


def comparison_pdf(report: ComparisonReport) -> bytes:
    return html_to_pdf(comparison_html(report))


def comparison_document(report: ComparisonReport, fmt: str) -> bytes:
    """The report as ``pdf`` or ``docx`` bytes."""
    if fmt == "pdf":
        return comparison_pdf(report)
    if fmt == "docx":
        from tocapp.exports.comparison_docx import comparison_docx

        return comparison_docx(report)
    raise ValueError(f"no comparison document in {fmt!r}")
