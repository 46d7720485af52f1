"""Interview schedules: the built-in ones, and those an owner adds to a study."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from tocapp.domain.errors import DomainError
from tocapp.domain.schedules import BUILT_IN_SCHEDULES
from tocapp.models import Project, Schedule, ScheduleQuestion
from tocapp.services import audit
from tocapp.services.audit import Actor
from tocapp.services.errors import FieldError

MAX_QUESTIONS = 30
MAX_QUESTION_LENGTH = 1000
PLACEHOLDERS = ("{focus}", "{partner}", "{groups}")


def ensure_built_in_schedules(session: Session) -> None:
    """Store the shipped schedules once; they are shared by every study and never edited."""
    present = set(session.scalars(select(Schedule.key).where(Schedule.project_id.is_(None))))
    for spec in BUILT_IN_SCHEDULES:
        if spec.key in present:
            continue
        schedule = Schedule(
            project_id=None, key=spec.key, name=spec.name, description=spec.description
        )
        schedule.questions = [
            ScheduleQuestion(number=q.number, text=q.text, stimulus=q.stimulus)
            for q in spec.questions
        ]
        session.add(schedule)
    session.flush()


def schedules_for(session: Session, project: Project) -> list[Schedule]:
    """Schedules a study can use: the built-in ones first, then the study's own."""
    # A safety net for databases made before create_project seeded them; a no-op afterwards.
    ensure_built_in_schedules(session)
    return list(
        session.scalars(
            select(Schedule)
            .where(or_(Schedule.project_id.is_(None), Schedule.project_id == project.id))
            .order_by(Schedule.project_id.is_not(None), Schedule.id)
        )
    )


def schedule_for(session: Session, project: Project, schedule_id: int) -> Schedule:
    """One schedule the study may use (built in or its own), else a refusal."""
    schedule = session.get(Schedule, schedule_id)
    if schedule is None or schedule.project_id not in (None, project.id):
        raise DomainError("Choose one of this study's interview schedules.")
    return schedule


def parse_questions(text: str) -> list[str]:
    """Questions typed one per line; blank lines are dropped."""
    return [line.strip() for line in text.splitlines() if line.strip()]


def add_schedule(
    session: Session,
    actor: Actor,
    project: Project,
    name: str,
    description: str,
    questions: list[str],
) -> Schedule:
    """A study's own schedule; {focus}, {partner}, {groups} in a question are filled when asked."""
    if not name.strip():
        raise FieldError("name", "Give the schedule a name.")
    if not questions:
        raise FieldError("questions", "A schedule needs at least one question.")
    if len(questions) > MAX_QUESTIONS:
        raise FieldError("questions", f"A schedule can have at most {MAX_QUESTIONS} questions.")
    if any(len(q) > MAX_QUESTION_LENGTH for q in questions):
        raise FieldError(
            "questions", f"A question can be at most {MAX_QUESTION_LENGTH} characters."
        )
    schedule = Schedule(
        project_id=project.id, key="", name=name.strip(), description=description.strip()
    )
    schedule.questions = [
        ScheduleQuestion(number=i, text=text) for i, text in enumerate(questions, start=1)
    ]
    session.add(schedule)
    session.flush()
    audit.record(
        session,
        actor,
        "schedule.create",
        project_id=project.id,
        target=schedule,
        summary=f"Schedule added: {schedule.name}",
        changes={"questions": [None, questions]},
    )
    return schedule
