"""Text that looks like markup, CSS, Graphviz escapes, emoji or Arabic is printed as written,
and nothing in it makes WeasyPrint fetch anything."""

from __future__ import annotations

import io

import pytest
from docx import Document

from tests.exports.helpers import build, make_export_study, pdf_text
from tests.exports.test_docx import word_text
from tests.exports.test_pdf import RecordingFetcher
from tocapp.exports.docx import render_docx
from tocapp.exports.fetcher import STATIC_BASE_URL, RefusedURL
from tocapp.exports.pdf import html_to_pdf, render_pdf
from tocapp.extensions import db
from tocapp.services import voices

HOSTILE = {
    "few": "<script>alert('x')</script>",
    "arrive": "</svg><text>escaped</text>",
    "coach": "background: url(file:///etc/passwd)",
    "train": "a \\l b \\N c \\G",
    "confident": "Emoji 🙂 stays",
    "talk": "مدرسة",
}
HOSTILE_NOTE = '<img src="file:///etc/passwd"> & @import url(http://example.com/x.css);'


def unspaced(text: str) -> str:
    return "".join(text.split())


@pytest.fixture
def hostile_study(make_setting, make_participant, make_interview):
    study = make_export_study(make_setting, make_participant, make_interview, texts=HOSTILE)
    voices.add_note(db.session, None, study.ta_interview, HOSTILE_NOTE, False)
    study.ta.pseudonym = "</td><b>TA</b>"
    db.session.commit()
    return study


@pytest.mark.parametrize("kind", ["flowchart", "annotated", "voices", "sheet"])
def test_hostile_text_is_printed_literally_and_fetches_nothing(hostile_study, kind):
    fetcher = RecordingFetcher()
    text = pdf_text(render_pdf(build(hostile_study, kind), fetcher=fetcher))
    for value in HOSTILE.values():
        assert value in text, f"{value!r} not printed literally in the {kind} PDF"
    if kind == "voices":
        # Narrow table cells may wrap a long note: compare without the line breaks.
        assert unspaced(HOSTILE_NOTE) in unspaced(text)
        assert "Teaching assistant, </td><b>TA</b> (RIV-P03)" in text
    assert fetcher.asked and all(url.startswith(STATIC_BASE_URL) for url in fetcher.asked)
    assert not any("passwd" in url or "example.com" in url for url in fetcher.asked)


def test_hostile_text_is_literal_in_word(hostile_study):
    text = word_text(Document(io.BytesIO(render_docx(build(hostile_study, "voices")))))
    for value in [*HOSTILE.values(), HOSTILE_NOTE, "</td><b>TA</b>"]:
        assert value in text


def test_control_characters_are_dropped_not_fatal(hostile_study):
    hostile_study.steps["few"].text = "Bell\x07 and escape\x1b here"
    db.session.commit()
    text = word_text(Document(io.BytesIO(render_docx(build(hostile_study, "flowchart")))))
    assert "Bell and escape here" in text
    assert "Bell" in pdf_text(render_pdf(build(hostile_study, "flowchart")))


def test_the_fetcher_refuses_what_a_page_might_ask_for():
    """Even markup written to fetch things gets nothing but our own static files."""
    refused: list[str] = []

    class Refusals(RecordingFetcher):
        def fetch(self, url, headers=None):
            try:
                return super().fetch(url, headers)
            except RefusedURL:
                refused.append(url)
                raise

    fetcher = Refusals()
    html = (
        '<link rel="stylesheet" href="css/export-print.css">'
        '<link rel="stylesheet" href="http://example.com/x.css">'
        "<style>body { background: url(file:///etc/passwd) }</style>"
        '<p>Still printed</p><img src="file:///etc/passwd"><img src="../../config.py">'
    )
    text = pdf_text(html_to_pdf(html, fetcher))
    assert "Still printed" in text
    assert STATIC_BASE_URL + "css/export-print.css" in fetcher.asked
    assert {"http://example.com/x.css", "file:///etc/passwd"} <= set(refused)
    assert not any(url.endswith("config.py") and url not in refused for url in fetcher.asked)
