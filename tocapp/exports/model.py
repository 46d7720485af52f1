"""What an exported document says, as plain data: no ORM objects, no Flask, nothing to look up.

The services build these (see :mod:`tocapp.services.export_data`) from the one voice read model,
which has already applied the privacy rules for the document's audience: people appear by their
labels, and every verbatim quote from someone who did not consent to quotation is replaced by
``WITHHELD_QUOTE``. The PDF and Word writers only
lay the data out, so the two formats cannot disagree about what may be shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from tocapp.domain.outline import OutlineTheme, build_outline
from tocapp.domain.people import WITHHELD_QUOTE, Audience
from tocapp.domain.theory import Flowchart
from tocapp.domain.voices import Mark
from tocapp.render import Annotations

MARK_MEANINGS = {
    Mark.ACHIEVED: "came to fruition",
    Mark.PARTLY: "partly came to fruition",
    Mark.ELUSIVE: "was more elusive",
}


@dataclass(frozen=True)
class TitleBlock:
    """The first thing on the first page: what this is, of which study, setting, round and date."""

    heading: str  # e.g. "Leader's flowchart"
    rows: tuple[tuple[str, str], ...]  # (label, value): study, setting, round, version, dates
    generated_on: date
    audience: Audience = Audience.RESEARCH
    # What the downloaded file is named after: study, setting code, round, voice's role, date.
    name_parts: tuple[str, ...] = ()

    @property
    def identified(self) -> bool:
        return self.audience is Audience.IDENTIFIED

    @property
    def notice(self) -> str:
        return self.audience.notice

    def value(self, label: str) -> str:
        return next((value for name, value in self.rows if name == label), "")


@dataclass(frozen=True)
class ChartFigure:
    """A chart to draw, with the decorations to draw on it and what to call it."""

    chart: Flowchart
    caption: str
    annotations: Annotations | None = None


@dataclass(frozen=True)
class SourceWords:
    """Where one step came from: the round-1 question, and the leader's words if recorded."""

    number: str
    step_text: str
    question: str  # "Question 3: How will these changes be made? ..." or "" when not recorded
    words: str  # the quoted words, WITHHELD_QUOTE, or ""

    @property
    def withheld(self) -> bool:
        return self.words == WITHHELD_QUOTE


@dataclass(frozen=True)
class NoteRow:
    number: int
    about: str  # "S1 Few practitioners ...", "Arrow A1 → O2", or "The conversation in general"
    text: str
    verbatim: bool

    @property
    def withheld(self) -> bool:
        return self.text == WITHHELD_QUOTE


@dataclass(frozen=True)
class ArrowRow:
    number: int
    source: str  # "A3 Video coaching ..."
    target: str
    note: str
    verbatim: bool

    @property
    def withheld(self) -> bool:
        return self.note == WITHHELD_QUOTE


@dataclass(frozen=True)
class NewStepRow:
    number: str
    theme: str
    group: str
    text: str


@dataclass(frozen=True)
class MarkGroup:
    """The steps one voice gave one mark, in reading order (the marks summary)."""

    mark: Mark
    steps: tuple[str, ...]  # "S1 Few practitioners ..."

    @property
    def heading(self) -> str:
        count = len(self.steps)
        word = "step" if count == 1 else "steps"
        return f"{self.mark.symbol} {self.mark.label}: {count} {word}"


@dataclass(frozen=True)
class VoiceSection:
    """Everything one return interview added to the frozen chart."""

    label: str  # pseudonymised, e.g. "Teaching assistant (Nursery teaching assistant)"
    interview: str  # "Return interviews (round 2), 20 July 2015, face-to-face"
    is_leader: bool
    figure: ChartFigure
    notes: tuple[NoteRow, ...]
    arrows: tuple[ArrowRow, ...]
    new_steps: tuple[NewStepRow, ...]
    marks: tuple[MarkGroup, ...]
    not_discussed: tuple[str, ...]
    perspective: str = ""  # "Leadership", "Practice"


@dataclass(frozen=True)
class DivergentRow:
    number: str
    text: str
    marks: str  # "Headteacher ✓ · Teacher ✗"
    reason: str


@dataclass(frozen=True)
class SheetStep:
    number: str
    theme: str
    group: str
    text: str


@dataclass(frozen=True)
class FlowchartDocument:
    """(a) The leader's round-1 map: chart, text version, and the words each step came from."""

    title: TitleBlock
    figure: ChartFigure
    sources: tuple[SourceWords, ...]
    kind: str = "flowchart"

    @property
    def outline(self) -> list[OutlineTheme]:
        return build_outline(self.figure.chart)


@dataclass(frozen=True)
class AnnotatedDocument:
    """(b) One return interview: the chart with that voice's marks, notes and arrows."""

    title: TitleBlock
    voice: VoiceSection
    kind: str = "annotated"


@dataclass(frozen=True)
class VoicesDocument:
    """(c) Every voice on one frozen chart: the tally, where voices differ, then each in turn."""

    title: TitleBlock
    figure: ChartFigure
    divergent: tuple[DivergentRow, ...]
    voices: tuple[VoiceSection, ...]
    kind: str = "voices"
    left_out: str = ""  # why some staff voices are not shown (the setting's leadership)


@dataclass(frozen=True)
class SheetDocument:
    """(d) A printable annotation sheet for an interview done on paper."""

    title: TitleBlock
    figure: ChartFigure
    steps: tuple[SheetStep, ...]
    note_lines: int = 3
    kind: str = "sheet"


ExportDocument = FlowchartDocument | AnnotatedDocument | VoicesDocument | SheetDocument


def figures_of(document: ExportDocument) -> list[ChartFigure]:
    """Every chart a document shows, in the order it shows them."""
    if isinstance(document, AnnotatedDocument):
        return [document.voice.figure]
    # The all-voices document draws one chart: every voice's marks are already under each step,
    # and each voice's own chart is in its annotated document.
    return [document.figure]
