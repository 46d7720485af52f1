"""A voice, and a leader's chart, built from their parts — whether the parts come as ORM objects
(``voice_read.voice_of``, ``leader_chart``) or as plain rows (``voice_rows``, ``chart_rows``).

This is the one place that decides a voice's label, person key, role and perspective at the
time, and which verbatim words are withheld from whom.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date

from tocapp.domain.people import (
    WITHHELD_QUOTE,
    Audience,
    Person,
    Perspective,
    may_quote,
    person_label,
    quoted,
    voice_key,
    voice_label,
    voice_perspective,
)
from tocapp.domain.theory import Flowchart, Theme
from tocapp.domain.voices import Mark, VoiceLayer, VoiceLink, VoiceNote, VoiceStep


def person_as_heard(
    *,
    reference: str,
    role: str,
    perspective: str,
    pseudonym: str,
    real_name: str,
    consent_quote: bool,
    audience: Audience,
) -> Person:
    """One participant as they spoke in one interview (role and perspective at the time); the
    real name only for the identified audience."""
    return Person(
        reference=reference,
        role=role,
        perspective=Perspective(perspective),
        pseudonym=pseudonym,
        real_name=real_name if audience is Audience.IDENTIFIED else "",
        may_quote=consent_quote,
    )


@dataclass(frozen=True)
class NotePart:
    number: int
    text: str
    verbatim: bool
    step_id: int | None
    link: tuple[int, int] | None  # the arrow's ends, for a note on an arrow


@dataclass(frozen=True)
class LinkPart:
    """An arrow the voice drew (in the order drawn), with its note on why."""

    source_id: int
    target_id: int
    note: str
    verbatim: bool


@dataclass(frozen=True)
class StepPart:
    """A step the voice added (in the order added)."""

    step_id: int
    theme: str
    group: str
    text: str


def voice_layer(
    voice_id: int,
    people: Sequence[Person],
    marks: Iterable[tuple[int, str]],
    notes: Iterable[NotePart],
    links: Iterable[LinkPart],
    steps: Iterable[StepPart],
    round_number: int,
    held_on: date | None,
    *,
    editing: bool = False,
) -> VoiceLayer:
    """One return interview as a voice. ``marks`` are (step id, mark) in the order given;
    ``editing``: the interviewer's own page for this voice shows every word as typed."""
    allowed = editing or may_quote(people)
    return VoiceLayer(
        voice_id=str(voice_id),
        label=voice_label(people),
        perspective=voice_perspective(p.perspective for p in people),
        marks={str(step_id): Mark(mark) for step_id, mark in marks},
        notes=tuple(
            VoiceNote(
                number=n.number,
                text=quoted(n.text, n.verbatim, allowed),
                verbatim=n.verbatim,
                step_key=str(n.step_id) if n.step_id else None,
                link=(str(n.link[0]), str(n.link[1])) if n.link else None,
            )
            for n in notes
        ),
        links=tuple(
            VoiceLink(
                i,
                str(ln.source_id),
                str(ln.target_id),
                quoted(ln.note, ln.verbatim, allowed),
                ln.verbatim,
            )
            for i, ln in enumerate(links, start=1)
        ),
        steps=tuple(VoiceStep(str(s.step_id), Theme(s.theme), s.group, s.text) for s in steps),
        person=voice_key(people),
        people=tuple(p.reference for p in people),
        perspectives=tuple(p.perspective for p in people),
        person_labels=tuple(person_label(p) for p in people),
        role=" & ".join(p.role for p in people),
        roles=tuple(p.role for p in people),
        round_number=round_number,
        held_on=held_on,
    )


def words_quotable(people: Sequence[Person], audience: Audience) -> bool:
    """Whether the words of an interview with these people may appear for this audience:
    everyone consented to quotation, and for the setting's leadership everyone spoke for
    leadership."""
    if not audience.per_person and not all(p.perspective is Perspective.LEADERSHIP for p in people):
        return False
    return may_quote(people)


def withhold_unquotable(chart: Flowchart, quotable: Collection[str]) -> Flowchart:
    """The chart with the quoted source words of every step not in ``quotable`` (step keys)
    replaced by the withheld line."""
    steps = []
    for step in chart.steps:
        if step.source is not None and step.source.quote and step.key not in quotable:
            step = replace(step, source=replace(step.source, quote=WITHHELD_QUOTE))
        steps.append(step)
    return replace(chart, steps=tuple(steps))
