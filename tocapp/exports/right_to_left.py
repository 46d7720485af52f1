"""Right-to-left words in a chart printed by WeasyPrint.

WeasyPrint draws an SVG's text one letter at a time, in the order it is written and each letter in
its own form, so an Arabic step came out backwards with its letters unjoined (a browser and Word
show it right). Before a chart goes into a PDF, each text holding right-to-left letters is written
as it is seen: the joined forms of its letters (``arabic_reshaper``) in display order
(``python-bidi``, the Unicode bidirectional algorithm), in ``DRAWN_FONT``: the same DejaVu Sans
under another name (export-print.css), so the PDF embeds it as a font of its own. Sharing the
text version's font, the joined forms would also be what the text version's words read as when
copied or searched, since a PDF maps each glyph of a font back to one text. The PDF's text version
and every other document keep the words as typed.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import arabic_reshaper
from bidi import get_display

from tocapp.render.svg_inline import SVG_NS

# Hebrew, Arabic, Syriac, Thaana, N'Ko, Samaritan, Mandaic and their presentation forms.
_RIGHT_TO_LEFT = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc]")
_TEXTS = {f"{{{SVG_NS}}}text", f"{{{SVG_NS}}}tspan"}
DRAWN_FONT = "DejaVu Sans Drawn"


def as_seen(text: str) -> str:
    """The words in the order and letter forms they are seen in (left to right)."""
    if not _RIGHT_TO_LEFT.search(text):
        return text
    return "\n".join(get_display(arabic_reshaper.reshape(line)) for line in text.split("\n"))


def chart_as_seen(svg: bytes) -> bytes:
    """The SVG with every right-to-left text written as seen; unchanged (not parsed) without."""
    if not _RIGHT_TO_LEFT.search(svg.decode("utf-8")):
        return svg
    root = ET.fromstring(svg)
    for element in root.iter():
        if element.tag not in _TEXTS or not _RIGHT_TO_LEFT.search("".join(element.itertext())):
            continue
        if element.text:
            element.text = as_seen(element.text)
        for child in element:
            if child.tail:
                child.tail = as_seen(child.tail)
        family = element.get("font-family", "")
        if family:
            element.set("font-family", f"{DRAWN_FONT}, {family}")
            if "Bold" in family:  # a bold family's name (render's lane names): bold in ours
                element.set("font-weight", "bold")
    return ET.tostring(root)
