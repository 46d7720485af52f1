"""Undo at a return interview: taking back a voice's most recent mark, note, arrow or step.

Each action recorded in ``services.voices`` is logged with what undoes it (an ``AnnotationAction``);
undo reads the latest one, puts things back as they were, records that in the audit trail and
drops the action, so the next undo takes back the one before.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from tocapp.models import AnnotationAction, Interview, Link, Step, StepMark, VoiceNote
from tocapp.services.audit import Actor
from tocapp.services.voice_writes import record, write_mark


def last_action(session: Session, interview: Interview) -> AnnotationAction | None:
    return session.scalar(
        select(AnnotationAction)
        .where(AnnotationAction.interview_id == interview.id)
        .order_by(AnnotationAction.id.desc())
        .limit(1)
    )


# What each kind of action undoes, by the id it keeps: the row must still be there.
_TARGETS: dict[str, tuple[str, type[Step] | type[VoiceNote] | type[Link]]] = {
    "mark": ("step_id", Step),
    "step": ("step_id", Step),
    "note": ("note_id", VoiceNote),
    "note_edit": ("note_id", VoiceNote),
    "link": ("link_id", Link),
}


def _target(action: AnnotationAction) -> tuple[type[Step] | type[VoiceNote] | type[Link], int]:
    key, model = _TARGETS[action.kind]
    return model, int(str(action.undo[key]))


def forget_actions_on_removed(session: Session, setting_id: int) -> int:
    """Drop the setting's undo entries whose step, note or arrow has gone (a withdrawal removed
    the steps mapped from someone's words, and with them others' marks and notes on them): such
    an entry could undo nothing, and its description quotes the step. Returns how many."""
    actions = session.scalars(
        select(AnnotationAction)
        .join(Interview, Interview.id == AnnotationAction.interview_id)
        .where(Interview.setting_id == setting_id)
    ).all()
    wanted: dict[type[Step] | type[VoiceNote] | type[Link], set[int]] = {}
    for action in actions:
        model, target_id = _target(action)
        wanted.setdefault(model, set()).add(target_id)
    present = {
        (model, target_id)
        for model, ids in wanted.items()
        for target_id in session.scalars(select(model.id).where(model.id.in_(ids)))
    }
    gone = [action for action in actions if _target(action) not in present]
    for action in gone:
        session.delete(action)
    return len(gone)


def undo_last(session: Session, actor: Actor, interview: Interview) -> str | None:
    """Undo this voice's most recent action; returns what was undone, or None if nothing was."""
    action = last_action(session, interview)
    if action is None:
        return None
    undo = action.undo
    if action.kind == "mark":
        step = session.get(Step, undo["step_id"])
        if step is not None:
            current = session.scalar(
                select(StepMark).where(
                    StepMark.interview_id == interview.id, StepMark.step_id == step.id
                )
            )
            write_mark(session, interview, step, current, str(undo["mark"]))
    elif action.kind == "note_edit":
        note = session.get(VoiceNote, undo["note_id"])
        if note is not None:
            note.text, note.verbatim = str(undo["text"]), bool(undo["verbatim"])
    else:
        collection = {
            "note": interview.notes,
            "link": interview.added_links,
            "step": interview.added_steps,
        }[action.kind]
        target_id = undo[f"{action.kind}_id"]
        for target in [t for t in collection if t.id == target_id]:
            collection.remove(target)  # delete-orphan removes the row
    record(
        session,
        actor,
        interview,
        "voice.undo",
        interview,
        {"undone": [action.description, None]},
    )
    session.delete(action)
    session.flush()
    return action.description
