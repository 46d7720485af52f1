"""A study's rounds of interviews: numbered in order, initial or return, each with its planned
date; any number may be added."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tocapp.models import Project, Round
from tocapp.services import audit
from tocapp.services.audit import Actor
from tocapp.services.errors import FieldError

RETURN_INTERVAL_DAYS = 182  # "about six months later"
ROUND_KINDS = {"initial": "Initial", "return": "Return"}


@dataclass
class RoundFields:
    title: str
    kind: str = "return"
    planned_on: date | None = None


def add_round(session: Session, actor: Actor, project: Project, fields: RoundFields) -> Round:
    """Add the next round; rounds are numbered in order and any number may be added."""
    session.execute(select(Project.id).where(Project.id == project.id).with_for_update())
    number = (
        session.scalar(select(func.max(Round.number)).where(Round.project_id == project.id)) or 0
    ) + 1
    round_ = Round(project=project, number=number)
    _apply_round(round_, fields)
    session.add(round_)
    session.flush()
    audit.record(
        session,
        actor,
        "round.create",
        project_id=project.id,
        target=round_,
        summary=f"Round {number} added",
        changes=audit.created(round_, *ROUND_FIELDS),
    )
    return round_


ROUND_FIELDS = ("title", "kind", "planned_on")


def next_round_defaults(project: Project) -> RoundFields:
    """What the form for a new round suggests: a return round about six months after the last."""
    dates = [r.planned_on for r in project.rounds if r.planned_on is not None]
    planned = max(dates) + timedelta(days=RETURN_INTERVAL_DAYS) if dates else None
    return RoundFields(title="Return interviews", kind="return", planned_on=planned)


def update_round(session: Session, actor: Actor, round_: Round, fields: RoundFields) -> None:
    """Change a round's title, kind or planned date; its number stays."""
    before = audit.snapshot(round_, *ROUND_FIELDS)
    _apply_round(round_, fields)
    audit.record(
        session,
        actor,
        "round.edit",
        project_id=round_.project_id,
        target=round_,
        summary=f"Round {round_.number} edited",
        changes=audit.diff(before, round_),
    )
    session.flush()


def _apply_round(round_: Round, fields: RoundFields) -> None:
    if fields.kind not in ROUND_KINDS:
        raise FieldError("kind", "A round is either initial or a return round.")
    if not fields.title.strip():
        raise FieldError("title", "Give the round a title, for example Return interviews.")
    round_.title = fields.title.strip()
    round_.kind = fields.kind
    round_.planned_on = fields.planned_on
