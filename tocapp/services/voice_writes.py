"""The writes that recording a voice's actions (``services.voices``) and undoing them
(``services.voice_undo``) share: the audit-trail entry for an action at a return interview, and
the mark row itself (a step's ``StepMark``, set, changed or removed).

Kept apart so both modules import them at the top: ``services.voices`` imports
``services.voice_undo`` to re-export its names.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from tocapp.models import Interview, Step, StepMark
from tocapp.services import audit, interviews
from tocapp.services.audit import Actor


def record(
    session: Session,
    actor: Actor,
    interview: Interview,
    action: str,
    target: Any,
    changes: dict[str, list[Any]],
) -> None:
    """Add one audit-trail entry for an action at this return interview."""
    audit.record(
        session,
        actor,
        action,
        project_id=interview.setting.project_id,
        target=target,
        interview_id=interview.id,
        summary=interviews.interview_title(interview),
        changes=changes,
    )


def write_mark(
    session: Session, interview: Interview, step: Step, current: StepMark | None, mark: str
) -> StepMark | None:
    """Set this voice's mark on a step to ``mark`` (an empty mark removes it); returns the row."""
    if not mark:
        if current is not None:
            interview.marks.remove(current)  # delete-orphan removes the row
        return None
    if current is None:
        current = StepMark(step=step, mark=mark)
        interview.marks.append(current)
    else:
        current.mark = mark  # the version counter adds one to the revision
    return current
