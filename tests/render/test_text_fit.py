"""Wrapping keeps text inside fixed-size boxes, checked against Graphviz's own measurements."""

from __future__ import annotations

import random
import subprocess

import pytest

from tocapp.render import text_fit
from tocapp.render.dot_escape import dot_label, quoted
from tocapp.render.flowchart_layout import STEP_FONT_SIZE, STEP_MARGIN_X, STEP_WIDTH
from tocapp.render.text_fit import char_width_em, text_width, wrap_segments, wrap_to_width

INNER = STEP_WIDTH - 2 * STEP_MARGIN_X

SAMPLES = [
    "More children with speech, language and communication needs; therapy services only see "
    "the most complex cases",
    "W" * 60,
    "m" * 45 + " " + "i" * 80,
    "Ysgol Gymraeg Tŷ Ŵyn: ŵŵŵŵŵŵŵŵŵŵŵŵŵŵŵŵŵŵŵŵŵŵŵŵŵŵŵŵ ŶŶŶŶŶŶŶŶŶŶŶŶŶŶŶŶŶŶŶŶŶ",
    "مدرسة مدرسة مدرسة مدرسة مدرسة مدرسة مدرسة سسسسسسسسسسسسسسسسسسسسسسسسس",
    "%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%% @@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@",
    "https://example.org/a/very/long/address/that/has/no/spaces/at/all/anywhere",
    "🙂" * 40,
    "😀 ✅ ★ ♥ " * 10,
    "шшшшшшшшшшшшшшшшшшшшшшшшшшшшшшшшшшшшшшш щщщщщщщщщщщщщщщщщщщщщщщщщщщщщ",
    "学校" * 30,
    "Ελληνικά Русский текст ЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖ ΩΩΩΩΩΩΩΩΩΩΩΩΩΩΩΩΩΩΩΩΩΩΩΩΩ",
    "✓✓✓✓✓✓✓✓✓✓✓✓✓✓✓✓✓✓✓✓✓✓✓ ✗✗✗✗✗✗✗✗✗✗✗✗✗✗✗✗✗✗✗✗✗ ◐◐◐◐◐◐◐◐◐◐◐◐◐◐◐◐◐◐◐◐◐ ⚠⚠⚠⚠⚠⚠⚠⚠⚠⚠⚠⚠⚠⚠⚠⚠⚠⚠⚠⚠",
    "·························································· —————————————————————",
]


def test_typical_text_wraps_at_about_28_characters() -> None:
    lines = wrap_to_width(SAMPLES[0], INNER, STEP_FONT_SIZE)
    assert lines == [
        "More children with speech,",
        "language and communication",
        "needs; therapy services only",
        "see the most complex cases",
    ]


def test_long_words_are_broken_and_user_line_breaks_kept() -> None:
    lines = wrap_to_width("first line\n\n" + "x" * 80, INNER, STEP_FONT_SIZE)
    assert lines[0] == "first line"
    assert "".join(lines[1:]) == "x" * 80
    assert len(lines) > 2


def test_accents_stay_with_their_letters() -> None:
    word = "e\u0301" * 60  # e + combining acute, sixty times
    lines = wrap_to_width(word, INNER, STEP_FONT_SIZE)
    assert len(lines) > 1
    assert all(line.startswith("e\u0301") and not line.startswith("\u0301") for line in lines)
    assert "".join(lines) == word


@pytest.mark.parametrize("sample", SAMPLES)
def test_every_wrapped_line_fits_the_box_as_graphviz_measures_it(sample: str) -> None:
    """Graphviz sizes a plaintext node to its label: no line may be wider than the box's inside."""
    lines = wrap_to_width(sample, INNER, STEP_FONT_SIZE)
    nodes = "\n".join(
        f"n{i} [label={quoted(dot_label([line]))}, shape=plaintext, margin=0, width=0, height=0];"
        for i, line in enumerate(lines)
    )
    source = f'digraph {{ node [fontname="DejaVu Sans", fontsize={STEP_FONT_SIZE:g}];\n{nodes}\n}}'
    plain = subprocess.run(
        ["dot", "-Tplain"], input=source.encode(), capture_output=True, timeout=20, check=True
    ).stdout.decode()
    measured = {
        fields[1]: float(fields[4]) * 72
        for fields in (row.split() for row in plain.splitlines())
        if fields[0] == "node"
    }
    assert len(measured) == len(lines)
    for i, line in enumerate(lines):
        assert measured[f"n{i}"] <= INNER, (
            f"{line!r} is {measured[f'n{i}']:.1f}pt wide; we estimated "
            f"{text_width(line, STEP_FONT_SIZE):.1f}pt"
        )


def test_segments_are_kept_whole_and_overlong_ones_wrapped() -> None:
    tally = " · ".join(["Headteacher ✓", "Teacher ✓", "Teaching assistant ✗", "SENCo ◐"])
    lines = wrap_segments(tally, " · ", INNER, STEP_FONT_SIZE)
    assert " · ".join(lines) == tally
    assert all(line.endswith(("✓", "✗", "◐")) for line in lines)
    long = wrap_segments("x" * 80 + " · TA ✓", " · ", INNER, STEP_FONT_SIZE)
    assert "".join(long).startswith("x" * 80) and long[-1].endswith("TA ✓")


def test_a_line_of_plain_ascii_measures_exactly_as_its_characters_add_up() -> None:
    # Plain ASCII takes a quicker path (a table per byte); it must give the very same widths,
    # control characters included, or charts would change with how their text is spelt.
    rng = random.Random(7)
    for _ in range(500):
        text = "".join(chr(rng.randrange(128)) for _ in range(rng.randrange(40)))
        for bold in (False, True):
            expected = sum(char_width_em(ch) for ch in text) * 11.0
            expected = expected * text_fit._BOLD_FACTOR if bold else expected
            assert text_width(text, 11.0, bold=bold) == expected
    assert text_width("Ysgol Gymraeg ŵ", 11.0) == sum(map(char_width_em, "Ysgol Gymraeg ŵ")) * 11.0
