"""Recording interviews: who took part, in which round, with which schedule, and the notes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from tocapp.domain.errors import DomainError
from tocapp.domain.schedules import fill_question
from tocapp.models import (
    INTERVIEW_MODES,
    Answer,
    Interview,
    InterviewParticipant,
    Participant,
    Round,
    Setting,
)
from tocapp.services.schedules import schedule_for

MAX_NOTES = 20_000


@dataclass
class InterviewFields:
    round_id: int
    held_on: date
    mode: str
    interviewer: str = ""
    schedule_id: int | None = None
    # (participant id, role label at the time of the interview)
    people: list[tuple[int, str]] = field(default_factory=list)
    notes: dict[int, str] = field(default_factory=dict)
    form_token: str | None = None


def record_interview(session: Session, setting: Setting, fields: InterviewFields) -> Interview:
    """Record an interview; submitting the same form twice returns the first record."""
    if fields.form_token:
        existing = session.scalar(select(Interview).where(Interview.form_token == fields.form_token))
        if existing is not None and existing.setting_id == setting.id:
            return existing
    interview = Interview(setting=setting, form_token=fields.form_token or None)
    _apply(session, interview, fields)
    if fields.schedule_id is not None:
        schedule = schedule_for(session, setting.project, fields.schedule_id)
        interview.schedule = schedule
        project = setting.project
        interview.answers = [
            Answer(
                number=q.number,
                question_text=fill_question(q.text, project.focus, project.partner),
                stimulus=q.stimulus,
                notes=_clean_notes(fields.notes.get(q.number, "")),
            )
            for q in schedule.questions
        ]
    session.add(interview)
    session.flush()
    return interview


def update_interview(session: Session, interview: Interview, fields: InterviewFields) -> None:
    """Change the details and notes; the questions stay as they were asked."""
    _apply(session, interview, fields)
    for answer in interview.answers:
        if answer.number in fields.notes:
            answer.notes = _clean_notes(fields.notes[answer.number])
    session.flush()


def _apply(session: Session, interview: Interview, fields: InterviewFields) -> None:
    setting = interview.setting
    round_ = session.get(Round, fields.round_id)
    if round_ is None or round_.project_id != setting.project_id:
        raise DomainError("Choose one of this study's rounds.")
    if fields.mode not in INTERVIEW_MODES:
        raise DomainError("The mode is face-to-face, telephone or video.")
    if not fields.people:
        raise DomainError("Choose at least one participant.")
    people: list[InterviewParticipant] = []
    for participant_id, role_label in fields.people:
        participant = session.get(Participant, participant_id)
        if participant is None or participant.setting_id != setting.id:
            raise DomainError("Every participant must belong to this setting.")
        people.append(
            InterviewParticipant(
                participant=participant, role_label=role_label.strip() or participant.role_label
            )
        )
    interview.round = round_
    interview.held_on = fields.held_on
    interview.mode = fields.mode
    interview.interviewer = fields.interviewer.strip()
    current = {p.participant_id: p for p in interview.people}
    kept = []
    for person in people:
        if person.participant.id in current:
            current[person.participant.id].role_label = person.role_label
            kept.append(current[person.participant.id])
        else:
            kept.append(person)
    interview.people = kept


def _clean_notes(text: str) -> str:
    if len(text) > MAX_NOTES:
        raise DomainError(f"Notes for one question can be at most {MAX_NOTES:,} characters.")
    return text.replace("\r\n", "\n")


def interview_title(interview: Interview) -> str:
    """A pseudonymised heading: round, setting code, role labels and date."""
    roles = " & ".join(p.role_label for p in interview.people) or "No participant"
    return (
        f"Round {interview.round.number} · {interview.setting.code} · {roles} · "
        f"{interview.held_on:%-d %b %Y}"
    )


def mapping_answers(setting: Setting) -> list[Answer]:
    """Answers a step can be linked to: those of the setting's initial-round interviews."""
    return [
        answer
        for interview in setting.interviews
        if interview.round.kind == "initial"
        for answer in interview.answers
    ]
