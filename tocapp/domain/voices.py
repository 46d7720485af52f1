"""Return-interview voices: each interviewee's marks, notes, arrows and steps on a frozen chart,
and what the voices say together (tallies, agreement, divergence from the leader's view)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from tocapp.domain.theory import Theme

MAX_NOTE = 4000


class Mark(StrEnum):
    """What an interviewee said of a step; a step not discussed has no mark (never a score)."""

    ACHIEVED = "achieved"
    PARTLY = "partly"
    ELUSIVE = "elusive"

    @property
    def label(self) -> str:
        return {"achieved": "Achieved", "partly": "Partly achieved", "elusive": "Elusive"}[self]

    @property
    def symbol(self) -> str:
        """A text badge that survives greyscale print and screen readers alike."""
        return {"achieved": "✓", "partly": "◐", "elusive": "✗"}[self]

    @property
    def order(self) -> int:
        return {"achieved": 0, "partly": 1, "elusive": 2}[self]


class Agreement(StrEnum):
    """How the voices that marked a step relate to each other."""

    NOT_DISCUSSED = "not discussed"
    SINGLE = "one voice"
    AGREE = "agree"
    MIXED = "mixed"
    DIVERGE = "diverge"


@dataclass(frozen=True)
class VoiceNote:
    number: int
    text: str
    verbatim: bool = False
    step_key: str | None = None
    link: tuple[str, str] | None = None


@dataclass(frozen=True)
class VoiceLink:
    number: int
    source: str
    target: str
    note: str = ""
    verbatim: bool = False


@dataclass(frozen=True)
class VoiceStep:
    key: str
    theme: Theme
    group: str
    text: str


@dataclass(frozen=True)
class VoiceLayer:
    """One return interview's annotations of one frozen flowchart version."""

    voice_id: str
    label: str  # the role label(s) at the time, e.g. "Teaching assistant"
    is_leader: bool
    marks: dict[str, Mark] = field(default_factory=dict)
    notes: tuple[VoiceNote, ...] = ()
    links: tuple[VoiceLink, ...] = ()
    steps: tuple[VoiceStep, ...] = ()

    def notes_on(self, step_key: str) -> list[VoiceNote]:
        return [n for n in self.notes if n.step_key == step_key]

    @property
    def thread_notes(self) -> list[VoiceNote]:
        return [n for n in self.notes if n.step_key is None and n.link is None]


@dataclass(frozen=True)
class StepTally:
    """Who marked what on one step, in voice order, and how far the voices agree."""

    step_key: str
    marks: tuple[tuple[VoiceLayer, Mark], ...]
    agreement: Agreement
    leader_differs: bool

    @property
    def counts(self) -> Counter[Mark]:
        return Counter(mark for _, mark in self.marks)

    @property
    def summary(self) -> str:
        """E.g. "Headteacher ✓ · Teacher ✓ · Teaching assistant ✗"."""
        return " · ".join(f"{voice.label} {mark.symbol}" for voice, mark in self.marks)


def agreement_of(marks: Sequence[Mark]) -> Agreement:
    """Agree: all the same; diverge: someone says achieved and someone elusive; else mixed."""
    distinct = set(marks)
    if not marks:
        return Agreement.NOT_DISCUSSED
    if len(marks) == 1:
        return Agreement.SINGLE
    if len(distinct) == 1:
        return Agreement.AGREE
    if Mark.ACHIEVED in distinct and Mark.ELUSIVE in distinct:
        return Agreement.DIVERGE
    return Agreement.MIXED


def tally_step(step_key: str, voices: Sequence[VoiceLayer]) -> StepTally:
    """The marks on one step; the leader differs when staff marked it and none as the leader did."""
    marks = tuple((v, v.marks[step_key]) for v in voices if step_key in v.marks)
    leader = {m for v, m in marks if v.is_leader}
    staff = {m for v, m in marks if not v.is_leader}
    leader_differs = bool(leader and staff and not leader & staff)
    return StepTally(step_key, marks, agreement_of([m for _, m in marks]), leader_differs)


def tally_steps(step_keys: Iterable[str], voices: Sequence[VoiceLayer]) -> dict[str, StepTally]:
    return {key: tally_step(key, voices) for key in step_keys}


def divergent_steps(tallies: dict[str, StepTally]) -> list[StepTally]:
    """Steps worth a conversation: voices diverge, or the leader's view differs from staff's."""
    return [t for t in tallies.values() if t.agreement is Agreement.DIVERGE or t.leader_differs]


def filter_voices(
    voices: Sequence[VoiceLayer], role: str | None = None, voice_id: str | None = None
) -> list[VoiceLayer]:
    """One role (by label) or one voice at a time; no filter gives every voice."""
    return [
        v
        for v in voices
        if (role is None or v.label == role) and (voice_id is None or v.voice_id == voice_id)
    ]


@dataclass(frozen=True)
class CoverageRow:
    participant_label: str
    role_label: str
    interviewed: bool


@dataclass(frozen=True)
class Coverage:
    rows: tuple[CoverageRow, ...]

    @property
    def roles_not_heard(self) -> list[str]:
        heard = {r.role_label for r in self.rows if r.interviewed}
        return sorted({r.role_label for r in self.rows if r.role_label not in heard})

    @property
    def interviewed_count(self) -> int:
        return sum(1 for r in self.rows if r.interviewed)


def coverage_of(participants: Iterable[tuple[str, str]], interviewed: set[str]) -> Coverage:
    """Participants (label, role) of a setting against those interviewed in one round."""
    return Coverage(
        tuple(CoverageRow(label, role, label in interviewed) for label, role in participants)
    )


@dataclass(frozen=True)
class PersonInRound:
    """One participant of a setting and the dates they were interviewed in one round (if any).

    ``key`` identifies the participant, so two people with the same label (two teachers without
    pseudonyms) never stand for each other; ``role_label`` is the role they were heard in, or
    their current role if they have not been heard.
    """

    key: str
    label: str
    role_label: str
    heard_on: tuple[date, ...] = ()

    @property
    def interviewed(self) -> bool:
        return bool(self.heard_on)


def coverage_of_people(people: Iterable[PersonInRound]) -> Coverage:
    """Coverage of one setting in one round from people already matched to their interviews."""
    return Coverage(tuple(CoverageRow(p.label, p.role_label, p.interviewed) for p in people))
