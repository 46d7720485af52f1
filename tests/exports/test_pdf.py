"""Every document as PDF: what a reader finds in it, what never appears, and how it looks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.exports.helpers import (
    EMAILS,
    REAL_NAMES,
    SECRETS,
    STEP_TEXTS,
    WITHHELD_ARROW_NOTE,
    WITHHELD_NOTE,
    build,
    expected_text,
    pdf_page_sizes,
    pdf_text,
    pixel_variance,
    save_pages_as_png,
)
from tocapp.exports.fetcher import STATIC_BASE_URL, StaticFilesFetcher
from tocapp.exports.pdf import render_pdf

A4_PORTRAIT = (595.3, 841.9)
ROOT = Path(__file__).resolve().parents[2]


class RecordingFetcher(StaticFilesFetcher):
    """Our fetcher, noting every URL WeasyPrint asks for."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: list[str] = []

    def fetch(self, url, headers=None):
        self.asked.append(url)
        return super().fetch(url, headers)


@pytest.mark.parametrize("kind", ["flowchart", "annotated", "voices", "sheet"])
def test_each_pdf_shows_everything_and_nobody_by_name(export_study, kind):
    document = build(export_study, kind)
    fetcher = RecordingFetcher()
    pdf = render_pdf(document, fetcher=fetcher)
    text = pdf_text(pdf)

    for label, value in document.title.rows:
        assert label in text
        assert value in text, f"title block field {label}: {value!r} missing"
    for expected in expected_text(kind):
        assert expected in text, f"{expected!r} missing from the {kind} PDF"
    for secret in (*SECRETS, WITHHELD_NOTE, WITHHELD_ARROW_NOTE):
        assert secret not in text, f"{secret!r} leaked into the {kind} PDF"
    assert "Page 1 of" in text and "Generated on 1 September 2026" in text

    # Only our stylesheet and fonts were asked for, and nothing outside static.
    assert fetcher.asked, "the print stylesheet was not loaded"
    assert all(url.startswith(STATIC_BASE_URL) for url in fetcher.asked)
    assert any(url.endswith(".ttf") for url in fetcher.asked)

    sizes = pdf_page_sizes(pdf)
    assert sizes[0] == pytest.approx(A4_PORTRAIT, abs=1)
    assert any(s != pytest.approx(A4_PORTRAIT, abs=1) for s in sizes), "the chart has its own paper"

    pages = save_pages_as_png(pdf, f"{kind}")
    assert len(pages) >= 2
    for page in pages:
        assert pixel_variance(page) > 50, f"{page.name} looks blank"


def test_an_identified_pdf_names_the_people(export_study):
    text = pdf_text(render_pdf(build(export_study, "voices", identified=True)))
    assert all(name in text for name in REAL_NAMES)
    assert "Identified export" in text
    assert not any(email in text for email in EMAILS)
    assert WITHHELD_NOTE not in text


def test_a_failed_drawing_leaves_the_document_and_its_text_version(export_study):
    from tocapp.render import RenderError

    def broken(*_args):
        raise RenderError("Graphviz is not installed: the 'dot' command was not found.")

    text = pdf_text(render_pdf(build(export_study, "flowchart"), broken))
    assert "The chart could not be drawn" in text
    assert all(step in text for step in STEP_TEXTS.values())


def test_loading_the_pdf_writer_leaves_inline_svg_for_web_pages_intact():
    """Importing WeasyPrint re-registers XML prefixes process-wide; pages must still get <svg>."""
    # As in the web app: the render layer is loaded first, the PDF writer on the first export.
    script = (
        "from tests.render.helpers import small_chart\n"
        "from tocapp.render import render_flowchart, svg_for_inline\n"
        "import tocapp.exports.pdf\n"
        "print(svg_for_inline(render_flowchart(small_chart(), 'svg'), 'Chart')[:4])\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert result.stdout.strip() == "<svg"
