"""What a return interview adds to a drawn flowchart: marks, tallies, notes and voices' additions.

The dataclasses say what to show on each step and arrow; the functions here turn them into lines
of text (wrapped later, escaped by the writer like any user text), DOT style values of our own,
CSS classes and legend sentences. Meaning never rests on colour alone: a mark is also written in
its box as a symbol and a word, and the fills differ in lightness so they survive greyscale print.
Steps and arrows a voice added (``added_by``) are dashed whether or not annotations are given.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from tocapp.domain.theory import Flowchart, Link, Step
from tocapp.domain.voices import Mark
from tocapp.render.text_fit import wrap_segments, wrap_to_width

# Light fills, each darker than the last (CIE L* about 92.5, 86.5, 77.5; white is 100), so they
# stay apart in greyscale print; the line of text in the box carries the meaning anyway.
MARK_FILLS = {Mark.ACHIEVED: "#d9f0d3", Mark.PARTLY: "#eed796", Mark.ELUSIVE: "#e6b4b4"}
DIVERGENT_PENWIDTH = 2.8
DIVERGENT_LINE = "\u26a0 Voices differ"
ADDED_PREFIX = "Added at return interview \u2014 "
TALLY_SEPARATOR = " \u00b7 "


@dataclass(frozen=True)
class StepDecoration:
    """What to show on one step: one voice's mark, or every voice's marks as a tally."""

    mark: Mark | None = None
    tally: str = ""  # all-voices view, e.g. "Headteacher ✓ · Teacher ✓ · TA ✗"
    divergent: bool = False  # the voices differ on this step
    note_numbers: tuple[int, ...] = ()


@dataclass(frozen=True)
class LinkDecoration:
    """What to show on one arrow: its number(s) in the return interview, and notes on it."""

    badge: str = ""  # e.g. "3" for one voice's arrow 3, or "Teacher 2 · TA 1"
    note_numbers: tuple[int, ...] = ()


@dataclass(frozen=True)
class Annotations:
    """Decorations by step key and by (source key, target key); others in the chart get none.

    Keys that are not in the chart are ignored, so a stale decoration cannot stop a drawing.
    """

    steps: Mapping[str, StepDecoration] = field(default_factory=dict)
    links: Mapping[tuple[str, str], LinkDecoration] = field(default_factory=dict)


_NO_STEP = StepDecoration()
_NO_LINK = LinkDecoration()


def step_decoration(annotations: Annotations | None, key: str) -> StepDecoration:
    """The step's decoration, or an empty one."""
    return annotations.steps.get(key, _NO_STEP) if annotations is not None else _NO_STEP


def link_decoration(annotations: Annotations | None, link: Link) -> LinkDecoration:
    """The arrow's decoration, or an empty one."""
    if annotations is None:
        return _NO_LINK
    return annotations.links.get((link.source, link.target), _NO_LINK)


def notes_text(numbers: tuple[int, ...]) -> str:
    """ "Note 2" or "Notes 1, 4"; empty when there are no notes."""
    if not numbers:
        return ""
    word = "Note" if len(numbers) == 1 else "Notes"
    return f"{word} {', '.join(str(n) for n in numbers)}"


def mark_text(mark: Mark) -> str:
    return f"{mark.symbol} {mark.label}"


def added_by(item: Step | Link) -> str:
    """The voice that added a step or arrow at a return interview, or "" for the leader's."""
    return " ".join(item.added_by.split())


def step_decoration_lines(
    step: Step, decoration: StepDecoration, width: float, fontsize: float
) -> list[str]:
    """The lines under a step's own text: mark, divergence, tally, notes, who added it."""
    paragraphs = []
    if decoration.mark is not None:
        paragraphs.append(mark_text(decoration.mark))
    if decoration.divergent:
        paragraphs.append(DIVERGENT_LINE)
    lines = [line for text in paragraphs for line in wrap_to_width(text, width, fontsize)]
    if decoration.tally.strip():
        lines += wrap_segments(decoration.tally, TALLY_SEPARATOR, width, fontsize)
    for text in (notes_text(decoration.note_numbers), _added_text(step)):
        if text:
            lines += wrap_to_width(text, width, fontsize)
    return lines


def link_decoration_text(decoration: LinkDecoration) -> str:
    """The text added to an arrow's label: "[3]", "[Teacher 2 · TA 1] Notes 1, 4" ..."""
    badge = " ".join(decoration.badge.split())
    parts = [f"[{badge}]"] if badge else []
    if decoration.note_numbers:
        parts.append(notes_text(decoration.note_numbers))
    return " ".join(parts)


def step_style(step: Step, decoration: StepDecoration) -> dict[str, str]:
    """DOT attributes (our own constants) that differ from a plain step box."""
    style: dict[str, str] = {}
    if decoration.mark is not None:
        style["fillcolor"] = MARK_FILLS[decoration.mark]
    if added_by(step):
        style["style"] = "filled,dashed"
    if decoration.divergent:
        style["penwidth"] = str(DIVERGENT_PENWIDTH)
    return style


def step_classes(step: Step, decoration: StepDecoration) -> list[str]:
    """CSS classes for the step's SVG group, after ``step theme-… group-…``."""
    classes = []
    if decoration.mark is not None:
        classes.append(f"mark-{decoration.mark.value}")
    if decoration.tally.strip():
        classes.append("tallied")
    if decoration.divergent:
        classes.append("divergent")
    if added_by(step):
        classes.append("added")
    if decoration.note_numbers:
        classes.append("noted")
    return classes


def link_style(link: Link) -> dict[str, str]:
    return {"style": "dashed"} if added_by(link) else {}


def link_classes(link: Link, decoration: LinkDecoration) -> list[str]:
    """CSS classes for the arrow's SVG group, after ``link``."""
    classes = []
    if added_by(link):
        classes.append("added")
    if decoration.badge.strip():
        classes.append("badged")
    if decoration.note_numbers:
        classes.append("noted")
    return classes


def legend_sentences(chart: Flowchart, annotations: Annotations | None) -> list[str]:
    """Legend lines for what this drawing shows, and only that, after the usual ones."""
    steps = [step_decoration(annotations, s.key) for s in chart.steps]
    links = [link_decoration(annotations, link) for link in chart.links]
    sentences = []
    tallies = [d.tally for d in steps if d.tally.strip()]
    marks = {d.mark for d in steps if d.mark is not None}
    marks |= {m for m in Mark if any(m.symbol in tally for tally in tallies)}
    if marks:
        shown = ", ".join(mark_text(m) for m in sorted(marks, key=lambda m: m.order))
        sentences.append(f"Marks: {shown}; the box is shaded to match.")
    if tallies:
        sentences.append("Under a step: each interviewee's role and mark.")
    if any(d.divergent for d in steps):
        sentences.append(f"{DIVERGENT_LINE} (thick border): the interviewees' marks disagree.")
    added_steps = any(added_by(s) for s in chart.steps)
    added_links = any(added_by(link) for link in chart.links)
    if added_steps or added_links:
        what = {(True, True): "boxes and arrows", (True, False): "boxes", (False, True): "arrows"}
        sentences.append(f"Dashed {what[added_steps, added_links]}: added at a return interview.")
    if any(d.badge.strip() for d in links):
        sentences.append("[ ] on an arrow: its number in the return interview.")
    if any(d.note_numbers for d in steps) or any(d.note_numbers for d in links):
        sentences.append("Notes 1, 2 ...: see the numbered notes beside the chart.")
    return sentences


def _added_text(step: Step) -> str:
    voice = added_by(step)
    return ADDED_PREFIX + voice if voice else ""
