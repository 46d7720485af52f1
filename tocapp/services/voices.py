"""Return interviews: each voice's marks, notes, arrows and steps on the frozen chart.

Every action is saved at once and logged with what undoes it; undoing it is
``services.voice_undo`` (its ``last_action`` and ``undo_last`` are importable from here too).
Nothing here writes to the leader's map: a voice's steps and arrows carry its interview's id.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from tocapp.domain.errors import STEP_NOT_SHOWN, DomainError, NotShownError
from tocapp.domain.theory import MAX_STEP_TEXT, Theme, check_new_link
from tocapp.domain.voices import MAX_NOTE, Mark
from tocapp.models import (
    AnnotationAction,
    FlowchartVersion,
    Interview,
    Link,
    ProjectGroup,
    Setting,
    Step,
    StepMark,
    VoiceNote,
)
from tocapp.services import drafts, interviews
from tocapp.services.audit import Actor
from tocapp.services.errors import StaleEditError
from tocapp.services.flowcharts import latest_version
from tocapp.services.versions import freeze_flowchart_version, settle_frozen_date
from tocapp.services.voice_undo import last_action, undo_last  # noqa: F401  (re-exported)
from tocapp.services.voice_writes import record, write_mark


def start_return_interview(
    session: Session, actor: Actor, setting: Setting, fields: interviews.InterviewFields
) -> Interview:
    """Record a return interview and freeze the flowchart version it shows."""
    version = latest_version(session, setting)
    if version is None or not version.steps:
        raise DomainError("Map this setting's flowchart before its return interviews.")
    interview = interviews.record_interview(session, actor, setting, fields)
    if interview.version_id is None:
        freeze_flowchart_version(version, fields.held_on)
        interview.version = version
        session.flush()
        settle_frozen_date(session, version)  # an earlier-held interview typed up later counts
        session.flush()
    return interview


def _require_voice(interview: Interview) -> FlowchartVersion:
    if interview.version is None:
        raise DomainError("This interview shows no flowchart, so it cannot be annotated.")
    return interview.version


def visible_steps(interview: Interview) -> list[Step]:
    """The steps this voice can see: the frozen version's, then the ones it added itself."""
    version = _require_voice(interview)
    return list(version.steps) + list(interview.added_steps)


def _step_in_view(session: Session, interview: Interview, step_id: int) -> Step:
    step = session.get(Step, step_id)
    if (
        step is None
        or step.version_id != interview.version_id
        or step.interview_id
        not in (
            None,
            interview.id,
        )
    ):
        raise NotShownError(STEP_NOT_SHOWN)
    return step


AUDIT_ACTIONS = {
    "mark": "voice.mark",
    "note": "voice.note",
    "note_edit": "voice.note_edit",
    "link": "voice.arrow",
    "step": "voice.step",
}


def _log(
    session: Session,
    actor: Actor,
    interview: Interview,
    kind: str,
    text: str,
    undo: dict[str, Any],
    *,
    target: Any,
    changes: dict[str, list[Any]],
) -> None:
    """The voice's undo list and the audit trail, in one go."""
    session.add(AnnotationAction(interview_id=interview.id, kind=kind, description=text, undo=undo))
    record(session, actor, interview, AUDIT_ACTIONS[kind], target, changes)


def set_mark(
    session: Session,
    actor: Actor,
    interview: Interview,
    step_id: int,
    mark: str,
    expected_revision: int | None = None,
) -> StepMark | None:
    """Mark a step achieved, partly or elusive; an empty mark means not discussed."""
    _require_voice(interview)
    step = _step_in_view(session, interview, step_id)
    if mark and mark not in Mark.__members__.values():
        raise DomainError("A mark is achieved, partly achieved or elusive.")
    current = session.scalar(
        select(StepMark).where(StepMark.interview_id == interview.id, StepMark.step_id == step.id)
    )
    if expected_revision is not None and (current.revision if current else 0) != expected_revision:
        raise StaleEditError("This mark was changed since you opened the page.")
    previous = current.mark if current else ""
    if previous == mark:
        return current
    label = Mark(mark).label if mark else "not discussed"
    _log(
        session,
        actor,
        interview,
        "mark",
        f"Marked “{step.text[:60]}” {label.lower()}",
        {"step_id": step.id, "mark": previous},
        target=step,
        changes={"mark": [previous or None, mark or None]},
    )
    result = write_mark(session, interview, step, current, mark)
    flush_or_stale(session, "This mark was changed since you opened the page.")
    return result


def flush_or_stale(session: Session, message: str) -> None:
    """Flush; a row changed or created by someone else since it was read is a StaleEditError.

    The session must then be rolled back (the web layer does so) before it is used again.
    """
    try:
        session.flush()
    except (StaleDataError, IntegrityError) as error:
        raise StaleEditError(message) from error


def _clean_note(text: str) -> str:
    text = text.replace("\r\n", "\n").strip()
    if not text:
        raise DomainError("A note needs some text.")
    if len(text) > MAX_NOTE:
        raise DomainError(
            f"A note can be at most {MAX_NOTE:,} characters; this one is {len(text):,}."
        )
    return text


def _next_note_number(session: Session, interview: Interview) -> int:
    """The next free number, with the interview's row locked until the transaction ends, so two
    notes saved at the same moment on PostgreSQL take turns instead of taking the same number
    (SQLite's BEGIN IMMEDIATE already serialises them; it ignores FOR UPDATE)."""
    session.execute(select(Interview.id).where(Interview.id == interview.id).with_for_update())
    last = session.scalar(
        select(func.max(VoiceNote.number)).where(VoiceNote.interview_id == interview.id)
    )
    return (last or 0) + 1


def add_note(
    session: Session,
    actor: Actor,
    interview: Interview,
    text: str,
    verbatim: bool = False,
    step_id: int | None = None,
    link_id: int | None = None,
) -> VoiceNote:
    """A numbered note on a step, on an arrow, or (with neither) on a new thread."""
    version = _require_voice(interview)
    text = _clean_note(text)
    step = _step_in_view(session, interview, step_id) if step_id is not None else None
    link = None
    if link_id is not None:
        link = session.get(Link, link_id)
        if (
            link is None
            or link.version_id != version.id
            or link.interview_id
            not in (
                None,
                interview.id,
            )
        ):
            raise NotShownError("That arrow is not on the flowchart shown at this interview.")
    note = VoiceNote(
        interview=interview,
        number=_next_note_number(session, interview),
        step=step,
        link=link,
        text=text,
        verbatim=verbatim,
    )
    session.add(note)
    session.flush()
    if link is None:  # the note box it was typed in has nothing unsaved now
        drafts.forget(session, actor, drafts.voice_note_key(interview.id, step_id))
    _log(
        session,
        actor,
        interview,
        "note",
        f"Added note {note.number}",
        {"note_id": note.id},
        target=note,
        changes={
            "number": [None, note.number],
            "step_id": [None, step_id],
            "link_id": [None, link_id],
            "text": [None, note.text],
            "verbatim": [None, note.verbatim],
        },
    )
    session.flush()
    return note


def edit_note(
    session: Session,
    actor: Actor,
    note: VoiceNote,
    text: str,
    verbatim: bool,
    expected_revision: int,
) -> None:
    """Change a note's words, refusing to overwrite a change someone else saved meanwhile."""
    text = _clean_note(text)
    if note.revision != expected_revision:
        raise StaleEditError("This note was changed since you opened it.")
    _log(
        session,
        actor,
        note.interview,
        "note_edit",
        f"Edited note {note.number}",
        {"note_id": note.id, "text": note.text, "verbatim": note.verbatim},
        target=note,
        changes={
            k: v
            for k, v in {"text": [note.text, text], "verbatim": [note.verbatim, verbatim]}.items()
            if v[0] != v[1]
        },
    )
    note.text = text
    note.verbatim = verbatim
    flush_or_stale(session, "This note was changed since you opened it.")
    drafts.forget(session, actor, drafts.voice_note_edit_key(note.interview_id, note.number))


def add_voice_link(
    session: Session,
    actor: Actor,
    interview: Interview,
    source_id: int,
    target_id: int,
    note: str = "",
    verbatim: bool = False,
) -> Link:
    """A new arrow drawn by this voice, with its note on why the steps connect."""
    version = _require_voice(interview)
    steps = visible_steps(interview)
    existing = [(ln.source_step_id, ln.target_step_id) for ln in version.links]
    existing += [(ln.source_step_id, ln.target_step_id) for ln in interview.added_links]
    check_new_link([s.id for s in steps], existing, source_id, target_id)
    note = note.replace("\r\n", "\n").strip()
    if len(note) > MAX_NOTE:
        raise DomainError(f"A note can be at most {MAX_NOTE:,} characters.")
    link = Link(
        version_id=version.id,
        interview=interview,
        source_step_id=source_id,
        target_step_id=target_id,
        note=note,
        verbatim=verbatim,
    )
    session.add(link)
    session.flush()
    _log(
        session,
        actor,
        interview,
        "link",
        "Drew a new arrow",
        {"link_id": link.id},
        target=link,
        changes={
            "arrow": [None, {"from": source_id, "to": target_id}],
            "note": [None, note],
            "verbatim": [None, verbatim],
        },
    )
    session.flush()
    return link


@dataclass
class VoiceStepFields:
    theme: str
    group_id: int
    text: str


def add_voice_step(
    session: Session, actor: Actor, interview: Interview, fields: VoiceStepFields
) -> Step:
    """A step "added at the return interview" by this voice only."""
    version = _require_voice(interview)
    try:
        theme = Theme(fields.theme)
    except ValueError:
        raise DomainError(
            "Choose a theme: starting situation, strands of action or outcomes."
        ) from None
    text = " ".join(fields.text.split())
    if not text:
        raise DomainError("A step needs some text.")
    if len(text) > MAX_STEP_TEXT:
        raise DomainError(f"A step can be at most {MAX_STEP_TEXT} characters.")
    group = session.get(ProjectGroup, fields.group_id)
    if group is None or group.project_id != interview.setting.project_id:
        raise DomainError("Choose one of this study's groups.")
    last = session.scalar(select(func.max(Step.position)).where(Step.version_id == version.id))
    step = Step(
        version_id=version.id,
        interview=interview,
        theme=theme.value,
        group=group,
        text=text,
        position=(last or 0) + 1,
    )
    session.add(step)
    session.flush()
    _log(
        session,
        actor,
        interview,
        "step",
        f"Added the step “{text[:60]}”",
        {"step_id": step.id},
        target=step,
        changes={"theme": [None, theme.value], "group": [None, group.name], "text": [None, text]},
    )
    session.flush()
    return step
