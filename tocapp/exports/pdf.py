"""Exported documents as PDF: Jinja print templates, laid out by WeasyPrint.

The templates live in ``tocapp/templates/exports/pdf`` and are rendered by a Jinja environment of
our own (autoescaping, strict about undefined names), so no request or app context is needed.
WeasyPrint may load only our static files, through :class:`StaticFilesFetcher`; charts are
inline SVG, so nothing else is ever asked for.
"""

from __future__ import annotations

from collections.abc import Sequence

import jinja2

# WeasyPrint ships no type hints; its few entry points used here are checked by the tests.
from weasyprint import HTML  # type: ignore[import-untyped]
from weasyprint.text.fonts import FontConfiguration  # type: ignore[import-untyped]
from weasyprint.urls import URLFetcher  # type: ignore[import-untyped]

from tocapp.exports.chart_connectors import CONNECTORS_NOTE
from tocapp.exports.chart_pages import DEFAULT_PAPERS
from tocapp.exports.charts import DrawChart, DrawnFigure, draw_directly, svg_figure
from tocapp.exports.fetcher import STATIC_BASE_URL, StaticFilesFetcher
from tocapp.exports.model import MARK_MEANINGS, ExportDocument, figures_of

PDF_MEDIA_TYPE = "application/pdf"

_environment = jinja2.Environment(
    loader=jinja2.PackageLoader("tocapp", "templates/exports/pdf"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_environment.globals["MARKS"] = list(MARK_MEANINGS.items())
_environment.globals["connectors_note"] = CONNECTORS_NOTE


def document_html(
    document: ExportDocument,
    draw: DrawChart = draw_directly,
    *,
    papers: Sequence[str] = DEFAULT_PAPERS,
) -> str:
    """The print HTML of a document, charts inline; what WeasyPrint lays out."""
    drawn = drawn_figures(document, draw, papers=papers)
    template = _environment.get_template(f"{document.kind}.html")
    return template.render(document=document, drawn=drawn)


def drawn_figures(
    document: ExportDocument, draw: DrawChart, *, papers: Sequence[str] = DEFAULT_PAPERS
) -> list[DrawnFigure]:
    return [
        svg_figure(figure, draw, papers=papers, id_prefix=f"c{index}-")
        for index, figure in enumerate(figures_of(document))
    ]


def html_to_pdf(html: str, fetcher: URLFetcher | None = None) -> bytes:
    """Lay out print HTML with only our static files reachable; returns the PDF bytes."""
    pdf = HTML(
        string=html,
        base_url=STATIC_BASE_URL,
        url_fetcher=fetcher or StaticFilesFetcher(),
    ).write_pdf(font_config=FontConfiguration())
    assert pdf is not None  # write_pdf returns the bytes when given no target
    return bytes(pdf)


def render_pdf(
    document: ExportDocument,
    draw: DrawChart = draw_directly,
    *,
    papers: Sequence[str] = DEFAULT_PAPERS,
    fetcher: URLFetcher | None = None,
) -> bytes:
    """The document as PDF bytes."""
    return html_to_pdf(document_html(document, draw, papers=papers), fetcher)
