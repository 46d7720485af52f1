"""The one way user text reaches Graphviz: cleaned, then escaped for a quoted DOT string.

Graphviz reads three kinds of markup inside a regular (non-HTML) quoted label: the DOT lexer's
``\\"``, the layout's backslash escapes (``\\n \\l \\r \\N \\G \\E \\T \\H \\L \\\\``) and HTML
character entities (``&amp;`` becomes ``&``). Escaping backslash, double quote and ampersand turns
all three off, so what a user typed is what the chart shows. We never put user text into an
HTML-like label (``<...>``), a URL, an image, a file path or an id.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

LINE_BREAK = "\\n"  # our own escape: a centred line break in a Graphviz label
LEFT_LINE_BREAK = "\\l"  # our own escape: ends a left-justified line

# Characters a user may type that mean "new line"; everything else in category Cc is dropped.
_NEWLINES = {"\r\n": "\n", "\r": "\n", "\u2028": "\n", "\u2029": "\n", "\x85": "\n"}
# Category Cc (C0 and C1 controls) except the newline, lone surrogates (category Cs), and the
# two non-characters XML forbids (U+FFFE, U+FFFF: no parser would read the drawing).
_DROPPED = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def clean_text(text: str) -> str:
    """Normalise newlines and tabs, and drop control characters, lone surrogates and the
    non-characters U+FFFE and U+FFFF."""
    for old, new in _NEWLINES.items():
        text = text.replace(old, new)
    return _DROPPED.sub("", text.replace("\t", " "))


def escape_dot_string(text: str) -> str:
    """Return the body of a double-quoted DOT string that Graphviz shows as exactly ``text``.

    The text is cleaned first; any newline left in it becomes a space, because line breaks are
    ours to add (see :func:`dot_label`).
    """
    text = clean_text(text).replace("\n", " ")
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("&", "&amp;")


def escape_dot_tooltip(text: str) -> str:
    """Like :func:`escape_dot_string`, for a tooltip, where a backslash cannot be trusted.

    Graphviz versions disagree on backslashes in tooltips (2.43 turns ``\\\\N`` into the node
    name), so a backslash is shown as the look-alike U+29F5 REVERSE SOLIDUS OPERATOR instead. The
    label, which is what people read and print, keeps the real character.
    """
    return escape_dot_string(text.replace("\\", "\u29f5"))


def dot_label(lines: Sequence[str]) -> str:
    """Escape each line and join them with our own centred line break."""
    return LINE_BREAK.join(escape_dot_string(line) for line in lines)


def dot_left_label(lines: Sequence[str]) -> str:
    """Escape each line and end every one with a left-justifying break (for the legend)."""
    return "".join(escape_dot_string(line) + LEFT_LINE_BREAK for line in lines)


def quoted(body: str) -> str:
    """Wrap an already escaped body in double quotes."""
    return f'"{body}"'
