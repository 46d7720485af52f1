"""Freezing a flowchart version when it is shown, starting the next one for later edits, and
reading a setting's versions back: their history and what changed from one to the next."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tocapp.domain.errors import DomainError
from tocapp.domain.outline import step_numbers
from tocapp.domain.version_diff import VersionDiff, diff_versions
from tocapp.models import FlowchartVersion, Interview, Link, Setting, Step
from tocapp.models.base import utcnow
from tocapp.services import audit
from tocapp.services.audit import Actor
from tocapp.services.errors import NotFoundError
from tocapp.services.flowcharts import freeze_lanes, latest_version, to_domain


def freeze_flowchart_version(version: FlowchartVersion, shown_on: date | None = None) -> None:
    """Mark a version as shown: from now on annotations refer to exactly these steps.

    ``shown_on`` is the day of the interview that first showed it, so an interview typed up
    afterwards says "frozen on" the day it was held; a future date never counts.
    """
    now = utcnow()
    when = min(datetime.combine(shown_on, time()) if shown_on else now, now)
    # An interview typed up later may have been held earlier: the earliest one counts.
    if version.frozen_at is None or when < version.frozen_at:
        version.frozen_at = when
    freeze_lanes(version)


def settle_frozen_date(session: Session, version: FlowchartVersion) -> None:
    """A shown version is frozen on the day of the earliest interview still on record that showed
    it, whatever order interviews were typed up, moved or removed in; with none left, the newest
    version opens again and an older one is dated when it was superseded."""
    earliest = session.scalar(
        select(func.min(Interview.held_on)).where(Interview.version_id == version.id)
    )
    if earliest is not None:
        version.frozen_at = min(datetime.combine(earliest, time()), utcnow())
        freeze_lanes(version)
        return
    # No interview showing it is left (a withdrawal removed them): keep no trace of their date.
    later = session.scalar(
        select(func.min(FlowchartVersion.created_at)).where(
            FlowchartVersion.setting_id == version.setting_id,
            FlowchartVersion.number > version.number,
        )
    )
    # The newest version opens for changes again; an older one stays frozen as of when it was
    # superseded, since later versions were copied from it.
    version.frozen_at = later
    if later is None:
        version.group_order = None  # open again: its lanes follow the study's order
    else:
        freeze_lanes(version)


def start_next_version(session: Session, actor: Actor, setting: Setting) -> FlowchartVersion:
    """Copy the newest (frozen) version into a new editable one; steps keep their lineage."""
    current = latest_version(session, setting)
    if current is None:
        raise DomainError("This setting has no flowchart yet.")
    if not current.is_frozen:
        return current
    new = FlowchartVersion(setting=setting, number=current.number + 1)
    session.add(new)
    copies: dict[int, Step] = {}
    for step in current.steps:
        copy = Step(
            theme=step.theme,
            group_id=step.group_id,
            text=step.text,
            position=step.position,
            source_answer_id=step.source_answer_id,
            source_quote=step.source_quote,
            lineage=step.lineage,
        )
        new.steps.append(copy)
        copies[step.id] = copy
    for link in current.links:
        new.links.append(
            Link(
                source=copies[link.source_step_id],
                target=copies[link.target_step_id],
                label=link.label,
            )
        )
    session.flush()
    audit.record(
        session,
        actor,
        "version.create",
        project_id=setting.project_id,
        target=new,
        summary=f"{setting.code}: version {new.number} started from version {current.number}",
    )
    return new


@dataclass(frozen=True)
class VersionEntry:
    """One version in a setting's history, with how many return interviews it was shown at."""

    version: FlowchartVersion
    shown_at: int


def version_history(session: Session, setting: Setting) -> list[VersionEntry]:
    """Every version of the setting's flowchart, oldest first, with its return-interview count."""
    rows = session.execute(
        select(Interview.version_id, func.count(Interview.id))
        .join(FlowchartVersion, FlowchartVersion.id == Interview.version_id)
        .where(FlowchartVersion.setting_id == setting.id)
        .group_by(Interview.version_id)
    ).all()
    counts: dict[int, int] = {version_id: count for version_id, count in rows}
    versions = session.scalars(
        select(FlowchartVersion)
        .where(FlowchartVersion.setting_id == setting.id)
        .order_by(FlowchartVersion.number)
    )
    return [VersionEntry(v, counts.get(v.id, 0)) for v in versions]


def times_shown(session: Session, version: FlowchartVersion) -> int:
    """How many return interviews showed this version."""
    return (
        session.scalar(select(func.count(Interview.id)).where(Interview.version_id == version.id))
        or 0
    )


def version_numbered(session: Session, setting: Setting, number: int) -> FlowchartVersion:
    """The setting's version with this number; NotFoundError (404) if there is none."""
    version = session.scalar(
        select(FlowchartVersion).where(
            FlowchartVersion.setting_id == setting.id, FlowchartVersion.number == number
        )
    )
    if version is None:
        raise NotFoundError("FlowchartVersion")
    return version


def previous_version(session: Session, version: FlowchartVersion) -> FlowchartVersion | None:
    """The version just before this one, if any."""
    return session.scalar(
        select(FlowchartVersion)
        .where(
            FlowchartVersion.setting_id == version.setting_id,
            FlowchartVersion.number < version.number,
        )
        .order_by(FlowchartVersion.number.desc())
        .limit(1)
    )


@dataclass(frozen=True)
class VersionChanges:
    """What changed since the previous version, with each version's reading numbers (S1, A2 …)
    by step key so the page can name steps the way each chart does."""

    before: FlowchartVersion
    diff: VersionDiff
    old_numbers: dict[str, str]
    new_numbers: dict[str, str]


def changes_since_previous(session: Session, version: FlowchartVersion) -> VersionChanges | None:
    """The previous version and what changed from it to this one; None for a first version."""
    before = previous_version(session, version)
    if before is None:
        return None
    old, new = to_domain(before), to_domain(version)
    return VersionChanges(before, diff_versions(old, new), step_numbers(old), step_numbers(new))
