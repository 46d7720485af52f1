"""Long charts (20-80 steps) stay legible on paper: step text at 9 pt or more and the legend at 8 pt
or more, on a bigger page or cut into parts whose cut arrows name where they go on both pages."""

from __future__ import annotations

import io
import re
import subprocess
from datetime import date

import pytest
from docx import Document
from PIL import Image

from tests.exports.helpers import pdf_page_sizes, pdf_text, pixel_variance, save_pages_as_png
from tests.render.helpers import synthetic_chart
from tocapp.exports.chart_connectors import CONNECTORS_NOTE
from tocapp.exports.chart_pages import MIN_LEGEND_PT, MIN_STEP_PT, MM
from tocapp.exports.chart_png import png_figure
from tocapp.exports.charts import DrawnFigure, chart_geometry, draw_directly, svg_figure
from tocapp.exports.docx import render_docx
from tocapp.exports.model import ChartFigure, FlowchartDocument, TitleBlock
from tocapp.exports.pdf import render_pdf
from tocapp.render.flowchart_layout import LEGEND_FONT_SIZE, STEP_FONT_SIZE

A3 = {(297, 420), (420, 297)}
# pdftotext's word boxes are DejaVu's ascent plus descent: 1.164 em.
EM_PER_BOX = 1.164
STEP_NUMBER = re.compile(r"^[SAO]\d+$")
PAPERS = [("A4", "A3"), ("A4",)]
NOTE_EXAMPLES = set(re.findall(r"\b[SAO]\d+\b", CONNECTORS_NOTE))
NOTE_PT = 8.0  # export-print.css


def long_document(steps: int = 80) -> FlowchartDocument:
    chart = synthetic_chart(steps, steps * 5 // 4)
    title = TitleBlock(
        "Leader's flowchart", (("Study", "Synthetic"), ("Setting", "BIG")), date(2026, 9, 1)
    )
    return FlowchartDocument(title, ChartFigure(chart, "BIG flowchart, version 1"), ())


def home_parts(drawn: DrawnFigure) -> dict[str, int]:
    """Each step's part (numbered from 1), from the plan's rectangles."""
    assert drawn.plan is not None
    geometry = chart_geometry(draw_directly(drawn.figure.chart, "svg", None, None))
    homes = {}
    for number, (left, top, right, bottom) in geometry.steps:
        x, y = (left + right) / 2, (top + bottom) / 2
        for index, ((x0, x1), (y0, y1)) in enumerate(drawn.plan.pages, start=1):
            if x0 <= x <= x1 and y0 <= y <= y1:
                homes[number] = index
                break
    return homes


def word_sizes(pdf: bytes, page: int) -> list[tuple[str, float]]:
    """Every word on one page of the PDF (from 1) and its font size in points."""
    xml = subprocess.run(
        ["pdftotext", "-bbox", "-f", str(page), "-l", str(page), "-", "-"],
        input=pdf,
        capture_output=True,
        check=True,
    ).stdout.decode()
    words = re.findall(r'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]*)</word>', xml)
    return [(word, (float(y1) - float(y0)) / EM_PER_BOX) for y0, y1, word in words]


def first_chart_page(pdf: bytes) -> int:
    """The page of the chart's first part: the first with the figure's caption above it."""
    for page in range(1, len(pdf_page_sizes(pdf)) + 1):
        if "version 1" in " ".join(w for w, _ in word_sizes(pdf, page)):
            return page
    raise AssertionError("no chart page")


@pytest.mark.parametrize("steps", [20, 40, 80])
@pytest.mark.parametrize("papers", PAPERS)
def test_every_step_prints_at_9_pt_or_more_and_the_legend_at_8(steps, papers):
    document = long_document(steps)
    drawn = svg_figure(document.figure, draw_directly, papers=papers)
    assert drawn.plan is not None and drawn.plan.paper in papers
    assert STEP_FONT_SIZE * drawn.plan.scale >= MIN_STEP_PT - 1e-6
    assert LEGEND_FONT_SIZE * drawn.plan.scale >= MIN_LEGEND_PT - 1e-6

    pdf = render_pdf(document, papers=papers)
    first = first_chart_page(pdf)
    chart_pages = range(first, first + len(drawn.parts))
    numbers, legend = [], []
    for page in chart_pages:
        words = word_sizes(pdf, page)
        numbers += [(w, size) for w, size in words if STEP_NUMBER.match(w)]
        legend += [size for w, size in words if w == "Columns:"]
    printed = {w for w, _ in numbers}
    assert printed >= {placed for placed in home_parts(drawn)}, "a step is on no page"
    # The note under each cut part names two steps as examples, at the note's size.
    in_steps = [
        size for w, size in numbers if not (w in NOTE_EXAMPLES and abs(size - NOTE_PT) < 0.1)
    ]
    assert min(in_steps) >= MIN_STEP_PT - 0.05
    assert legend and min(legend) >= MIN_LEGEND_PT - 0.05
    text = pdf_text(pdf)
    assert all(step.text in text for step in document.figure.chart.steps)


@pytest.mark.parametrize("papers", PAPERS)
def test_every_arrow_cut_by_a_page_names_its_other_end_on_both_pages(papers):
    document = long_document(80)
    drawn = svg_figure(document.figure, draw_directly, papers=papers)
    assert drawn.plan is not None and drawn.plan.is_split
    homes = home_parts(drawn)
    geometry = chart_geometry(draw_directly(document.figure.chart, "svg", None, None))
    cut = [a for a in geometry.arrows if homes[a.source] != homes[a.target]]
    assert cut, "an 80-step chart split in parts has arrows between parts"
    for arrow in cut:
        source, target = drawn.parts[homes[arrow.source] - 1], drawn.parts[homes[arrow.target] - 1]
        assert (f"→ {arrow.target}", target.number) in {(c.end, c.part) for c in source.connectors}
        assert (f"{arrow.source} →", source.number) in {(c.end, c.part) for c in target.connectors}


def test_connectors_are_printed_on_the_pages_that_hold_them():
    document = long_document(80)
    drawn = svg_figure(document.figure, draw_directly)
    pdf = render_pdf(document)
    first = first_chart_page(pdf)
    for part in drawn.parts:
        words = {w for w, _ in word_sizes(pdf, first + part.number - 1)}
        for connector in part.connectors:
            assert set(" ".join(connector.lines).replace("(", "").replace(")", "").split()) <= words
    assert "part 1 of" in pdf_text(pdf)
    for page in save_pages_as_png(pdf, "long-80-steps", pages=4, dpi=30)[1:]:
        assert pixel_variance(page) > 50


def test_on_a4_only_the_same_chart_takes_more_a4_parts_cut_between_columns_too():
    document = long_document()
    a3 = svg_figure(document.figure, draw_directly)
    a4 = svg_figure(document.figure, draw_directly, papers=("A4",))
    assert a4.plan is not None and a4.plan.paper == "A4"
    assert len(a4.parts) > len(a3.parts) and len(a4.plan.columns) > 1
    sizes = pdf_page_sizes(render_pdf(document, papers=("A4",)))
    a4_sizes = {(210 * MM, 297 * MM), (297 * MM, 210 * MM)}
    chart_size = (a4.plan.page_size_mm[0] * MM, a4.plan.page_size_mm[1] * MM)
    assert chart_size in a4_sizes
    assert sum(
        abs(w - chart_size[0]) < 1.5 and abs(h - chart_size[1]) < 1.5 for w, h in sizes
    ) >= len(a4.parts)


@pytest.mark.parametrize("steps", [20, 40, 80])
def test_word_gets_the_same_parts_as_images_printed_at_9_pt_or_more(steps):
    document = long_document(steps)
    drawn: dict[tuple[str, int | None], bytes] = {}

    def draw_once(chart, fmt, annotations, dpi):  # the big PNG is drawn once, not twice
        if (fmt, dpi) not in drawn:
            drawn[fmt, dpi] = draw_directly(chart, fmt, annotations, dpi)
        return drawn[fmt, dpi]

    parts = svg_figure(document.figure, draw_once).parts
    pngs = png_figure(document.figure, draw_once).parts
    assert [p.connectors for p in pngs] == [p.connectors for p in parts]
    word = Document(io.BytesIO(render_docx(document, draw_once)))
    assert len(word.inline_shapes) == len(parts)
    for shape in word.inline_shapes:
        blip = shape._inline.graphic.graphicData.pic.blipFill.blip  # noqa: SLF001 (python-docx has no public accessor)
        blob = word.part.related_parts[blip.embed].blob
        with Image.open(io.BytesIO(blob)) as image:
            dpi = image.info["dpi"][0]
            drawing_points = image.width * 72 / dpi
        scale = shape.width.pt / drawing_points
        assert STEP_FONT_SIZE * scale >= MIN_STEP_PT - 0.05
        assert LEGEND_FONT_SIZE * scale >= MIN_LEGEND_PT - 0.05
    if len(parts) > 1:
        assert any((round(s.page_width.mm), round(s.page_height.mm)) in A3 for s in word.sections)
