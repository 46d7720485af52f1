"""How people and their words may appear in an export: the privacy rules, in one place.

A person is shown by the role label they held at the interview, with their pseudonym when one
is set; a real name only in an identified export, which an owner must ask for. Verbatim words
of anyone who did not consent to quotation are replaced by a line saying a quote was withheld,
identified export or not. E-mail addresses never appear in any export.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import date

from tocapp.exports.model import WITHHELD_QUOTE
from tocapp.models import Interview, InterviewParticipant, Participant, Round, Setting


def long_date(day: date) -> str:
    """ "20 July 2015", the same on every platform."""
    return f"{day.day} {day:%B %Y}"


def person_label(person: InterviewParticipant, identified: bool = False) -> str:
    """ "Teaching assistant", "Teacher (Ms Green)", or with the real name when identified."""
    role = " ".join(person.role_label.split()) or "Unknown role"
    participant = person.participant
    pseudonym = " ".join(participant.pseudonym.split())
    label = role
    if pseudonym and role.casefold() not in pseudonym.casefold():
        label = f"{role} ({pseudonym})"
    elif pseudonym:
        label = pseudonym  # "Nursery teaching assistant" already names the role
    if identified and participant.real_name.strip():
        label = f"{label}, {' '.join(participant.real_name.split())}"
    return label


def interview_voice_label(interview: Interview, identified: bool = False) -> str:
    return " & ".join(person_label(p, identified) for p in interview.people) or "Unknown role"


def voice_labels(interviews: Sequence[Interview], identified: bool = False) -> dict[int, str]:
    """A label per interview; voices that would read the same get letters: "Teacher A", "… B"."""
    labels = {i.id: interview_voice_label(i, identified) for i in interviews}
    repeated = {label for label, n in Counter(labels.values()).items() if n > 1}
    seen: Counter[str] = Counter()
    for interview in interviews:
        label = labels[interview.id]
        if label in repeated:
            labels[interview.id] = f"{label} {chr(ord('A') + seen[label] % 26)}"
            seen[label] += 1
    return labels


def may_quote(people: Iterable[Participant]) -> bool:
    """Words may be quoted only if everyone who could have said them consented to quotation."""
    people = list(people)
    return bool(people) and all(person.consent_quote for person in people)


def interview_may_be_quoted(interview: Interview) -> bool:
    return may_quote(person.participant for person in interview.people)


def quoted(text: str, verbatim: bool, allowed: bool) -> str:
    """The text, or the withheld line when it is someone's verbatim words without consent."""
    return WITHHELD_QUOTE if verbatim and text.strip() and not allowed else text


def setting_label(setting: Setting, identified: bool = False) -> str:
    return f"{setting.code} ({setting.name})" if identified else setting.code


def round_label(round_: Round) -> str:
    return f"Round {round_.number}: {round_.title}"


def interview_summary(interview: Interview) -> str:
    """ "Round 2: Return interviews, 20 July 2015, face-to-face" (no names, no interviewer)."""
    return f"{round_label(interview.round)}, {long_date(interview.held_on)}, {interview.mode}"
