"""What the study and setting pages list, read in a number of statements that does not grow with
the study: set-based counts and eager loading instead of one lazy load per row.

At 300 settings the study page ran one ``participants`` query per setting, and the setting page
one ``interview_participants`` query per interview (and one per round and version shown);
``tests/web/test_page_statements.py`` keeps them flat.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from tocapp.models import Interview, InterviewParticipant, Participant, Project, Setting


def participant_counts(session: Session, project: Project) -> dict[int, int]:
    """How many participants each setting of the study has (withdrawn ones kept as rows
    included), by setting id; a setting without any is absent."""
    rows = session.execute(
        select(Participant.setting_id, func.count(Participant.id))
        .join(Setting, Setting.id == Participant.setting_id)
        .where(Setting.project_id == project.id)
        .group_by(Participant.setting_id)
    )
    return {setting_id: count for setting_id, count in rows}


def load_setting_page(session: Session, setting: Setting) -> Setting:
    """The setting with its participants and its interviews — each with its round, version and
    people — loaded in a few statements, for its page."""
    # Already in the session, so this fills the collections it has not loaded yet (the page's
    # object is the same one); the relationships' own order_by keeps the order the page had.
    session.scalars(
        select(Setting)
        .where(Setting.id == setting.id)
        .options(
            joinedload(Setting.project),
            selectinload(Setting.participants),
            selectinload(Setting.interviews).options(
                joinedload(Interview.round),
                joinedload(Interview.version),
                selectinload(Interview.people).joinedload(InterviewParticipant.participant),
            ),
        )
    ).one()
    return setting
