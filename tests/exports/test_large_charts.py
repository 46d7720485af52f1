"""Long charts (20-80 steps) stay legible on paper: step text at 9 pt or more and the legend at 8 pt
or more, on a bigger page or cut into parts whose cut arrows name where they go on both pages."""

from __future__ import annotations

import functools
import html
import io
import math
import re
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import date

import pytest
from docx import Document
from docx.oxml.ns import qn
from PIL import Image

from tests.exports.helpers import pdf_page_sizes, pdf_text, pixel_variance, save_pages_as_png
from tests.render.helpers import synthetic_chart
from tocapp.exports.chart_connectors import CONNECTORS_NOTE, PASSING
from tocapp.exports.chart_geometry import chart_geometry
from tocapp.exports.chart_pages import MIN_LEGEND_PT, MIN_STEP_PT, MM
from tocapp.exports.chart_png import png_figure
from tocapp.exports.charts import DrawnFigure, draw_directly, svg_figure
from tocapp.exports.docx import render_docx
from tocapp.exports.model import (
    ChartFigure,
    FlowchartDocument,
    SheetDocument,
    SheetStep,
    TitleBlock,
)
from tocapp.exports.pdf import render_pdf
from tocapp.render.flowchart_layout import LEGEND_FONT_SIZE, STEP_FONT_SIZE
from tocapp.render.svg_inline import SVG_NS

A3 = {(297, 420), (420, 297)}
# pdftotext's word boxes are DejaVu's ascent plus descent: 1.164 em.
EM_PER_BOX = 1.164
STEP_NUMBER = re.compile(r"^[SAO]\d+$")
PAPERS = [("A4", "A3"), ("A4",)]
NOTE_EXAMPLES = set(re.findall(r"\b[SAO]\d+\b", CONNECTORS_NOTE))
NOTE_PT = 8.0  # export-print.css
SVG = f"{{{SVG_NS}}}"


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


SPLIT = [(20, ("A4",)), (40, ("A4",)), (80, ("A4",))]


@dataclass(frozen=True)
class PrintedChart:
    document: FlowchartDocument | SheetDocument
    drawn: DrawnFigure
    pdf: bytes
    pages: tuple[str, ...]  # each page's text in the order it is drawn, whitespace made single

    def page_of_part(self, number: int) -> int:
        """The page (from 1) whose caption says it holds this part, read from the PDF."""
        caption = f"— part {number} of {len(self.drawn.parts)}"
        (page,) = [i for i, text in enumerate(self.pages, start=1) if caption in text]
        return page


@functools.cache
def printed(steps: int, papers: tuple[str, ...], sheet: bool = False) -> PrintedChart:
    """The long chart's flowchart document (or its annotation sheet) as a PDF, read back."""
    document: FlowchartDocument | SheetDocument = long_document(steps)
    if sheet:
        listed = tuple(
            SheetStep(f"K{i}", "Theme", "Group", s.text)
            for i, s in enumerate(document.figure.chart.steps)
        )
        document = SheetDocument(document.title, document.figure, listed)
    drawn = svg_figure(document.figure, draw_directly, papers=papers)
    pdf = render_pdf(document, papers=papers)
    raw = subprocess.run(
        ["pdftotext", "-raw", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    pages = tuple(" ".join(page.split()) for page in raw.split("\f"))
    return PrintedChart(document, drawn, pdf, pages)


def svg_texts(steps: int, kind: str) -> dict[str, str]:
    """Each step's number and its words, or each theme header's or lane's words (by its id),
    read straight from the chart's SVG."""
    root = ET.fromstring(draw_directly(long_document(steps).figure.chart, "svg", None, None))
    found = {}
    for group in root.iter(f"{SVG}g"):
        if kind in group.get("class", "").split():
            words = [t.text or "" for t in group.iter(f"{SVG}text")]
            key = words[0] if kind == "step" else group.get("id", "")
            found[key] = " ".join(words)
    return found


def named_step(end: str) -> str:
    """The step a connector sends a reader to: "→ A7" and "S3 →" name A7 and S3."""
    return end.replace("→", " ").split()[0] if end.startswith("→") else end.split()[0]


@pytest.mark.parametrize(("steps", "papers"), SPLIT)
def test_each_connector_names_the_page_its_step_is_printed_on(steps, papers):
    connectors_name_their_pages(printed(steps, papers), steps)


def test_the_annotation_sheet_names_the_pages_of_its_charts_parts_too():
    chart = printed(40, ("A4",), sheet=True)
    assert chart.document.kind == "sheet" and len(chart.drawn.parts) > 2
    connectors_name_their_pages(chart, 40)


def connectors_name_their_pages(chart: PrintedChart, steps: int) -> None:
    homes = home_parts(chart.drawn)
    step_words = svg_texts(steps, "step")
    checked = 0
    for part in chart.drawn.parts:
        text = chart.pages[chart.page_of_part(part.number) - 1]
        for connector in part.connectors:
            if connector.part:
                step = named_step(connector.end)
                assert connector.part == homes[step]
                page = chart.page_of_part(connector.part)
                # The page named is where that step's box is printed, words and all.
                assert step_words[step] in chart.pages[page - 1]
            else:
                page = 0
            line = " ".join(t + (str(page) if n else "") for t, n in connector.pieces("page"))
            assert line in text, (part.number, line)
            checked += 1
    assert checked > len(chart.drawn.parts)


def crossings(points, rect) -> list[tuple[str, bool]]:
    """Where a path crosses a part's edges, sampled every quarter point: "out" or "in", and for
    "in" whether the path then ends on the part."""
    samples = []
    for (x0, y0), (x1, y1) in zip(points, points[1:], strict=False):
        count = max(1, int(math.hypot(x1 - x0, y1 - y0) * 4))
        samples += [(x0 + (x1 - x0) * i / count, y0 + (y1 - y0) * i / count) for i in range(count)]
    samples.append(points[-1])
    inside = [rect[0] <= x <= rect[2] and rect[1] <= y <= rect[3] for x, y in samples]
    found = []
    for i in range(1, len(inside)):
        if inside[i] != inside[i - 1]:
            found.append(("in", all(inside[i:])) if inside[i] else ("out", False))
    return found


@pytest.mark.parametrize(("steps", "papers"), SPLIT)
def test_every_arrow_that_crosses_a_part_is_named_where_it_crosses(steps, papers):
    chart = printed(steps, papers)
    geometry = chart_geometry(draw_directly(chart.document.figure.chart, "svg", None, None))
    passing = 0
    for part, ((x0, x1), (y0, y1)) in zip(chart.drawn.parts, chart.drawn.plan.pages, strict=True):
        rect = (x0, y0, min(x1, geometry.width), y1)
        wanted = []
        for arrow in geometry.arrows:
            for way, ends_here in crossings(arrow.points, rect):
                if way == "out":
                    wanted.append(f"→ {arrow.target}")
                elif ends_here:
                    wanted.append(f"{arrow.source} →")
                else:
                    wanted.append(f"{arrow.source} → {arrow.target}")
                    passing += 1
        assert sorted(c.end for c in part.connectors) == sorted(wanted), part.number
        text = chart.pages[chart.page_of_part(part.number) - 1]
        for connector in part.connectors:
            assert connector.pieces("page")[0][0] in text
            if not connector.part:
                assert PASSING in text
    assert passing, "the chart has arrows that cross a part without an end on it"


@pytest.mark.parametrize(("steps", "papers"), SPLIT)
def test_every_part_shows_its_columns_headers_above_its_boxes_and_its_lanes_names(steps, papers):
    chart = printed(steps, papers)
    headers = list(svg_texts(steps, "theme-header").values())
    lanes = list(svg_texts(steps, "lane").values())
    geometry = chart_geometry(draw_directly(chart.document.figure.chart, "svg", None, None))
    centres = {name: centre for name, centre, _ in geometry.headers}
    lane_extent = {name: (top, bottom) for name, top, bottom in geometry.lanes}
    steps_on = {}
    for number, part in home_parts(chart.drawn).items():
        steps_on.setdefault(part, []).append(dict(geometry.steps)[number])
    below_the_top = 0
    for part, ((x0, x1), (y0, _)) in zip(chart.drawn.parts, chart.drawn.plan.pages, strict=True):
        page = chart.page_of_part(part.number)
        words = word_boxes(chart.pdf, page)
        shown = [name for name in headers if x0 <= centres[name] <= x1]
        if not shown:  # a strip of nothing but arrows between two columns names them both
            left = max((centres[n], n) for n in headers if centres[n] < x0)[1]
            right = min((centres[n], n) for n in headers if centres[n] > x1)[1]
            shown = [f"← {left}", f"{right} →"]
        numbers = [top for word, top in words if STEP_NUMBER.match(word)]
        for name in shown:
            assert name in chart.pages[page - 1], (part.number, name)
            first_word = next(w for w in name.split() if w.isalpha())  # "Starting"
            tops = [top for word, top in words if word == first_word]
            assert tops and (not numbers or min(tops) < min(numbers)), (part.number, name)
        # Every box's lane is named on its page.
        for box in steps_on.get(part.number, []):
            y = (box[1] + box[3]) / 2
            (lane,) = [n for n in lanes if lane_extent[n][0] <= y <= lane_extent[n][1]]
            assert lane in chart.pages[page - 1], (part.number, lane)
        below_the_top += y0 > 0
    assert below_the_top, "some part starts below the chart's top"


def word_boxes(pdf: bytes, page: int) -> list[tuple[str, float]]:
    """Every word on one page of the PDF and the top of its box (points from the page's top)."""
    xml = subprocess.run(
        ["pdftotext", "-bbox", "-f", str(page), "-l", str(page), "-", "-"],
        input=pdf,
        capture_output=True,
        check=True,
    ).stdout.decode()
    words = re.findall(r'yMin="([\d.]+)" xMax="[\d.]+" yMax="[\d.]+">([^<]*)</word>', xml)
    return [(html.unescape(word), float(top)) for top, word in words]


def test_a_printed_split_chart_is_not_blank():
    chart = printed(80, ("A4",))
    for page in save_pages_as_png(chart.pdf, "long-80-steps", pages=4, dpi=30)[1:]:
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
    whole = chart_geometry(draw_once(document.figure.chart, "svg", None, None))
    pngs = png_figure(document.figure, draw_once).parts
    assert [p.connectors for p in pngs] == [p.connectors for p in parts]
    word = Document(io.BytesIO(render_docx(document, draw_once)))
    assert len(word.inline_shapes) == len(parts)
    for shape in word.inline_shapes:
        blip = shape._inline.graphic.graphicData.pic.blipFill.blip  # noqa: SLF001 (python-docx has no public accessor)
        blob = word.part.related_parts[blip.embed].blob
        with Image.open(io.BytesIO(blob)) as image:
            # A part says its resolution; a chart printed whole is Graphviz's drawing as it is.
            dpi = image.info["dpi"][0] if len(parts) > 1 else image.width * 72 / whole.width
            drawing_points = image.width * 72 / dpi
        scale = shape.width.pt / drawing_points
        assert STEP_FONT_SIZE * scale >= MIN_STEP_PT - 0.05
        assert LEGEND_FONT_SIZE * scale >= MIN_LEGEND_PT - 0.05
    if len(parts) > 1:
        assert any((round(s.page_width.mm), round(s.page_height.mm)) in A3 for s in word.sections)


def test_word_gives_the_page_of_each_part_a_parts_connectors_name_as_a_field_word_fills_in():
    document = long_document(40)
    drawn = png_figure(document.figure, draw_directly, papers=("A4",))
    assert len(drawn.parts) > 2
    word = Document(io.BytesIO(render_docx(document, papers=("A4",))))
    body = word.element.body
    captions = {}  # bookmark -> the part its caption names
    for start in body.iter(qn("w:bookmarkStart")):
        paragraph = start.getparent()
        text = "".join(t.text or "" for t in paragraph.iter(qn("w:t")))
        captions[start.get(qn("w:name"))] = int(re.search(r"part (\d+) of", text).group(1))
    assert sorted(captions.values()) == [p.number for p in drawn.parts]
    lines = []
    for paragraph in body.iter(qn("w:p")):
        fields = [f for f in paragraph.iter(qn("w:fldSimple")) if "PAGEREF" in f.get(qn("w:instr"))]
        if fields:
            named = re.findall(
                r"part (\d+) is on page", "".join(t.text or "" for t in paragraph.iter(qn("w:t")))
            )
            referred = [captions[f.get(qn("w:instr")).split()[1]] for f in fields]
            assert referred == [int(n) for n in named]  # each field goes to the part it names
            lines.append(referred)
    expected = [sorted({c.part for c in p.connectors} - {0}) for p in drawn.parts if p.connectors]
    assert lines == expected
    settings = word.settings.element
    assert settings.find(qn("w:updateFields")).get(qn("w:val")) == "true"
