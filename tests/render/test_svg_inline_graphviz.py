"""Graphviz's SVG made ready to inline by editing its text gives what the tree gives.

``svg_for_inline`` edits Graphviz's own output (``svg_inline_graphviz``) and parses anything else
(``svg_for_inline_by_tree``). Both must give the same drawing for every kind of chart, hostile
text included; and the edits must refuse what they do not expect, so the tree takes over.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from tests.render.helpers import small_chart, synthetic_chart
from tests.render.test_annotations import full_annotations, voice_chart
from tocapp.domain.theory import Flowchart, Link, Step, Theme
from tocapp.render import Annotations, flowchart_from_json, flowchart_to_dot, render_dot
from tocapp.render.annotations import LinkDecoration, StepDecoration
from tocapp.render.svg_inline import svg_for_inline, svg_for_inline_by_tree
from tocapp.render.svg_inline_graphviz import graphviz_svg_for_inline

FIXTURE = Path(__file__).parents[2] / "tocapp" / "fixtures" / "clarity-study.json"

# Text that looks like the very markup the edits look for, beside the usual hostile text.
HOSTILE = [
    '<title>n0</title>\n<g id="a_x"><a xlink:title="y">',
    "</a>\n</g>\n",
    ' font-family="DejaVu Sans Bold" id="x"',
    "<!-- n0 --> -->",
    '<svg width="1">',
    '"]; n0 -> n1; x [URL="https://example.org" label="',
    "</svg><script>alert(1)</script>",
    "&amp; &#92; &lt;",
    "{x|y} \\N \\l ends with \\",
    "🙂 Ysgol Gymraeg Tŷ Ŵyn مدرسة",
    "tab\there, CR\rLF\r\n, non-characters \ufffe\uffff, &#45;&#45;&gt; ]]> <![CDATA[x]]>",
]


def _canonical(element: ET.Element) -> tuple[Any, ...]:
    """An element as the browser reads it: tag, attributes, text, children and the text after
    it (white space aside)."""
    text = (element.text or "").strip() or None
    tail = (element.tail or "").strip() or None
    return (element.tag, dict(element.attrib), text, [_canonical(c) for c in element], tail)


def _demo_charts() -> list[Flowchart]:
    study = json.loads(FIXTURE.read_text(encoding="utf-8"))
    return [
        flowchart_from_json(
            {
                "title": setting["name"],
                "groups": study["project"]["groups"],
                "steps": setting["steps"],
                "links": setting["links"],
            }
        )
        for setting in study["settings"]
    ]


def _hostile_chart() -> tuple[Flowchart, Annotations]:
    steps = tuple(
        Step(f"k{i}", list(Theme)[i % 3], ("Staff", "Children")[i % 2], text)
        for i, text in enumerate(HOSTILE)
    )
    links = (
        Link("k0", "k1", HOSTILE[1]),
        Link("k1", "k2", HOSTILE[2], added_by=HOSTILE[3]),
        Link("k3", "k5", HOSTILE[5]),
    )
    annotations = Annotations(
        steps={"k0": StepDecoration(tally=f"{HOSTILE[0]} ✓"), "k4": StepDecoration(divergent=True)},
        links={("k0", "k1"): LinkDecoration(badge=HOSTILE[2], note_numbers=(1, 2))},
    )
    return Flowchart(HOSTILE[4], ("Staff", "Children"), steps, links), annotations


def _cases() -> list[tuple[str, Flowchart, Annotations | None]]:
    hostile, hostile_marks = _hostile_chart()
    return [
        ("small", small_chart(), None),
        ("voice, every mark", voice_chart(), full_annotations()),
        ("40 steps", synthetic_chart(40, 50, seed=3), None),
        ("80 steps", synthetic_chart(80, 100, seed=4), None),
        ("hostile", hostile, None),
        ("hostile, marked", hostile, hostile_marks),
        *((f"demo {chart.title}", chart, None) for chart in _demo_charts()),
    ]


CASES = _cases()


@pytest.mark.parametrize(("name", "chart", "annotations"), CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("id_prefix", ["", "v2-", 'v"<&'])
def test_the_edits_give_what_the_tree_gives(
    name: str, chart: Flowchart, annotations: Annotations | None, id_prefix: str
) -> None:
    raw = render_dot(flowchart_to_dot(chart, annotations))
    title = f'{name} — "{HOSTILE[0]}" & {HOSTILE[9]}'
    edited = graphviz_svg_for_inline(raw.decode("utf-8"), title, id_prefix)
    assert edited is not None, "Graphviz's own SVG is edited, not parsed"
    assert edited.startswith("<svg ") and "<!--" not in edited and "<a " not in edited
    by_tree = svg_for_inline_by_tree(raw, title, id_prefix=id_prefix)
    assert _canonical(ET.fromstring(edited)) == _canonical(ET.fromstring(by_tree))
    assert svg_for_inline(raw, title, id_prefix=id_prefix) == edited
    assert "&#45;" not in edited  # ids read "step-3" in the page's source, as from the tree


def test_hostile_text_stays_text_after_the_edits() -> None:
    chart, annotations = _hostile_chart()
    inline = svg_for_inline(render_dot(flowchart_to_dot(chart, annotations)), HOSTILE[6])
    root = ET.fromstring(inline)
    assert root.get("aria-label") == HOSTILE[6]
    assert "<script" not in inline
    titles = [t.text for t in root.iter("{http://www.w3.org/2000/svg}title")]
    assert titles[0] == HOSTILE[6]
    # Tooltips as the user wrote them (a tooltip has its line breaks as spaces).
    assert " ".join(HOSTILE[0].split()) in titles and HOSTILE[2] in titles
    assert not [e for e in root.iter() if e.tag.endswith("}a")]


def test_a_real_link_is_left_to_the_tree() -> None:
    raw = render_dot('digraph { n0 [pos="30,20", URL="https://example.org/", tooltip="Tip"]; }')
    assert b"xlink:href" in raw
    assert graphviz_svg_for_inline(raw.decode(), "Chart") is None
    root = ET.fromstring(svg_for_inline(raw, "Chart"))
    links = [e for e in root.iter() if e.tag.endswith("}a")]
    assert len(links) == 1  # kept, as the tree keeps it


def test_svg_not_written_by_graphviz_is_left_to_the_tree() -> None:
    svg = (
        '<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10pt">'
        '<g class="node"><title>n0</title><text font-family="DejaVu Sans Bold">A</text></g></svg>'
    )
    assert graphviz_svg_for_inline(svg, "Chart") is None
    root = ET.fromstring(svg_for_inline(svg.encode(), "Chart"))
    text = next(e for e in root.iter() if e.tag.endswith("}text"))
    assert text.get("font-weight") == "bold" and root.get("width") == "100%"


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("</a>\n</g>\n", "</a></g>\n"),  # a link's end tags on one line
        ("</title>\n", "</title>"),  # titles run on into what follows them
        (' class="', " class='x' data-class=\""),  # an attribute in single quotes
        (' font-size="', ' font-weight="normal" font-size="'),  # a weight Graphviz set itself
    ],
)
def test_graphviz_output_laid_out_otherwise_is_left_to_the_tree(old: str, new: str) -> None:
    raw = render_dot(flowchart_to_dot(small_chart())).decode()
    changed = raw.replace(old, new)
    assert changed != raw
    assert graphviz_svg_for_inline(changed, "Small school") is None
    by_tree = svg_for_inline_by_tree(changed.encode(), "Small school")
    assert svg_for_inline(changed.encode(), "Small school") == by_tree
