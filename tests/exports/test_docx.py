"""Every document as Word: real headings, editable tables, the chart as a print-quality image."""

from __future__ import annotations

import io

import pytest
from docx import Document

from tests.exports.helpers import (
    EMAILS,
    NEW_STEP,
    REAL_NAMES,
    SECRETS,
    STEP_TEXTS,
    WITHHELD_ARROW_NOTE,
    WITHHELD_NOTE,
    build,
    expected_text,
    pixel_variance,
)
from tocapp.exports.docx import render_docx

KINDS = ["flowchart", "annotated", "voices", "sheet"]


def word_text(document) -> str:
    """Paragraphs, table cells, headers and footers, whitespace made single."""
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    for section in document.sections:
        parts += [p.text for p in section.header.paragraphs + section.footer.paragraphs]
    return " ".join(" ".join(parts).split())


@pytest.mark.parametrize("kind", KINDS)
def test_each_docx_has_headings_tables_and_the_chart(export_study, kind):
    export = build(export_study, kind)
    word = Document(io.BytesIO(render_docx(export)))
    styles = {p.style.name for p in word.paragraphs}
    assert {"Heading 1", "Heading 2"} <= styles
    headings = [p.text for p in word.paragraphs if p.style.name == "Heading 1"]
    assert headings == [export.title.heading]

    assert word.tables, "no tables"
    title_rows = [(r.cells[0].text, r.cells[1].text) for r in word.tables[0].rows]
    assert title_rows == [(label, value or " ") for label, value in export.title.rows]

    images = word.inline_shapes
    assert len(images) >= 1
    blob = images[0]._inline.graphic.graphicData.pic.blipFill.blip.embed
    png = word.part.related_parts[blob].blob
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and pixel_variance(png) > 50

    text = word_text(word)
    for expected in expected_text(kind):
        assert expected in text, f"{expected!r} missing from the {kind} Word file"
    for secret in (*SECRETS, WITHHELD_NOTE, WITHHELD_ARROW_NOTE):
        assert secret not in text, f"{secret!r} leaked into the {kind} Word file"


def test_the_chart_image_is_print_resolution(export_study):
    word = Document(io.BytesIO(render_docx(build(export_study, "flowchart"))))
    shape = word.inline_shapes[0]
    blob = shape._inline.graphic.graphicData.pic.blipFill.blip.embed
    from PIL import Image

    with Image.open(io.BytesIO(word.part.related_parts[blob].blob)) as image:
        dots_per_inch = image.width / (shape.width / 914400)
    assert dots_per_inch >= 290


def test_the_chart_gets_its_own_section_on_the_paper_it_needs(export_study):
    word = Document(io.BytesIO(render_docx(build(export_study, "annotated"))))
    sizes = [(round(s.page_width.mm), round(s.page_height.mm)) for s in word.sections]
    assert sizes[0] == (210, 297) and sizes[-1] == (210, 297)
    assert any(w > h for w, h in sizes[1:-1]), sizes


def test_an_identified_docx_names_the_people(export_study):
    text = word_text(Document(io.BytesIO(render_docx(build(export_study, "annotated", True)))))
    assert REAL_NAMES[1] in text and not any(email in text for email in EMAILS)
    assert WITHHELD_NOTE not in text
    assert NEW_STEP in text and all(step in text for step in STEP_TEXTS.values())
