"""Deleting a whole study: every row, every built report and cached drawing, in one transaction.

The study's audit chain goes with it; the system chain keeps one entry — that the study was
deleted, by whom and when — and nothing of what it held. The owner confirms by typing the
study's title. Files go only once the deletion has committed (``after_commit``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from tocapp.domain.errors import DomainError
from tocapp.models import (
    AuditChain,
    FlowchartVersion,
    Interview,
    Participant,
    Project,
    ReportJob,
    Setting,
)
from tocapp.services import audit, drafts
from tocapp.services.after_commit import delete_after_commit, empty_after_commit
from tocapp.services.audit import Actor

REMINDER_DAYS = 30


@dataclass(frozen=True)
class StudySize:
    settings: int
    participants: int
    interviews: int
    reports: int


def study_size(session: Session, project: Project) -> StudySize:
    """What deleting the study removes, for the confirmation page."""
    settings = select(Setting.id).where(Setting.project_id == project.id)

    def count(model: type, column: object) -> int:
        return (
            session.scalar(
                select(func.count()).select_from(model).where(column.in_(settings))  # type: ignore[attr-defined]
            )
            or 0
        )

    reports = session.scalar(
        select(func.count()).select_from(ReportJob).where(ReportJob.project_id == project.id)
    )
    return StudySize(
        settings=len(project.settings),
        participants=count(Participant, Participant.setting_id),
        interviews=count(Interview, Interview.setting_id),
        reports=reports or 0,
    )


def delete_study(
    session: Session,
    actor: Actor,
    project: Project,
    typed_title: str,
    *,
    reports_dir: str | Path,
    render_cache_dir: str | Path,
) -> None:
    """Erase the study. Refuses (DomainError) unless ``typed_title`` is its title."""
    if " ".join(typed_title.split()).casefold() != " ".join(project.title.split()).casefold():
        raise DomainError("Type the study's title exactly as it is shown, to confirm.")
    project_id = project.id
    # The jobs go first, returning their files as committed: a worker finishing one meanwhile
    # (PostgreSQL) is waited for, so its file is not missed and left on disk.
    files = [
        Path(reports_dir) / name
        for name in session.scalars(
            delete(ReportJob)
            .where(ReportJob.project_id == project_id)
            .returning(ReportJob.file_name)
        )
        if name
    ]
    chain_length = (
        session.scalar(select(AuditChain.length).where(AuditChain.project_id == project_id)) or 0
    )
    settings = select(Setting.id).where(Setting.project_id == project_id)
    # In this order, because a version may not go while an interview shows it, nor a group
    # while a step stands in its lane; everything else follows the database's cascades.
    drafts.delete_study_drafts(session, project_id)  # anyone's words in progress about it
    session.execute(delete(Interview).where(Interview.setting_id.in_(settings)))
    session.execute(delete(FlowchartVersion).where(FlowchartVersion.setting_id.in_(settings)))
    session.execute(delete(Project).where(Project.id == project_id))
    session.expunge(project)  # with what hangs on it: gone from the database, nothing to flush
    audit.record(
        session,
        actor,
        "study.delete",
        object_type="projects",
        object_id=project_id,
        summary=f"Study {project_id} deleted, with its {chain_length} audit entries",
    )
    delete_after_commit(session, files)
    # Cached drawings are named by a hash of what they show, not by study: empty the cache (it
    # fills again as charts are viewed).
    empty_after_commit(session, Path(render_cache_dir))
    session.flush()


def personal_data_reminder(project: Project, today: date | None = None) -> int | None:
    """Days until the study's personal data must be deleted (negative once past), from 30 days
    before; None when there is no date or it is further away."""
    if project.personal_data_until is None:
        return None
    days = (project.personal_data_until - (today or date.today())).days
    return days if days <= REMINDER_DAYS else None
