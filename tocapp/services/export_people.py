"""How settings, rounds and interviews are named in an export (never a person's name: people are
named by the one voice read model, :mod:`tocapp.services.voice_read`)."""

from __future__ import annotations

from datetime import date

from tocapp.domain.people import Audience
from tocapp.models import Interview, Round, Setting


def long_date(day: date) -> str:
    """ "20 July 2015", the same on every platform."""
    return f"{day.day} {day:%B %Y}"


def setting_label(setting: Setting, audience: Audience = Audience.RESEARCH) -> str:
    return f"{setting.code} ({setting.name})" if audience is Audience.IDENTIFIED else setting.code


def round_label(round_: Round) -> str:
    return f"Round {round_.number}: {round_.title}"


def interview_summary(interview: Interview) -> str:
    """ "Round 2: Return interviews, 20 July 2015, face-to-face" (no names, no interviewer)."""
    return f"{round_label(interview.round)}, {long_date(interview.held_on)}, {interview.mode}"
