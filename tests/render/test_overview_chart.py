"""The overview picture keeps room for its bars whatever the script of the outcomes' text."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET

import pytest

from tocapp.domain.comparison_overview import MarkShare, StepOverview
from tocapp.domain.theory import Theme
from tocapp.render import overview_chart
from tocapp.render.text_fit import text_width

SVG = "{http://www.w3.org/2000/svg}"
TEXTS = {
    "latin": "Children read for pleasure more often at home and at school every week",
    "chinese": "儿童在家和学校更经常地为乐趣而阅读，每周都有进步和变化以及更多的书籍",
    "arabic": "الأطفال يقرؤون من أجل المتعة أكثر في المنزل وفي المدرسة كل أسبوع",
    "emoji": "📚🙂📚🙂📚🙂📚🙂📚🙂📚🙂📚🙂📚🙂📚🙂📚🙂📚🙂📚🙂📚🙂📚🙂📚🙂📚🙂",
    "welsh": "Mae plant yn darllen er pleser yn amlach gartref ac yn yr ysgol bob wythnos",
}


def _row(n: int, text: str) -> StepOverview:
    return StepOverview(
        "S1", 2, f"O{n}", text, Theme.OUTCOME, MarkShare((1, 1, 0, 1)), MarkShare((2, 0, 1, 0))
    )


@pytest.mark.parametrize("script", sorted(TEXTS))
def test_labels_in_any_script_leave_the_bars_their_room(script):
    rows = tuple(_row(n, TEXTS[script]) for n in range(1, 4))
    for row in rows:
        label = overview_chart.row_label(row)
        assert label.startswith(f"S1 r2 {row.number} ")
        assert text_width(label, overview_chart.LABEL_SIZE) <= overview_chart.LABEL_WIDTH * 72
    out = io.StringIO()
    overview_chart._draw(rows, "Intended outcomes", out, "svg", 100)  # it used to raise for CJK
    svg = ET.fromstring(out.getvalue().encode())
    texts = ["".join(t.itertext()) for t in svg.iter(f"{SVG}text")]
    assert texts.count("100%") == 2  # both panels drawn, each on the one scale
    png = io.BytesIO()
    overview_chart._draw(rows, "Intended outcomes", png, "png", 100)
    assert png.getvalue().startswith(b"\x89PNG")
