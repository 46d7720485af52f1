"""Estimated text widths in DejaVu Sans, and wrapping that keeps every line inside its box.

We lay the chart out ourselves, so boxes have a fixed size and the text must fit before Graphviz
sees it. Widths of printable ASCII come from the font's own advance widths; other characters get a
deliberately generous estimate, so a line is sometimes shorter than it could be but never spills.
"""

from __future__ import annotations

import functools
import unicodedata

from tocapp.render.dot_escape import clean_text

# DejaVu Sans (Book) advance widths for " " to "~", in ems (read from the font's hmtx table).
_ASCII_WIDTHS = (
    0.318, 0.401, 0.46, 0.838, 0.636, 0.95, 0.78, 0.275, 0.39, 0.39, 0.5, 0.838, 0.318, 0.361,
    0.318, 0.337, 0.636, 0.636, 0.636, 0.636, 0.636, 0.636, 0.636, 0.636, 0.636, 0.636, 0.337,
    0.337, 0.838, 0.838, 0.838, 0.531, 1.0, 0.684, 0.686, 0.698, 0.77, 0.632, 0.575, 0.775, 0.752,
    0.295, 0.295, 0.656, 0.557, 0.863, 0.748, 0.787, 0.603, 0.787, 0.695, 0.635, 0.611, 0.732,
    0.684, 0.989, 0.685, 0.611, 0.685, 0.39, 0.337, 0.39, 0.838, 0.5, 0.5, 0.613, 0.635, 0.55,
    0.635, 0.615, 0.352, 0.635, 0.634, 0.278, 0.278, 0.579, 0.278, 0.974, 0.634, 0.612, 0.635,
    0.635, 0.411, 0.521, 0.392, 0.634, 0.592, 0.818, 0.592, 0.592, 0.525, 0.636, 0.337, 0.636,
    0.838,
)  # fmt: skip
# Symbols our annotations write (marks, warning, tally separator, dash): the widest Graphviz
# measures in DejaVu Sans at 9 to 12 points (hinting rounds them up to 8% at small sizes). The
# generous guess for other symbols would wrap a tally one voice to a line.
_OWN_SYMBOLS = {
    "\u2713": 0.84,  # ✓
    "\u2717": 0.84,  # ✗
    "\u25d0": 0.89,  # ◐
    "\u26a0": 0.92,  # ⚠
    "\u00b7": 0.345,  # ·
    "\u2014": 1.03,  # —
}
_BOLD_FACTOR = 1.12  # DejaVu Sans Bold is at most about 12% wider than Book for these glyphs
# Characters DejaVu Sans lacks or that vary with context get generous estimates.
_SYMBOL = 1.6  # emoji and other symbols, drawn from a fallback font or as a missing-glyph box
_WIDE = 1.25  # CJK and other East Asian wide characters
_CAPITAL = 1.15  # Greek, Cyrillic ... capitals (Ж is 1.1 em)
_SMALL = 0.95  # Greek, Cyrillic ... small letters (ш is 0.93 em)
_OTHER = 1.0  # Arabic, Hebrew, Devanagari ...: joined forms vary in width
# Pango's line spacing for DejaVu Sans is 1.164 em; Graphviz rounds, we keep a little spare.
LINE_SPACING = 1.2  # as Graphviz spaces a label's lines when it measures text itself
# Hinting and kerning move real widths by a point or two either way.
_SAFETY = 0.97


def char_width_em(ch: str) -> float:
    """Advance width of one character in ems (0 for combining marks and joiners)."""
    code = ord(ch)
    if 32 <= code <= 126:
        return _ASCII_WIDTHS[code - 32]
    if ch in _OWN_SYMBOLS:
        return _OWN_SYMBOLS[ch]
    category = unicodedata.category(ch)
    if category in ("Mn", "Me", "Cf"):
        return 0.0
    if category == "So":
        return _SYMBOL
    if unicodedata.east_asian_width(ch) in ("W", "F"):
        return _WIDE
    base = unicodedata.normalize("NFD", ch)[0]
    if base != ch and 32 <= ord(base) <= 126:
        return _ASCII_WIDTHS[ord(base) - 32]  # an accented letter is as wide as its letter
    return {"Lu": _CAPITAL, "Lt": _CAPITAL, "Ll": _SMALL}.get(category, _OTHER)


_ASCII_TABLE = tuple(char_width_em(chr(code)) for code in range(128))


def forget() -> None:
    """Drop every kept width and wrapping: the app calls it at the end of each request and job,
    so no one's words stay in a process's memory after the work that needed them."""
    text_width.cache_clear()
    _wrapped.cache_clear()


@functools.lru_cache(maxsize=1 << 16)
def text_width(text: str, fontsize: float, *, bold: bool = False) -> float:
    """Estimated width in points of one line of text (kept until ``forget``: the layout and the
    DOT writer measure the same words, and a page may draw several charts)."""
    if text.isascii():  # most words: a table per byte, added up in the same order
        width = sum(map(_ASCII_TABLE.__getitem__, text.encode())) * fontsize
    else:
        width = sum(char_width_em(ch) for ch in text) * fontsize
    return width * _BOLD_FACTOR if bold else width


def line_height(fontsize: float) -> float:
    """Height in points of one line of a Graphviz label at this font size."""
    return fontsize * LINE_SPACING


def wrap_to_width(text: str, max_width: float, fontsize: float, *, bold: bool = False) -> list[str]:
    """Split text into lines no wider than max_width points.

    The user's own line breaks are kept (blank lines dropped); words too long for a line are
    broken between characters, never between a letter and its accent.
    """
    return list(_wrapped(text, max_width, fontsize, bold))


@functools.lru_cache(maxsize=1 << 13)
def _wrapped(text: str, max_width: float, fontsize: float, bold: bool) -> tuple[str, ...]:
    max_width *= _SAFETY
    space = text_width(" ", fontsize, bold=bold)
    lines: list[str] = []
    for paragraph in clean_text(text).split("\n"):
        line, used = "", 0.0
        for word in paragraph.split():
            width = text_width(word, fontsize, bold=bold)
            if line and used + space + width <= max_width:
                line, used = f"{line} {word}", used + space + width
                continue
            if line:
                lines.append(line)
            if width <= max_width:
                line, used = word, width
                continue
            pieces = _break_word(word, max_width, fontsize, bold)
            lines.extend(pieces[:-1])
            line, used = pieces[-1], text_width(pieces[-1], fontsize, bold=bold)
        if line:
            lines.append(line)
    return tuple(lines)


def wrap_segments(text: str, separator: str, max_width: float, fontsize: float) -> list[str]:
    """Wrap text made of separator-joined segments, breaking lines between segments if it can.

    A tally such as "Headteacher ✓ · Teacher ✗" keeps each voice with its mark; a segment too
    long for a line is wrapped like any text. The separator is dropped where a line breaks.
    """
    lines: list[str] = []
    for paragraph in clean_text(text).split("\n"):
        line = ""
        for segment in paragraph.split(separator):
            segment = " ".join(segment.split())
            if not segment:
                continue
            joined = f"{line}{separator}{segment}" if line else segment
            if text_width(joined, fontsize) <= max_width * _SAFETY:
                line = joined
                continue
            if line:
                lines.append(line)
            pieces = wrap_to_width(segment, max_width, fontsize)
            lines.extend(pieces[:-1])
            line = pieces[-1]
        if line:
            lines.append(line)
    return lines


def _break_word(word: str, max_width: float, fontsize: float, bold: bool) -> list[str]:
    pieces: list[str] = []
    current = ""
    for cluster in _clusters(word):
        if current and text_width(current + cluster, fontsize, bold=bold) > max_width:
            pieces.append(current)
            current = ""
        current += cluster
    pieces.append(current)
    return pieces


def _clusters(word: str) -> list[str]:
    """Characters with their combining marks and zero-width joins, which must not be split."""
    clusters: list[str] = []
    for ch in word:
        joins_previous = unicodedata.category(ch) in ("Mn", "Me", "Cf") or (
            clusters and clusters[-1].endswith("\u200d")
        )
        if clusters and joins_previous:
            clusters[-1] += ch
        else:
            clusters.append(ch)
    return clusters
