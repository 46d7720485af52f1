"""Return-interview voices: each interviewee's marks, notes, arrows and steps on a frozen chart,
and what the voices say together (tallies, agreement, divergence between leadership and practice).

A voice is one participant (or a pair interviewed together) in one interview of one round. For
the setting's leadership, practice voices are combined into one group (:func:`combine_practice`),
which carries each member's marks but no person.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Container, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from enum import StrEnum

from tocapp.domain.people import WITHHELD_QUOTE, Perspective
from tocapp.domain.theory import Flowchart, Link, Step, Theme

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

    @property
    def own_words(self) -> bool:
        """Shown as the interviewee's quoted words: verbatim, and not withheld (no consent)."""
        return self.verbatim and self.text != WITHHELD_QUOTE


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
    """One voice's annotations of one frozen flowchart version, or a combined group of voices.

    ``label`` is how the voice is named on every page and in every document; ``person`` is the
    person key (``NUR-P02``, or ``NUR-P01+NUR-P03`` for a pair) that follows them across rounds.
    A combined group has no person and holds each member's marks in ``members``.
    """

    voice_id: str
    label: str
    perspective: Perspective | None = None  # None: a pair speaking from different perspectives
    marks: dict[str, Mark] = field(default_factory=dict)
    notes: tuple[VoiceNote, ...] = ()
    links: tuple[VoiceLink, ...] = ()
    steps: tuple[VoiceStep, ...] = ()
    person: str = ""
    people: tuple[str, ...] = ()  # the references of the people in this voice
    perspectives: tuple[Perspective, ...] = ()  # each person's at the interview, as in ``people``
    person_labels: tuple[str, ...] = ()  # each person's own label, as in ``label``
    role: str = ""  # the role label(s) at the time, a pair's joined by " & "
    roles: tuple[str, ...] = ()  # each person's role label at the time, as in ``people``
    round_number: int = 0
    held_on: date | None = None
    members: tuple[dict[str, Mark], ...] = ()  # a combined group: each member's marks

    @property
    def is_leader(self) -> bool:
        return self.perspective is Perspective.LEADERSHIP

    @property
    def is_practice(self) -> bool:
        return self.perspective is Perspective.PRACTICE

    def spoke_as(self, roles: Container[str]) -> bool:
        """Whether any of its people had one of these roles at the time (a pair's own joined
        label counts too)."""
        return any(role in roles for role in (*self.roles, self.role))

    @property
    def is_group(self) -> bool:
        return bool(self.members)

    @property
    def size(self) -> int:
        """How many voices this column stands for."""
        return len(self.members) or 1

    def marks_on(self, step_key: str) -> tuple[Mark, ...]:
        """The marks this voice (or each member of a group) gave the step."""
        if self.members:
            return tuple(m[step_key] for m in self.members if step_key in m)
        return (self.marks[step_key],) if step_key in self.marks else ()

    def notes_on(self, step_key: str) -> list[VoiceNote]:
        return [n for n in self.notes if n.step_key == step_key]

    @property
    def thread_notes(self) -> list[VoiceNote]:
        return [n for n in self.notes if n.step_key is None and n.link is None]


STAFF = "Staff"  # what the setting's leadership sees practitioners' voices as, combined


def combine_practice(
    voices: Sequence[VoiceLayer], minimum: int, label: str = STAFF
) -> tuple[list[VoiceLayer], int]:
    """For the setting's leadership: leadership voices as they are, practice voices (and pairs
    that include practice) combined into one group, or left out if they come from fewer than
    ``minimum`` people.

    Returns the voices to show and how many practice voices were left out. A group's notes and
    arrows are renumbered in order and carry no person.
    """
    shown = [v for v in voices if v.is_leader]
    staff = [v for v in voices if not v.is_leader]
    if not staff:
        return shown, 0
    # Counted in practitioners, not interviews: one teaching assistant heard twice is still one
    # person whom a headteacher could pick out; a headteacher heard in a pair with a teacher is
    # not a second practitioner to hide the teacher among.
    people = {reference for v in staff for reference in _practitioners(v)}
    if len(people) < minimum:
        return shown, len(staff)
    notes: list[VoiceNote] = []
    links: list[VoiceLink] = []
    steps: list[VoiceStep] = []
    for voice in staff:
        notes += [replace(n, number=len(notes) + i) for i, n in enumerate(voice.notes, start=1)]
        links += [replace(ln, number=len(links) + i) for i, ln in enumerate(voice.links, start=1)]
        steps += voice.steps
    group = VoiceLayer(
        voice_id=f"staff-{staff[0].round_number}",
        label=f"{label} ({len(staff)} voices)",
        perspective=Perspective.PRACTICE,
        notes=tuple(notes),
        links=tuple(links),
        steps=tuple(steps),
        role=label,
        round_number=staff[0].round_number,
        members=tuple(dict(v.marks) for v in staff),
    )
    return [*shown, group], 0


def _practitioners(voice: VoiceLayer) -> set[str]:
    """The people of a voice who spoke from practice (all of them, if not known person by
    person)."""
    references = voice.people or (voice.voice_id,)
    if len(voice.perspectives) != len(references):
        return set(references)
    return {
        reference
        for reference, perspective in zip(references, voice.perspectives, strict=True)
        if perspective is Perspective.PRACTICE
    }


def chart_with_voices(base: Flowchart, voices: Sequence[VoiceLayer]) -> Flowchart:
    """The leader's chart plus the steps and arrows these voices added, each tagged as theirs."""
    steps = list(base.steps)
    links = list(base.links)
    for voice in voices:
        steps += [Step(s.key, s.theme, s.group, s.text, added_by=voice.label) for s in voice.steps]
        links += [Link(ln.source, ln.target, "", added_by=voice.label) for ln in voice.links]
    # Two voices may draw the same new arrow; the chart shows it once.
    unique = list({(ln.source, ln.target): ln for ln in reversed(links)}.values())[::-1]
    return replace(base, steps=tuple(steps), links=tuple(unique))


@dataclass(frozen=True)
class StepTally:
    """Who marked what on one step, in voice order, and how far the voices agree."""

    step_key: str
    marks: tuple[tuple[VoiceLayer, Mark], ...]  # a group's voice appears once per member's mark
    agreement: Agreement
    leader_differs: bool

    @property
    def counts(self) -> Counter[Mark]:
        return Counter(mark for _, mark in self.marks)

    @property
    def summary(self) -> str:
        """E.g. "Headteacher (NUR-P01) ✓ · Teacher (NUR-P03) ✗", or "Staff (4 voices) 2✓ 1✗"."""
        parts: list[str] = []
        seen: dict[str, Counter[Mark]] = {}
        for voice, mark in self.marks:
            if voice.is_group:
                if voice.voice_id not in seen:
                    seen[voice.voice_id] = Counter()
                    parts.append(voice.voice_id)
                seen[voice.voice_id][mark] += 1
            else:
                parts.append(f"{voice.label} {mark.symbol}")
        groups = {v.voice_id: v for v, _ in self.marks if v.is_group}
        return " · ".join(
            f"{groups[p].label} "
            + " ".join(
                f"{n}{m.symbol}" for m, n in sorted(seen[p].items(), key=lambda x: x[0].order)
            )
            if p in seen
            else p
            for p in parts
        )


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
    """The marks on one step. Voices of different rounds are never compared with each other:
    the agreement is the widest within a round, and leadership differs from practice when, in
    some round, both marked the step and no practice mark matches a leadership one."""
    marks = tuple((v, m) for v in voices for m in v.marks_on(step_key))
    by_round: dict[int, list[tuple[VoiceLayer, Mark]]] = {}
    for voice, mark in marks:
        by_round.setdefault(voice.round_number, []).append((voice, mark))
    agreements = [agreement_of([m for _, m in group]) for group in by_round.values()]
    order = list(Agreement)
    agreement = max(agreements, key=order.index) if agreements else Agreement.NOT_DISCUSSED
    leader_differs = False
    for group in by_round.values():
        leader = {m for v, m in group if v.is_leader}
        practice = {m for v, m in group if v.is_practice}
        leader_differs |= bool(leader and practice and not leader & practice)
    return StepTally(step_key, marks, agreement, leader_differs)


def tally_steps(step_keys: Iterable[str], voices: Sequence[VoiceLayer]) -> dict[str, StepTally]:
    return {key: tally_step(key, voices) for key in step_keys}


def divergent_steps(tallies: dict[str, StepTally]) -> list[StepTally]:
    """Steps worth a conversation: voices diverge, or the leader's view differs from staff's."""
    return [t for t in tallies.values() if t.agreement is Agreement.DIVERGE or t.leader_differs]


def filter_voices(
    voices: Sequence[VoiceLayer], role: str | None = None, voice_id: str | None = None
) -> list[VoiceLayer]:
    """One role (by the role label at the time) or one voice at a time; no filter gives all."""
    return [
        v
        for v in voices
        if (role is None or v.spoke_as({role})) and (voice_id is None or v.voice_id == voice_id)
    ]


@dataclass(frozen=True)
class CoverageRow:
    participant_label: str
    role_label: str
    interviewed: bool
    expected: bool = True  # False for someone marked as not interviewed (e.g. the evaluator)


@dataclass(frozen=True)
class Coverage:
    rows: tuple[CoverageRow, ...]

    @property
    def roles_not_heard(self) -> list[str]:
        heard = {r.role_label for r in self.rows if r.interviewed}
        return sorted({r.role_label for r in self.rows if r.expected and r.role_label not in heard})

    @property
    def interviewed_count(self) -> int:
        return sum(1 for r in self.rows if r.interviewed)

    @property
    def expected_count(self) -> int:
        return sum(1 for r in self.rows if r.expected or r.interviewed)


@dataclass(frozen=True)
class PersonInRound:
    """One participant of a setting and the dates they were interviewed in one round (if any).

    ``key`` is the participant's reference, so two people with the same role never stand for
    each other; ``role_label`` is the role they were heard in, or their current role if they have
    not been heard.
    """

    key: str
    label: str
    role_label: str
    heard_on: tuple[date, ...] = ()
    perspective: Perspective = Perspective.PRACTICE

    @property
    def interviewed(self) -> bool:
        return bool(self.heard_on)

    @property
    def expected(self) -> bool:
        return self.perspective is not Perspective.NOT_INTERVIEWED


def coverage_of_people(people: Iterable[PersonInRound]) -> Coverage:
    """Coverage of one setting in one round from people already matched to their interviews."""
    absent = Perspective.NOT_INTERVIEWED  # ``expected``, inlined: thousands a page
    return Coverage(
        tuple(
            [
                CoverageRow(p.label, p.role_label, bool(p.heard_on), p.perspective is not absent)
                for p in people
            ]
        )
    )
