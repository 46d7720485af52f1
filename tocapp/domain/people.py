"""People in a study as the method sees them: the perspective they speak from, the audience a
document is made for, and how a person is named in it. Plain data, no I/O.

A participant is one person across every round; their reference (``NUR-P02``) is the key that
follows them, and the role label is the one they held *at the time* of each interview.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

WITHHELD_QUOTE = "A quote was withheld (no consent to quotation)."
DEFAULT_MIN_GROUP = 3  # the setting's leadership never sees a group of fewer practitioners


class Perspective(StrEnum):
    """Where a participant speaks from; set by the evaluator, never guessed from the rounds."""

    LEADERSHIP = "leadership"
    PRACTICE = "practice"
    NOT_INTERVIEWED = "not interviewed"

    @property
    def label(self) -> str:
        return {
            "leadership": "Leadership",
            "practice": "Practice",
            "not interviewed": "Not interviewed",
        }[self]

    @property
    def explanation(self) -> str:
        return {
            "leadership": "the theorised view: headteacher, vice principal, strategic enabler…",
            "practice": "the lived experience: teachers, teaching assistants, mentees…",
            "not interviewed": "takes part but is not interviewed, e.g. an evaluator or consultant",
        }[self]


def voice_perspective(perspectives: Iterable[Perspective]) -> Perspective | None:
    """A voice's perspective: its people's, when they share one; None for a mixed pair."""
    distinct = set(perspectives)
    return distinct.pop() if len(distinct) == 1 else None


class Audience(StrEnum):
    """Whom an export or report is made for; printed on every document."""

    RESEARCH = "research"
    LEADERSHIP = "leadership"
    IDENTIFIED = "identified"

    @property
    def label(self) -> str:
        return {
            "research": "Research team",
            "leadership": "The setting's leadership",
            "identified": "Identified (owner only)",
        }[self]

    @property
    def notice(self) -> str:
        return {
            "research": "For the research team. Pseudonymised: each voice appears by role and "
            "reference, the setting by its code.",
            "leadership": "For the setting's leadership. Staff voices are combined; no group of "
            "fewer practitioners than the study's minimum is shown.",
            "identified": "Identified export: this document contains real names. Store and "
            "share it as personal data.",
        }[self]

    @property
    def per_person(self) -> bool:
        """Whether practice voices appear one by one (not for the setting's leadership)."""
        return self is not Audience.LEADERSHIP


@dataclass(frozen=True)
class Person:
    """One participant as they spoke in one interview."""

    reference: str  # stable within the study, e.g. "NUR-P02"
    role: str  # the role label at the time of the interview
    perspective: Perspective
    pseudonym: str = ""
    real_name: str = ""  # only filled for an identified audience
    may_quote: bool = False  # consented to anonymous quotation


def person_label(person: Person) -> str:
    """ "Teacher (NUR-P03)", "Teacher, Ms Green (NUR-P03)", "Nursery teacher (NUR-P03)", and in
    an identified document the real name after the role."""
    role = " ".join(person.role.split()) or "Unknown role"
    pseudonym = " ".join(person.pseudonym.split())
    if pseudonym and role.casefold() in pseudonym.casefold():
        role = pseudonym  # "Nursery teaching assistant" already names the role
    elif pseudonym:
        role = f"{role}, {pseudonym}"
    name = " ".join(person.real_name.split())
    if name:
        role = f"{role}, {name}"
    return f"{role} ({person.reference})"


def voice_label(people: Sequence[Person]) -> str:
    """A voice is one person, or a pair interviewed together: "Teacher (P03) & TA (P04)"."""
    return " & ".join(person_label(p) for p in people) or "Unknown role"


def voice_key(people: Sequence[Person]) -> str:
    """The person key of a voice: the reference, or references joined by "+" for a pair."""
    return "+".join(p.reference for p in people)


def may_quote(people: Iterable[Person]) -> bool:
    """Words may be quoted only if everyone who could have said them consented to quotation."""
    people = list(people)
    return bool(people) and all(p.may_quote for p in people)


def quoted(text: str, verbatim: bool, allowed: bool) -> str:
    """The text, or the withheld line when it is someone's verbatim words without consent."""
    return WITHHELD_QUOTE if verbatim and text.strip() and not allowed else text


def participant_reference(setting_code: str, number: int) -> str:
    """ "NUR-P02": the setting's code when the participant was added, and their number in it."""
    return f"{setting_code}-P{number:02d}"
