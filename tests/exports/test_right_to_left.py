"""Arabic and emoji in a printed chart: WeasyPrint draws an SVG's text a letter at a time, so a
right-to-left text is given in the order and joined letter forms it is seen in, and emoji come
from the Noto Emoji font that ships with the app."""

from __future__ import annotations

import io
import subprocess
import xml.etree.ElementTree as ET

from pypdf import PdfReader

from tests.exports.helpers import build
from tests.exports.test_hostile_text import HOSTILE, hostile_study  # noqa: F401
from tocapp.exports.pdf import render_pdf
from tocapp.exports.right_to_left import as_seen, chart_as_seen

ARABIC_FORMS = range(0xFE70, 0xFEFD)  # Arabic presentation forms B: letters joined as seen


def test_right_to_left_words_are_given_joined_and_in_the_order_seen():
    seen = as_seen("مدرسة")
    assert seen == "\ufe94\ufeb3\ufead\ufeaa\ufee3"  # ة س ر د م, joined, from the left
    assert as_seen("Parents مدرسة 2024") == "Parents 2024 \ufe94\ufeb3\ufead\ufeaa\ufee3"
    assert as_seen("Ŵyn <b> 🙂") == "Ŵyn <b> 🙂"  # left-to-right words are left as they are


def test_a_chart_without_right_to_left_words_is_not_touched():
    svg = '<svg xmlns="http://www.w3.org/2000/svg"><text>Staff &lt;b&gt; 🙂</text></svg>'.encode()
    assert chart_as_seen(svg) is svg
    arabic = '<svg xmlns="http://www.w3.org/2000/svg"><text>S1 <tspan>x</tspan>مدرسة</text></svg>'
    seen = ET.fromstring(chart_as_seen(arabic.encode()))
    assert "".join(seen.itertext()) == "S1 x" + as_seen("مدرسة")
    assert seen[0].get("font-family") is None  # Graphviz's texts name theirs: see the PDF test


def _pages_text(pdf: bytes) -> list[str]:
    result = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True
    )
    return result.stdout.decode("utf-8").split("\f")


def test_a_printed_chart_shows_arabic_joined_and_emoji_in_a_font_that_has_them(hostile_study):  # noqa: F811
    pdf = render_pdf(build(hostile_study, "flowchart"))
    pages = _pages_text(pdf)
    drawn = next(page for page in pages if "How to read this chart" in page)
    assert any(ord(c) in ARABIC_FORMS for c in drawn), "the chart's Arabic is not joined"
    words = next(page for page in pages if "Text version" in page)
    assert HOSTILE["talk"] in words  # the text version's words read as typed
    fonts = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            fonts.add(str(font.get_object()["/BaseFont"]).partition("+")[2])
    assert "Noto-Emoji" in fonts, fonts
    assert "DejaVu-Sans-Drawn" in fonts, fonts
