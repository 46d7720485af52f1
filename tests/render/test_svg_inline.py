"""SVG for embedding in a page: no prolog, labelled for screen readers, scalable, escaped."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from tests.render.helpers import SVG, small_chart
from tocapp.domain.theory import Flowchart, Step, Theme
from tocapp.render import flowchart_to_dot, render_dot, svg_for_inline


@pytest.fixture(scope="module")
def raw_svg() -> bytes:
    return render_dot(flowchart_to_dot(small_chart()), "svg")


def test_prolog_doctype_and_comments_are_removed(raw_svg: bytes) -> None:
    assert raw_svg.startswith(b"<?xml") and b"<!DOCTYPE" in raw_svg and b"<!--" in raw_svg
    inline = svg_for_inline(raw_svg, "Small school")
    assert inline.startswith("<svg ")
    for unwanted in ("<?xml", "<!DOCTYPE", "<!--"):
        assert unwanted not in inline


def test_root_is_an_image_labelled_with_the_title_and_scales(raw_svg: bytes) -> None:
    title = 'Ysgol "Tŷ" <Ŵyn> & co'
    root = ET.fromstring(svg_for_inline(raw_svg, title))
    assert root.get("role") == "img"
    assert root.get("aria-label") == title
    assert root[0].tag == f"{SVG}title" and root[0].text == title
    assert root.get("width") == "100%"
    assert root.get("height") is None
    assert root.get("viewBox") == ET.fromstring(raw_svg).get("viewBox")


def test_user_text_cannot_break_out_of_the_svg() -> None:
    hostile = '</svg><script>alert("x")</script>&amp;'
    chart = Flowchart(hostile, (hostile,), (Step("k", Theme.ACTION, hostile, hostile),))
    inline = svg_for_inline(render_dot(flowchart_to_dot(chart)), hostile)
    assert "<script" not in inline and "</svg><" not in inline
    root = ET.fromstring(inline)
    assert root.get("aria-label") == hostile
    assert any(hostile in (t.text or "") for t in root.iter(f"{SVG}text"))


def test_boxes_get_their_text_as_hover_title_instead_of_internal_names(raw_svg: bytes) -> None:
    root = ET.fromstring(svg_for_inline(raw_svg, "Small school"))
    titles = [t.text for t in root.iter(f"{SVG}title")]
    assert titles == [
        "Small school",
        "Staff have little time to talk together",
        "Weekly video coaching",
        "Children talk more in class",
    ]
    assert not list(root.iter(f"{SVG}a"))
    step = next(g for g in root.iter(f"{SVG}g") if g.get("id") == "step-s1")
    assert step[0].tag == f"{SVG}title"


def test_bold_fonts_are_written_as_browsers_expect(raw_svg: bytes) -> None:
    root = ET.fromstring(svg_for_inline(raw_svg, "Small school"))
    header = next(g for g in root.iter(f"{SVG}g") if g.get("id") == "theme-situation")
    text = next(header.iter(f"{SVG}text"))
    assert text.get("font-family") == "DejaVu Sans, sans-serif"
    assert text.get("font-weight") == "bold"


def test_ids_can_be_prefixed_for_pages_with_several_charts(raw_svg: bytes) -> None:
    root = ET.fromstring(svg_for_inline(raw_svg, "Small school", id_prefix="v2-"))
    ids = [e.get("id") for e in root.iter() if e.get("id")]
    assert "v2-step-s1" in ids
    assert all(i is not None and i.startswith("v2-") for i in ids)


def test_non_svg_input_is_refused() -> None:
    with pytest.raises(ValueError):
        svg_for_inline(b"<html></html>", "x")


def test_links_are_unwrapped_in_place_keeping_the_order_of_everything() -> None:
    root = ET.fromstring(
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
        '<g id="step-1" class="node"><title>n1</title><path id="p0"/>'
        '<g id="a_step-1"><a xlink:title="Tip"><path id="p1"/><text id="t1">A</text></a></g>'
        '<text id="t2">B</text><a href="#keep"><text id="t3">C</text></a></g></svg>'
    )
    inline = ET.fromstring(svg_for_inline(ET.tostring(root), "Chart"))
    step = next(g for g in inline.iter(f"{SVG}g") if g.get("id") == "step-1")
    assert [(c.tag.removeprefix(SVG), c.get("id")) for c in step] == [
        ("title", None),
        ("path", "p0"),
        ("path", "p1"),
        ("text", "t1"),
        ("text", "t2"),
        ("a", None),  # a real link stays
    ]
    assert step[0].text == "Tip"
