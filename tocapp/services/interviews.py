"""Recording interviews: who took part, in which round, with which schedule, and the notes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from tocapp.domain.errors import DomainError
from tocapp.domain.people import Perspective
from tocapp.domain.schedules import ScheduleQuestion, fill_question
from tocapp.models import (
    INTERVIEW_MODES,
    Answer,
    Interview,
    InterviewParticipant,
    Participant,
    Project,
    Round,
    Schedule,
    Setting,
)
from tocapp.models.base import utcnow
from tocapp.services import audit, drafts
from tocapp.services.audit import Actor
from tocapp.services.errors import StaleEditError
from tocapp.services.schedules import schedule_for
from tocapp.services.versions import settle_frozen_date
from tocapp.services.voice_read import label_of

MAX_NOTES = 20_000
MAX_ROLE_LABEL = 120
MAX_INTERVIEWER = 120


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
    # The perspective a participant spoke from at this interview, where it differs from theirs.
    perspectives: dict[int, str] = field(default_factory=dict)


def questions_as_asked(project: Project, schedule: Schedule) -> list[ScheduleQuestion]:
    """The schedule's questions with the study's focus, partner and groups, as read aloud."""
    groups = project.group_names
    return [
        ScheduleQuestion(
            q.number, fill_question(q.text, project.focus, project.partner, groups), q.stimulus
        )
        for q in schedule.questions
    ]


def initial_round(project: Project) -> Round | None:
    """The round a new interview falls in unless the user says otherwise: the first initial one."""
    initial = [r for r in project.rounds if r.kind == "initial"]
    return (initial or project.rounds or [None])[0]


def record_interview(
    session: Session, actor: Actor, setting: Setting, fields: InterviewFields
) -> Interview:
    """Record an interview; submitting the same form twice returns the first record."""
    if fields.form_token:
        existing = session.scalar(
            select(Interview).where(Interview.form_token == fields.form_token)
        )
        if existing is not None:
            if existing.setting_id != setting.id:
                raise DomainError("This form was already used for another setting; reload it.")
            drafts.forget(session, actor, drafts.new_interview_key(setting.id, fields.form_token))
            return existing
    _check_notes(fields.notes)
    # Built apart from the setting and only attached once valid, so a refused interview never
    # reaches the session (and an autoflush while re-rendering the form cannot trip over it).
    interview = Interview(form_token=fields.form_token or None)
    _apply(session, interview, setting, fields)
    if fields.schedule_id is not None:
        schedule = schedule_for(session, setting.project, fields.schedule_id)
        interview.schedule = schedule
        interview.answers = [
            Answer(
                number=q.number,
                question_text=q.text,
                stimulus=q.stimulus,
                notes=_clean_notes(fields.notes.get(q.number, "")),
            )
            for q in questions_as_asked(setting.project, schedule)
        ]
    interview.setting = setting
    session.add(interview)
    session.flush()
    audit.record(
        session,
        actor,
        "interview.create",
        project_id=setting.project_id,
        target=interview,
        interview_id=interview.id,
        summary=f"{interview_title(interview)} recorded",
        changes={**_details_changed({}, interview), **_notes_changed({}, interview)},
    )
    if fields.form_token:  # what was typed is saved now: its draft has done its work
        drafts.forget(session, actor, drafts.new_interview_key(setting.id, fields.form_token))
    return interview


def _details(interview: Interview) -> dict[str, object]:
    return {
        "round": interview.round.number if interview.round else None,
        "held_on": audit.jsonable(interview.held_on),
        "mode": interview.mode,
        "interviewer": interview.interviewer,
        "people": [
            f"{p.participant.reference} {p.role_label} ({p.perspective})" for p in interview.people
        ],
    }


def _details_changed(before: dict[str, object], interview: Interview) -> dict[str, list[object]]:
    after = _details(interview)
    return {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}


def _notes_of(interview: Interview) -> dict[str, str]:
    return {f"answer {a.number}": a.notes for a in interview.answers}


def _notes_changed(before: dict[str, str], interview: Interview) -> dict[str, list[object]]:
    after = _notes_of(interview)
    return {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v and v}


def edit_token(interview: Interview) -> str:
    """What an edit form carries to tell whether the interview changed since it was opened."""
    return interview.updated_at.isoformat()


def update_interview(
    session: Session,
    actor: Actor,
    interview: Interview,
    fields: InterviewFields,
    opened: str | None = None,
) -> None:
    """Change the details and notes; the questions stay as they were asked.

    ``opened`` is the edit_token the form was opened with: if someone saved the interview since,
    StaleEditError is raised before anything changes, so their work is not overwritten.
    """
    if opened is not None and opened != edit_token(interview):
        raise StaleEditError("This interview was changed by someone else since you opened it.")
    _check_notes(fields.notes)
    details, notes = _details(interview), _notes_of(interview)
    _apply(session, interview, interview.setting, fields)
    for answer in interview.answers:
        if answer.number in fields.notes:
            answer.notes = _clean_notes(fields.notes[answer.number])
    audit.record(
        session,
        actor,
        "interview.edit",
        project_id=interview.setting.project_id,
        target=interview,
        interview_id=interview.id,
        summary=f"{interview_title(interview)} edited",
        changes={**_details_changed(details, interview), **_notes_changed(notes, interview)},
    )
    # Notes live in other rows, so the interview's own onupdate would not always fire.
    interview.updated_at = utcnow()
    drafts.forget(session, actor, drafts.interview_key(interview.id))
    session.flush()
    if interview.version is not None:
        settle_frozen_date(session, interview.version)
        session.flush()


def _apply(
    session: Session, interview: Interview, setting: Setting, fields: InterviewFields
) -> None:
    """Check every detail first, then change the interview, so a refusal changes nothing."""
    round_ = session.get(Round, fields.round_id)
    if round_ is None or round_.project_id != setting.project_id:
        raise DomainError("Choose one of this study's rounds.")
    if fields.mode not in INTERVIEW_MODES:
        raise DomainError("The mode is face-to-face, telephone or video.")
    if not fields.people:
        raise DomainError("Choose at least one participant.")
    if len({pid for pid, _ in fields.people}) != len(fields.people):
        raise DomainError("Each participant can be chosen only once.")
    people: list[InterviewParticipant] = []
    for participant_id, role_label in fields.people:
        participant = session.get(Participant, participant_id)
        if participant is None or participant.setting_id != setting.id:
            raise DomainError("Every participant must belong to this setting.")
        current_people = {p.participant_id for p in interview.people}
        if not participant.can_be_interviewed and participant.id not in current_people:
            raise DomainError(_not_interviewable(participant))
        label = role_label.strip() or participant.role_label
        if len(label) > MAX_ROLE_LABEL:
            raise DomainError(f"A role label can be at most {MAX_ROLE_LABEL} characters.")
        perspective = fields.perspectives.get(participant_id) or participant.perspective
        if perspective not in {p.value for p in Perspective} or (
            perspective == Perspective.NOT_INTERVIEWED
        ):
            raise DomainError(
                f"{participant.reference} is marked as not interviewed: change their perspective "
                "on their participant page to leadership or practice first."
            )
        people.append(
            InterviewParticipant(participant=participant, role_label=label, perspective=perspective)
        )
    if len(fields.interviewer.strip()) > MAX_INTERVIEWER:
        raise DomainError(f"The interviewer's name can be at most {MAX_INTERVIEWER} characters.")
    interview.round = round_
    interview.held_on = fields.held_on
    interview.mode = fields.mode
    interview.interviewer = fields.interviewer.strip()
    current = {p.participant_id: p for p in interview.people}
    kept = []
    for person in people:
        if person.participant.id in current:
            current[person.participant.id].role_label = person.role_label
            current[person.participant.id].perspective = person.perspective
            kept.append(current[person.participant.id])
        else:
            kept.append(person)
    interview.people = kept


def _not_interviewable(participant: Participant) -> str:
    if participant.withdrawn_on is not None:
        return f"{participant.reference} has withdrawn from the study and cannot be interviewed."
    return (
        f"{participant.reference} has not consented to take part, so they cannot be interviewed. "
        "Record their consent on their participant page first."
    )


def _check_notes(notes: dict[int, str]) -> None:
    for text in notes.values():
        _clean_notes(text)


def _clean_notes(text: str) -> str:
    if len(text) > MAX_NOTES:
        raise DomainError(f"Notes for one question can be at most {MAX_NOTES:,} characters.")
    return text.replace("\r\n", "\n")


def interview_title(interview: Interview) -> str:
    """A pseudonymised heading: round, setting code, the voice's label and date."""
    who = label_of(interview) if interview.people else "No participant"
    return (
        f"Round {interview.round.number} · {interview.setting.code} · {who} · "
        f"{interview.held_on:%-d %b %Y}"
    )


def mapping_interviews(setting: Setting) -> list[Interview]:
    """The setting's initial-round interviews: the words a flowchart is mapped from."""
    return [interview for interview in setting.interviews if interview.round.kind == "initial"]


def mapping_answers(setting: Setting) -> list[Answer]:
    """Answers a step can be linked to: those of the setting's initial-round interviews."""
    return [answer for interview in mapping_interviews(setting) for answer in interview.answers]
