"""The return-interview overlay: marks in words and fills, tallies, notes, voices' additions."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.render.helpers import (
    SVG,
    groups_with_class,
    parse_svg,
    small_chart,
    step_texts,
    synthetic_chart,
    texts,
)
from tocapp.domain.theory import Flowchart, Link, Step, Theme
from tocapp.domain.voices import Mark
from tocapp.render import (
    Annotations,
    LinkDecoration,
    StepDecoration,
    flowchart_to_dot,
    link_dom_ids,
    render_dot,
    render_flowchart,
)
from tocapp.render.annotations import MARK_FILLS

GOLDEN = Path(__file__).parent / "golden"
HOSTILE = [
    "<b>x</b>",
    "a\\nb",
    '"q"',
    "{x|y}",
    "\\l",
    "&amp;",
    "🙂",
    "Tŷ Ŵyn",
    "مدرسة",
    "\\N \\G",
    '"]; n0 -> n1; x [image="/etc/passwd" label="',
]


def voice_chart() -> Flowchart:
    """The small chart plus a step and an arrow a teaching assistant added."""
    base = small_chart()
    added = Step("v1", Theme.OUTCOME, "Staff", "Staff share clips", added_by="Teaching assistant")
    return Flowchart(
        base.title,
        base.groups,
        (*base.steps, added),
        (*base.links, Link("a1", "v1", added_by="Teaching assistant")),
    )


def full_annotations() -> Annotations:
    return Annotations(
        steps={
            "s1": StepDecoration(mark=Mark.ACHIEVED, note_numbers=(1, 4)),
            "a1": StepDecoration(
                tally="Headteacher ✓ · Teacher ✓ · Teaching assistant ✗", divergent=True
            ),
            "o1": StepDecoration(mark=Mark.ELUSIVE, note_numbers=(2,)),
            "v1": StepDecoration(mark=Mark.PARTLY),
        },
        links={("a1", "v1"): LinkDecoration(badge="3", note_numbers=(5,))},
    )


def draw(chart: Flowchart, annotations: Annotations | None = None) -> ET.Element:
    return parse_svg(render_flowchart(chart, "svg", annotations=annotations))


def by_id(root: ET.Element, element_id: str) -> ET.Element:
    return next(g for g in root.iter(f"{SVG}g") if g.get("id") == element_id)


def shape_of(group: ET.Element, tag: str) -> ET.Element:
    shape = group.find(f".//{SVG}{tag}")
    assert shape is not None
    return shape


def legend_text(root: ET.Element) -> str:
    return " ".join(texts(by_id(root, "legend")))


def test_no_annotations_draws_exactly_what_it_drew_before() -> None:
    golden = (GOLDEN / "small_chart.dot").read_text(encoding="utf-8")
    assert flowchart_to_dot(small_chart(), None) == golden
    assert flowchart_to_dot(small_chart(), Annotations()) == golden
    assert render_flowchart(small_chart(), "svg", annotations=None) == render_dot(golden)


def test_each_mark_is_written_in_its_box_and_shaded() -> None:
    svg = draw(voice_chart(), full_annotations())
    drawn = step_texts(svg)
    assert drawn["step-s1"][-2:] == ["✓ Achieved", "Notes 1, 4"]
    assert drawn["step-o1"][-2:] == ["✗ Elusive", "Note 2"]
    assert "◐ Partly achieved" in drawn["step-v1"]
    for step_id, mark in (("step-s1", Mark.ACHIEVED), ("step-o1", Mark.ELUSIVE)):
        box = by_id(svg, step_id)
        assert shape_of(box, "polygon").get("fill") == MARK_FILLS[mark]
        assert f"mark-{mark.value}" in (box.get("class") or "").split()
    assert shape_of(by_id(svg, "step-a1"), "polygon").get("fill") == "white"


def test_tally_and_divergence_are_lines_in_the_box_with_a_thicker_border() -> None:
    svg = draw(voice_chart(), full_annotations())
    lines = step_texts(svg)["step-a1"]
    assert lines[:2] == ["A1", "Weekly video coaching"]
    assert lines[2] == "⚠ Voices differ"
    # Wrapped between voices, never between a voice and its mark.
    assert " · ".join(lines[3:]) == "Headteacher ✓ · Teacher ✓ · Teaching assistant ✗"
    assert all(line.endswith(("✓", "✗")) for line in lines[3:])
    box = by_id(svg, "step-a1")
    assert {"tallied", "divergent"} <= set((box.get("class") or "").split())
    plain = by_id(svg, "step-s1")
    assert float(shape_of(box, "polygon").get("stroke-width", "1")) > 2 * float(
        shape_of(plain, "polygon").get("stroke-width", "1")
    )


@pytest.mark.parametrize("annotations", [None, full_annotations()], ids=["plain", "annotated"])
def test_what_a_voice_added_is_dashed_and_says_so(annotations: Annotations | None) -> None:
    chart = voice_chart()
    svg = draw(chart, annotations)
    step = by_id(svg, "step-v1")
    assert shape_of(step, "polygon").get("stroke-dasharray")
    assert "added" in (step.get("class") or "").split()
    assert " ".join(texts(step)).endswith("Added at return interview — Teaching assistant")
    link_id = link_dom_ids(chart)[("a1", "v1")]
    arrow = by_id(svg, link_id)
    assert shape_of(arrow, "path").get("stroke-dasharray")
    assert (arrow.get("class") or "").split()[:3] == ["edge", "link", "added"]
    for leader_id in ("step-s1", "step-a1", "step-o1"):
        assert shape_of(by_id(svg, leader_id), "polygon").get("stroke-dasharray") is None
    assert shape_of(by_id(svg, "link-0"), "path").get("stroke-dasharray") is None
    assert "Dashed boxes and arrows: added at a return interview." in legend_text(svg)


def test_arrow_badges_and_notes_are_in_the_arrow_label() -> None:
    chart = voice_chart()
    annotations = Annotations(
        links={
            ("a1", "v1"): LinkDecoration(badge="3", note_numbers=(5,)),
            ("a1", "o1"): LinkDecoration(badge="Teacher 2 · TA 1"),
        }
    )
    svg = draw(chart, annotations)
    ids = link_dom_ids(chart)
    assert texts(by_id(svg, ids[("a1", "v1")])) == ["[3] Note 5"]
    assert texts(by_id(svg, ids[("a1", "o1")])) == ["through modelling", "[Teacher 2 · TA 1]"]
    assert texts(by_id(svg, ids[("s1", "a1")])) == []


def test_link_dom_ids_name_each_arrow_group_in_the_svg() -> None:
    chart = voice_chart()
    svg = draw(chart)
    ids = link_dom_ids(chart)
    assert list(ids) == [(link.source, link.target) for link in chart.links]
    assert sorted(g.get("id") for g in groups_with_class(svg, "link")) == sorted(ids.values())


def test_legend_explains_only_what_the_drawing_shows() -> None:
    plain = legend_text(draw(small_chart()))
    for absent in ("Marks:", "⚠", "Dashed", "[ ]", "Notes 1, 2"):
        assert absent not in plain
    one_mark = legend_text(
        draw(small_chart(), Annotations(steps={"s1": StepDecoration(mark=Mark.PARTLY)}))
    )
    assert "◐ Partly achieved" in one_mark
    assert "Achieved," not in one_mark and "Elusive" not in one_mark and "Dashed" not in one_mark
    everything = legend_text(draw(voice_chart(), full_annotations()))
    for present in ("✓ Achieved", "◐ Partly", "✗ Elusive", "⚠ Voices differ", "Dashed", "[ ]"):
        assert present in everything
    assert "numbered notes beside the chart" in everything


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_text_in_decorations_is_drawn_literally(hostile: str) -> None:
    chart = Flowchart(
        "Hostile",
        ("Staff",),
        (
            Step("s", Theme.SITUATION, "Staff", "one"),
            Step("a", Theme.ACTION, "Staff", "two", added_by=hostile),
        ),
        (Link("s", "a", added_by=hostile),),
    )
    annotations = Annotations(
        steps={"s": StepDecoration(tally=f"{hostile} ✓ · Teacher ✗")},
        links={("s", "a"): LinkDecoration(badge=hostile)},
    )
    svg = parse_svg(render_dot(flowchart_to_dot(chart, annotations)))
    added = step_texts(svg)["step-a"]
    assert " ".join(added[2:]) == f"Added at return interview — {hostile}"
    assert " ".join(step_texts(svg)["step-s"][2:]) == f"{hostile} ✓ · Teacher ✗"
    label = "".join(texts(by_id(svg, "link-0")))  # a long word may be broken between lines
    assert label.replace(" ", "") == f"[{hostile}]".replace(" ", "")
    assert not [e for e in svg.iter() if e.tag.endswith("image")]


def test_same_chart_and_annotations_give_the_same_bytes() -> None:
    chart = synthetic_chart(40, 50, seed=4)
    keys = [s.key for s in chart.steps]

    def annotations() -> Annotations:
        marks = list(Mark)
        return Annotations(
            steps={
                k: StepDecoration(mark=marks[i % 3], note_numbers=(i,)) for i, k in enumerate(keys)
            },
            links={
                (ln.source, ln.target): LinkDecoration(badge=str(i))
                for i, ln in enumerate(chart.links)
            },
        )

    first = flowchart_to_dot(chart, annotations())
    assert first == flowchart_to_dot(chart, annotations())
    assert render_dot(first) == render_dot(flowchart_to_dot(chart, annotations()))


VARIANTS = {
    "none": None,
    "achieved": Annotations(steps={"s1": StepDecoration(mark=Mark.ACHIEVED)}),
    "partly": Annotations(steps={"s1": StepDecoration(mark=Mark.PARTLY)}),
    "on another step": Annotations(steps={"a1": StepDecoration(mark=Mark.ACHIEVED)}),
    "tally": Annotations(steps={"s1": StepDecoration(tally="Teacher ✓")}),
    "other tally": Annotations(steps={"s1": StepDecoration(tally="TA ✓")}),
    "divergent": Annotations(steps={"s1": StepDecoration(divergent=True)}),
    "note": Annotations(steps={"s1": StepDecoration(note_numbers=(1,))}),
    "other note": Annotations(steps={"s1": StepDecoration(note_numbers=(2,))}),
    "badge": Annotations(links={("s1", "a1"): LinkDecoration(badge="1")}),
    "other badge": Annotations(links={("s1", "a1"): LinkDecoration(badge="2")}),
    "link note": Annotations(links={("s1", "a1"): LinkDecoration(note_numbers=(1,))}),
}


def test_different_annotations_give_different_dot_and_so_different_cache_keys() -> None:
    sources = {name: flowchart_to_dot(small_chart(), a) for name, a in VARIANTS.items()}
    assert len(set(sources.values())) == len(VARIANTS)


def test_decorations_of_steps_and_arrows_not_in_the_chart_are_ignored() -> None:
    stale = Annotations(
        steps={"gone": StepDecoration(mark=Mark.ELUSIVE)},
        links={("s1", "o1"): LinkDecoration(badge="9")},
    )
    assert flowchart_to_dot(small_chart(), stale) == flowchart_to_dot(small_chart())


def test_mark_fills_stay_apart_in_greyscale() -> None:
    """Lightness (CIE L*) at least 5 apart from each other and from a white box."""
    lightness = sorted([100.0, *(_lightness(colour) for colour in MARK_FILLS.values())])
    assert all(b - a >= 5 for a, b in zip(lightness, lightness[1:], strict=False))
    assert min(lightness) > 70  # still light enough to read dark text on


def _lightness(colour: str) -> float:
    def linear(channel: float) -> float:
        return channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4

    r, g, b = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    luminance = 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b)
    return 116 * luminance ** (1 / 3) - 16
