"""A participant withdraws: what they contributed is deleted, and a record of it is kept.

One transaction deletes their interviews (the notes per question, marks, notes, new arrows and new
steps go with them), deals with the map steps their round-1 answers were the source of, withdraws
the study's built reports and writes a ``Withdrawal`` record holding no words of theirs. Only after
that transaction commits are the built reports' files and the render cache (which holds charts
drawn with their words) deleted from disk (:mod:`tocapp.services.after_commit`).

A paired interview cannot be split into who said what, so it goes whole; the form says so first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from tocapp.domain.errors import DomainError
from tocapp.models import (
    FlowchartVersion,
    Interview,
    InterviewParticipant,
    Participant,
    Step,
    User,
    Withdrawal,
)
from tocapp.services import audit, drafts
from tocapp.services.after_commit import empty_after_commit
from tocapp.services.report_jobs import withdraw_built_reports
from tocapp.services.versions import settle_frozen_date
from tocapp.services.voice_undo import forget_actions_on_removed

EVERYTHING = "everything"
AFTER = "after"  # keep what was contributed before ``keep_before``
KEEP_STEPS = "keep"  # map steps stay as the evaluator's wording, without source or quote
REMOVE_STEPS = "remove"


@dataclass(frozen=True)
class WithdrawalRequest:
    """What the participant asked for, as the owner records it."""

    withdrawn_on: date
    scope: str = EVERYTHING
    keep_before: date | None = None
    source_steps: str = KEEP_STEPS


@dataclass(frozen=True)
class WithdrawalPlan:
    """What a withdrawal would remove, counted, so the owner can read it before confirming."""

    interviews: tuple[Interview, ...]
    paired_with: tuple[str, ...]  # references of others in paired interviews that would go
    source_steps: tuple[Step, ...]  # map steps whose source is one of their answers
    counts: dict[str, int]

    @property
    def removes_anything(self) -> bool:
        return bool(self.interviews)


def plan_withdrawal(
    session: Session, participant: Participant, request: WithdrawalRequest
) -> WithdrawalPlan:
    """Check the request and count what it would remove; changes nothing."""
    _check(participant, request)
    interviews = _interviews_to_remove(session, participant, request)
    answers = [a for i in interviews for a in i.answers]
    answer_ids = {a.id for a in answers}
    sourced = (
        list(session.scalars(select(Step).where(Step.source_answer_id.in_(answer_ids))))
        if answer_ids
        else []
    )
    others = sorted(
        {
            p.participant.reference
            for i in interviews
            for p in i.people
            if p.participant_id != participant.id
        }
    )
    counts = {
        "interviews": len(interviews),
        "answers": sum(1 for a in answers if a.notes.strip()),
        "marks": sum(len(i.marks) for i in interviews),
        "notes": sum(len(i.notes) for i in interviews),
        "arrows": sum(len(i.added_links) for i in interviews),
        "steps added": sum(len(i.added_steps) for i in interviews),
        "map steps from their words": len(sourced),
    }
    return WithdrawalPlan(tuple(interviews), tuple(others), tuple(sourced), counts)


def withdraw_participant(
    session: Session,
    actor: User,
    participant: Participant,
    request: WithdrawalRequest,
    *,
    reports_dir: str | Path | None = None,
    render_cache_dir: str | Path | None = None,
) -> Withdrawal:
    """Delete what the participant contributed (all of it, or from ``keep_before`` on) and record
    the withdrawal. The caller commits; files go only once it has."""
    plan = plan_withdrawal(session, participant, request)
    setting = participant.setting
    project = setting.project
    interview_ids = [i.id for i in plan.interviews]
    version_ids = {i.version_id for i in plan.interviews if i.version_id is not None}
    # The trail keeps who did what and when, but none of their words (nor their name).
    redacted = audit.redact(
        session,
        project.id,
        interview_ids=set(interview_ids),
        participant_ids={participant.id},
        step_ids={s.id for s in plan.source_steps},
    )
    for step in plan.source_steps:
        if request.source_steps == REMOVE_STEPS:
            session.delete(step)
        else:
            step.source_answer_id = None
            step.source_quote = ""
    session.flush()
    # The database's cascades removed what hung on a removed step (others' marks, notes and
    # arrows on it) behind the loaded objects' backs: read everything afresh from here on.
    session.expire_all()
    for interview_id in interview_ids:
        interview = session.get(Interview, interview_id)
        if interview is not None:
            session.delete(interview)  # its answers, marks, notes, arrows and steps go with it
    drafts.delete_withdrawn_drafts(session, setting.id, participant.id, interview_ids)
    session.flush()
    forget_actions_on_removed(session, setting.id)  # others' undo entries naming removed steps
    session.expire_all()
    for version_id in version_ids:
        version = session.get(FlowchartVersion, version_id)
        if version is not None:
            settle_frozen_date(session, version)
    reports = withdraw_built_reports(session, project, reports_dir)
    removed = {**plan.counts, "built reports": reports}
    record = Withdrawal(
        project_id=project.id,
        setting_code=setting.code,
        participant_reference=participant.reference,
        role_label=participant.role_label,
        withdrawn_on=request.withdrawn_on,
        scope=request.scope,
        keep_before=request.keep_before if request.scope == AFTER else None,
        source_steps=request.source_steps,
        removed=removed,
        recorded_by_id=actor.id,
        recorded_by=f"{actor.name} <{actor.email}>",
    )
    session.add(record)
    audit.record(
        session,
        actor,
        "participant.withdraw",
        project_id=project.id,
        target=participant,
        participant_id=participant.id,
        summary=f"{participant.reference} withdrew: "
        + (", ".join(counted(removed)) or "nothing")
        + f" removed; {redacted} audit entries' details removed",
        changes={
            "withdrawn_on": [None, request.withdrawn_on.isoformat()],
            "scope": [None, request.scope],
            "source_steps": [None, request.source_steps],
        },
    )
    if request.scope == EVERYTHING:
        session.delete(participant)
    else:
        participant.withdrawn_on = request.withdrawn_on
        participant.consent_participate = False
        participant.real_name = ""
        participant.email = ""
    if render_cache_dir is not None:
        # Cached charts are named by a hash of what they show, so nothing serves an old one;
        # but they hold the words on disk. The cache rebuilds itself.
        empty_after_commit(session, Path(render_cache_dir))
    session.flush()
    return record


SINGULAR = {
    "interviews": "interview",
    "answers": "answer",
    "marks": "mark",
    "notes": "note",
    "arrows": "arrow",
    "steps added": "step added",
    "map steps from their words": "map step from their words",
    "built reports": "built report",
}


def counted(counts: dict[str, int]) -> list[str]:
    """ "2 interviews", "1 arrow": the non-zero counts in words."""
    return [
        f"{n} {SINGULAR.get(name, name) if n == 1 else name}" for name, n in counts.items() if n
    ]


def withdrawals_of(session: Session, project_id: int) -> list[Withdrawal]:
    return list(
        session.scalars(
            select(Withdrawal)
            .where(Withdrawal.project_id == project_id)
            .order_by(Withdrawal.recorded_at.desc(), Withdrawal.id.desc())
        )
    )


def _check(participant: Participant, request: WithdrawalRequest) -> None:
    if participant.withdrawn_on is not None:
        raise DomainError(f"{participant.reference} has already withdrawn.")
    if request.scope not in (EVERYTHING, AFTER):
        raise DomainError("Choose whether to remove everything or keep what came before a date.")
    if request.scope == AFTER and request.keep_before is None:
        raise DomainError("Give the date before which their contribution is kept.")
    if request.source_steps not in (KEEP_STEPS, REMOVE_STEPS):
        raise DomainError("Choose what happens to map steps that came from their words.")
    if request.withdrawn_on > date.today():
        raise DomainError("The date of withdrawal cannot be in the future.")


def _interviews_to_remove(
    session: Session, participant: Participant, request: WithdrawalRequest
) -> list[Interview]:
    query = (
        select(Interview)
        .join(InterviewParticipant, InterviewParticipant.interview_id == Interview.id)
        .where(InterviewParticipant.participant_id == participant.id)
        .order_by(Interview.held_on, Interview.id)
    )
    if request.scope == AFTER and request.keep_before is not None:
        query = query.where(Interview.held_on >= request.keep_before)
    return list(session.scalars(query))


__all__ = [
    "AFTER",
    "EVERYTHING",
    "KEEP_STEPS",
    "REMOVE_STEPS",
    "WithdrawalPlan",
    "WithdrawalRequest",
    "plan_withdrawal",
    "withdraw_participant",
    "withdrawals_of",
]
