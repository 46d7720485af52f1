"""The comparison's overview: the first answer an evaluator looks for, as plain data.

Across the settings and rounds chosen: how each setting's intended outcomes were marked from the
leadership perspective and from practice (counted in voices, so every setting is on the same
scale: the share of the voices heard from that perspective); the steps where the two
perspectives are furthest apart, always within one round of one setting; and what emerged at
the return interviews — steps and arrows the interviewees added. Marks say what came to
fruition; the ordering used to find disagreement is never shown as a score.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tocapp.domain.comparison import MARK_COLUMNS, NOT_DISCUSSED, SettingRound
from tocapp.domain.outline import step_numbers
from tocapp.domain.people import Perspective
from tocapp.domain.theory import Step, Theme
from tocapp.domain.voices import Mark, VoiceLayer

PERSPECTIVES = (Perspective.LEADERSHIP, Perspective.PRACTICE)
# How far apart two marks are, to rank disagreement: achieved, partly, elusive in a line.
_POSITION = {Mark.ACHIEVED: 0.0, Mark.PARTLY: 1.0, Mark.ELUSIVE: 2.0}
MOST_APART = 10  # disagreements listed in the overview


@dataclass(frozen=True)
class MarkShare:
    """How the voices of one perspective marked one step: a count per mark column
    (achieved, partly, elusive, not discussed), in ``MARK_COLUMNS`` order."""

    counts: tuple[int, ...] = (0,) * len(MARK_COLUMNS)

    @property
    def voices(self) -> int:
        return sum(self.counts)

    @property
    def discussed(self) -> int:
        return self.voices - self.counts[-1]

    def count(self, column: str) -> int:
        return self.counts[MARK_COLUMNS.index(column)]

    def share(self, column: str) -> float:
        """The share of this perspective's voices (0 to 1) in a mark column."""
        return self.count(column) / self.voices if self.voices else 0.0

    @property
    def text(self) -> str:
        """ "2✓ 1✗ 1 not discussed"; "no voices" when no one from this perspective was heard."""
        if not self.voices:
            return "no voices"
        parts = [f"{self.count(m.value)}{m.symbol}" for m in Mark if self.count(m.value)]
        if self.count(NOT_DISCUSSED):
            parts.append(f"{self.count(NOT_DISCUSSED)} not discussed")
        return " ".join(parts)

    def _centre(self) -> float | None:
        """Where this perspective's marks sit between achieved (0) and elusive (2)."""
        marks = [(_POSITION[m], self.count(m.value)) for m in Mark]
        total = sum(n for _, n in marks)
        return sum(p * n for p, n in marks) / total if total else None


@dataclass(frozen=True)
class StepOverview:
    """One step of one setting's chart in one round, as each perspective marked it."""

    setting_code: str
    round_number: int
    number: str  # the reading number, S1 / A2 / O3, as on the chart
    text: str
    theme: Theme
    leadership: MarkShare
    practice: MarkShare
    added_by: str = ""  # the voice that added the step at a return interview

    @property
    def row_label(self) -> str:
        return f"{self.setting_code} r{self.round_number} {self.number}"

    def by(self, perspective: Perspective) -> MarkShare:
        return self.leadership if perspective is Perspective.LEADERSHIP else self.practice

    @property
    def apart(self) -> float | None:
        """How far apart the two perspectives' marks are (0 to 2), when both discussed it."""
        lead, practice = self.leadership._centre(), self.practice._centre()
        if lead is None or practice is None:
            return None
        return abs(lead - practice)


@dataclass(frozen=True)
class Emerged:
    """A step or an arrow an interviewee added at a return interview."""

    setting_code: str
    round_number: int
    kind: str  # "step" or "arrow"
    text: str  # the step's text, or "A2 → O1"
    added_by: str  # the voice's label, as on every page


@dataclass(frozen=True)
class Overview:
    outcomes: tuple[StepOverview, ...]
    apart: tuple[StepOverview, ...]  # most apart first
    emerged: tuple[Emerged, ...]
    mixed_voices: int = 0  # pairs speaking from both perspectives: in neither column

    def totals(self, perspective: Perspective) -> MarkShare:
        """Every intended outcome's marks from one perspective, added up."""
        shares = [o.by(perspective).counts for o in self.outcomes]
        if not shares:
            return MarkShare()
        return MarkShare(tuple(sum(column) for column in zip(*shares, strict=True)))

    @property
    def leadership_total(self) -> MarkShare:
        return self.totals(Perspective.LEADERSHIP)

    @property
    def practice_total(self) -> MarkShare:
        return self.totals(Perspective.PRACTICE)

    @property
    def is_empty(self) -> bool:
        return not (self.outcomes or self.emerged)


def overview(sources: Sequence[SettingRound], most_apart: int = MOST_APART) -> Overview:
    """The overview of these setting-rounds, in the order given."""
    steps: list[StepOverview] = []
    emerged: list[Emerged] = []
    mixed = 0
    for source in sources:
        numbers = step_numbers(source.chart)
        by_key = source.chart.step_by_key
        mixed += sum(1 for v in source.voices if v.perspective not in PERSPECTIVES)
        for key, number in numbers.items():
            step = by_key[key]
            lead, practice = (
                _share(step, [v for v in source.voices if v.perspective is p]) for p in PERSPECTIVES
            )
            steps.append(
                StepOverview(
                    source.setting_code,
                    source.round_number,
                    number,
                    step.text,
                    step.theme,
                    lead,
                    practice,
                    step.added_by,
                )
            )
            if step.added_by:
                emerged.append(
                    Emerged(
                        source.setting_code, source.round_number, "step", step.text, step.added_by
                    )
                )
        emerged += [
            Emerged(
                source.setting_code,
                source.round_number,
                "arrow",
                f"{numbers.get(link.source, '?')} → {numbers.get(link.target, '?')}",
                link.added_by,
            )
            for link in source.chart.links
            if link.added_by
        ]
    apart = sorted(
        (s for s in steps if (s.apart or 0) > 0),
        key=lambda s: (-(s.apart or 0), -(s.leadership.discussed + s.practice.discussed)),
    )
    return Overview(
        tuple(s for s in steps if s.theme is Theme.OUTCOME),
        tuple(apart[:most_apart]),
        tuple(emerged),
        mixed,
    )


def _share(step: Step, voices: Sequence[VoiceLayer]) -> MarkShare:
    """The voices' marks on a step; a step one voice added was never put to the others."""
    counts = dict.fromkeys(MARK_COLUMNS, 0)
    for voice in voices:
        if step.added_by and step.added_by != voice.label:
            continue
        for marks in voice.members or (voice.marks,):
            mark = marks.get(step.key)
            counts[mark.value if mark else NOT_DISCUSSED] += 1
    return MarkShare(tuple(counts[c] for c in MARK_COLUMNS))
