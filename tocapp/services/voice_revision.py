"""A short key of everything the interviewee's screen shows of a voice, so the screen knows,
in one cheap statement a second, when to fetch its picture again."""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import String, cast, func, literal, or_, select, union_all
from sqlalchemy.orm import Session

from tocapp.models import (
    Interview,
    InterviewParticipant,
    Link,
    Participant,
    ProjectGroup,
    Step,
)
from tocapp.models.annotations import StepMark, VoiceNote


def revision_key(session: Session, interview: Interview) -> str:
    """A short hash of every row the screen's picture depends on, in one statement.

    The voice's marks and notes (with their version counters), its arrows and steps, the
    version's own steps and arrows (a withdrawal may still change a frozen version), the study's
    lanes, the people's labels and quotation consent, and the interview's own ``updated_at``.
    Rows are hashed rather than counted, so an undo, an edit or a deletion changes the key too.
    """
    voice = interview.id
    own_or_leader = or_(Step.interview_id.is_(None), Step.interview_id == voice)
    arrows_shown = or_(Link.interview_id.is_(None), Link.interview_id == voice)
    project_id = interview.setting.project_id

    def row(kind: str, ident: Any, *parts: Any) -> Any:
        text: Any = literal("")
        for part in parts:
            text = text + "|" + func.coalesce(cast(part, String), "")
        return select(literal(kind).label("kind"), cast(ident, String).label("id"), text)

    query = union_all(
        row("m", StepMark.id, StepMark.revision, StepMark.step_id, StepMark.mark).where(
            StepMark.interview_id == voice
        ),
        row("n", VoiceNote.id, VoiceNote.revision).where(VoiceNote.interview_id == voice),
        row("s", Step.id, Step.position, Step.theme, Step.group_id, Step.text).where(
            Step.version_id == interview.version_id, own_or_leader
        ),
        row(
            "l",
            Link.id,
            Link.source_step_id,
            Link.target_step_id,
            Link.label,
            Link.note,
            Link.verbatim,
        ).where(Link.version_id == interview.version_id, arrows_shown),
        row("g", ProjectGroup.id, ProjectGroup.position, ProjectGroup.name).where(
            ProjectGroup.project_id == project_id
        ),
        row(
            "p",
            InterviewParticipant.id,
            InterviewParticipant.role_label,
            InterviewParticipant.perspective,
            Participant.reference,
            Participant.pseudonym,
            Participant.consent_quote,
        )
        .join(Participant, Participant.id == InterviewParticipant.participant_id)
        .where(InterviewParticipant.interview_id == voice),
        row("i", Interview.id, Interview.updated_at).where(Interview.id == voice),
    )
    rows = sorted(tuple(str(value) for value in r) for r in session.execute(query))
    digest = hashlib.sha256(repr(rows).encode("utf-8"))
    return digest.hexdigest()[:20]
