"""What the flowchart page shows, read in a fixed number of statements whatever the chart's size.

The page needs a version's chart, the one before it (for "what changed"), and every version with
the number of return interviews that showed it. Read naively, each step's group and source answer
is a lazy load and each version is turned into a domain chart twice; here the two charts' steps
(with their groups and answers) and arrows come in a few set-based statements, and each chart is
built once.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from tocapp.domain.outline import step_numbers
from tocapp.domain.theory import Flowchart
from tocapp.domain.version_diff import diff_versions
from tocapp.models import FlowchartVersion, Setting, Step
from tocapp.services.errors import NotFoundError
from tocapp.services.flowcharts import to_domain
from tocapp.services.versions import VersionChanges, VersionEntry, version_history


@dataclass(frozen=True)
class FlowchartPage:
    """A version (None before anything is mapped), its chart, the history and what changed."""

    version: FlowchartVersion | None
    chart: Flowchart | None
    history: list[VersionEntry]
    shown_at: int
    changes: VersionChanges | None


def flowchart_page(session: Session, setting: Setting, number: int | None) -> FlowchartPage:
    """Version ``number`` of the setting's chart, or the latest when None; NotFoundError (404)
    for a number the setting does not have."""
    history = version_history(session, setting)
    if not history:
        if number is not None:
            raise NotFoundError("FlowchartVersion")
        return FlowchartPage(None, None, [], 0, None)
    index = len(history) - 1
    if number is not None:
        index = next((i for i, e in enumerate(history) if e.version.number == number), -1)
        if index < 0:
            raise NotFoundError("FlowchartVersion")
    entry = history[index]
    before = history[index - 1].version if index > 0 else None
    _load_maps(session, setting, [v for v in (entry.version, before) if v is not None])
    chart = to_domain(entry.version)
    changes = None
    if before is not None:
        old = to_domain(before)
        changes = VersionChanges(
            before, diff_versions(old, chart), step_numbers(old), step_numbers(chart)
        )
    return FlowchartPage(entry.version, chart, history, entry.shown_at, changes)


def _load_maps(session: Session, setting: Setting, versions: list[FlowchartVersion]) -> None:
    """The versions' steps (with group and source answer) and arrows, and the study's groups:
    one statement each, so building the domain charts sends no more."""
    session.scalars(
        select(FlowchartVersion)
        .where(FlowchartVersion.id.in_([v.id for v in versions]))
        .options(
            selectinload(FlowchartVersion.steps).options(
                joinedload(Step.group), joinedload(Step.source_answer)
            ),
            selectinload(FlowchartVersion.links),
            joinedload(FlowchartVersion.setting),
        )
    ).all()
    setting.project.groups  # noqa: B018  (loaded now, with the project, for the chart's lanes)
