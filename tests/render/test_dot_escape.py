"""The one escaping function: what Graphviz would read as markup must arrive as plain text."""

from __future__ import annotations

import pytest

from tocapp.render.dot_escape import (
    clean_text,
    dot_label,
    dot_left_label,
    escape_dot_string,
    escape_dot_tooltip,
)


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("plain words", "plain words"),
        ("back\\slash", "back\\\\slash"),
        ("a\\nb", "a\\\\nb"),
        ('say "hi"', 'say \\"hi\\"'),
        ("fish & chips", "fish &amp; chips"),
        ("&amp;", "&amp;amp;"),
        ("ends with \\", "ends with \\\\"),
        ("<b>x</b> {x|y}", "<b>x</b> {x|y}"),
        ("Tŷ Ŵyn 🙂 مدرسة", "Tŷ Ŵyn 🙂 مدرسة"),
    ],
)
def test_escape_dot_string_turns_markup_into_text(text: str, escaped: str) -> None:
    assert escape_dot_string(text) == escaped


def _backslashes_before(text: str, end: int) -> int:
    return end - len(text[:end].rstrip("\\"))


@pytest.mark.parametrize("text", ['a\\"b', '\\\\"c"', "ends \\", '"', "\\"])
def test_escaped_text_never_ends_a_dot_string_early(text: str) -> None:
    escaped = escape_dot_string(text)
    # Every quote is escaped (an odd run of backslashes before it) ...
    quotes = [i for i, ch in enumerate(escaped) if ch == '"']
    assert all(_backslashes_before(escaped, i) % 2 == 1 for i in quotes)
    # ... and the text cannot escape our closing quote (an even run at the end).
    assert _backslashes_before(escaped, len(escaped)) % 2 == 0


def test_control_characters_are_dropped_and_newlines_normalised() -> None:
    assert clean_text("a\x00b\x07c\x1bd") == "abcd"
    assert clean_text("one\r\ntwo\rthree\u2028four") == "one\ntwo\nthree\nfour"
    assert clean_text("tab\there") == "tab here"
    assert clean_text("lone \ud800 surrogate") == "lone  surrogate"


def test_escape_dot_string_makes_newlines_spaces_so_breaks_stay_ours() -> None:
    assert escape_dot_string("one\ntwo") == "one two"


def test_dot_label_escapes_each_line_then_joins_with_our_break() -> None:
    assert dot_label(["a\\n", "b"]) == "a\\\\n\\nb"
    assert dot_left_label(["x", "y"]) == "x\\ly\\l"


def test_tooltip_shows_backslash_as_a_look_alike() -> None:
    assert escape_dot_tooltip('a\\Nb & "c"') == 'a\u29f5Nb &amp; \\"c\\"'
