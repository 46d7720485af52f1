"""matplotlib's stacked mark bars: one bar per category, ids that never collide, text literal."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import Counter

import pytest

from tocapp.render import mark_charts
from tocapp.render.mark_charts import stacked_mark_bars

SVG = "{http://www.w3.org/2000/svg}"
ODD = 'TA <new> "lead" \\ {x|y} 🌱 Cynorthwyydd ŵ مساعد'
BARS = [
    ("Headteacher", Counter({"achieved": 3, "elusive": 1})),
    (ODD, Counter({"partly": 2, "not discussed": 4})),
    ("url(#patch_1)", Counter({"achieved": 1})),
]


@pytest.fixture(autouse=True)
def _drawn_not_cached(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests are about drawing: no cache left by an app made in an earlier test."""
    monkeypatch.setattr(mark_charts, "_cache", None)


def _ids(svg: str) -> list[str]:
    return [el.get("id") for el in ET.fromstring(svg).iter() if el.get("id")]


def test_one_bar_per_category_with_a_segment_per_mark():
    svg = stacked_mark_bars("Outcomes · Children", BARS, id_prefix="c0-")
    bar_ids = [i for i in _ids(svg) if i.startswith("c0-bar-")]
    assert {i.split("-")[2] for i in bar_ids} == {"0", "1", "2"}
    assert len(bar_ids) == 4 * len(BARS)


def test_two_charts_on_one_page_share_no_ids_and_every_reference_resolves():
    first = stacked_mark_bars("A", BARS, id_prefix="chart-0-")
    second = stacked_mark_bars("A", BARS, id_prefix="chart-1-")
    assert set(_ids(first)).isdisjoint(_ids(second))
    for svg in (first, second):
        ids = set(_ids(svg))
        attributes = " ".join(v for el in ET.fromstring(svg).iter() for v in el.attrib.values())
        references = re.findall(r"url\(#([^)]+)\)", attributes)
        assert references, "the hatches and clip paths are referenced by url(#…)"
        assert set(references) <= ids


def test_labels_are_kept_literally_and_escaped_in_the_xml():
    svg = stacked_mark_bars("Strands · Staff <& co>", BARS, id_prefix="p-")
    texts = ["".join(t.itertext()) for t in ET.fromstring(svg).iter(f"{SVG}text")]
    assert ODD in texts and "url(#patch_1)" in texts  # a label is never rewritten as a reference
    assert "Strands · Staff <& co>" in texts
    assert "<new>" not in svg and "&lt;new&gt;" in svg
    assert not svg.startswith("<?xml")  # ready to sit inside HTML


def test_charts_drawn_in_two_threads_at_once_come_out_the_same():
    """The job worker builds reports side by side; pyplot's style is process-wide."""
    from concurrent.futures import ThreadPoolExecutor

    import matplotlib

    expected = stacked_mark_bars("Outcomes · Children", BARS, id_prefix="c-")
    fonttype = matplotlib.rcParams["svg.fonttype"]
    with ThreadPoolExecutor(max_workers=4) as pool:
        drawn = list(
            pool.map(
                lambda _: stacked_mark_bars("Outcomes · Children", BARS, id_prefix="c-"), range(24)
            )
        )
    assert all(svg == expected for svg in drawn)
    assert matplotlib.rcParams["svg.fonttype"] == fonttype  # the chart style did not leak
