"""Long charts (60+ steps) stay legible: a bigger page, or parts cut between boxes."""

from __future__ import annotations

import io
from datetime import date

from docx import Document

from tests.exports.helpers import pdf_page_sizes, pdf_text, pixel_variance, save_pages_as_png
from tests.render.helpers import synthetic_chart
from tocapp.exports.chart_pages import MIN_SCALE, MM
from tocapp.exports.charts import draw_directly, svg_figure
from tocapp.exports.docx import render_docx
from tocapp.exports.model import ChartFigure, FlowchartDocument, TitleBlock
from tocapp.exports.pdf import render_pdf

A3_PORTRAIT = (297 * MM, 420 * MM)
A4_LANDSCAPE = (297 * MM, 210 * MM)


def long_document(steps: int = 80) -> FlowchartDocument:
    chart = synthetic_chart(steps, steps * 5 // 4)
    title = TitleBlock(
        "Leader's flowchart", (("Study", "Synthetic"), ("Setting", "BIG")), date(2026, 9, 1)
    )
    return FlowchartDocument(title, ChartFigure(chart, "BIG flowchart, version 1"), ())


def same_size(a: tuple[float, float], b: tuple[float, float]) -> bool:
    return abs(a[0] - b[0]) < 1.5 and abs(a[1] - b[1]) < 1.5


def test_an_80_step_chart_is_split_over_a3_pages_at_a_readable_scale():
    document = long_document()
    drawn = svg_figure(document.figure, draw_directly)
    assert drawn.plan is not None and drawn.plan.is_split
    assert drawn.plan.scale >= MIN_SCALE  # step text 11 pt × scale ≥ 8 pt

    pdf = render_pdf(document)
    sizes = pdf_page_sizes(pdf)
    chart_pages = [s for s in sizes if same_size(s, A3_PORTRAIT)]
    assert len(chart_pages) == len(drawn.parts) >= 2
    text = pdf_text(pdf)
    assert all(step.text in text for step in document.figure.chart.steps)
    assert f"part 1 of {len(drawn.parts)}" in text and "continues on the next page" in text
    for page in save_pages_as_png(pdf, "long-80-steps", pages=4, dpi=30)[1:]:
        assert pixel_variance(page) > 50


def test_on_a4_only_the_same_chart_takes_more_a4_landscape_parts():
    document = long_document()
    a3 = svg_figure(document.figure, draw_directly)
    a4 = svg_figure(document.figure, draw_directly, papers=("A4",))
    assert a4.plan is not None and a4.plan.paper == "A4" and a4.plan.landscape
    assert len(a4.parts) > len(a3.parts) and a4.plan.scale >= MIN_SCALE
    sizes = pdf_page_sizes(render_pdf(document, papers=("A4",)))
    assert sum(same_size(s, A4_LANDSCAPE) for s in sizes) == len(a4.parts)


def test_word_gets_the_same_parts_as_images():
    document = long_document()
    parts = svg_figure(document.figure, draw_directly).parts
    word = Document(io.BytesIO(render_docx(document)))
    assert len(word.inline_shapes) == len(parts)
    assert any(round(s.page_height.mm) == 420 for s in word.sections)
