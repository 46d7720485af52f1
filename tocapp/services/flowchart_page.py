"""What the flowchart page shows, read in a fixed number of statements whatever the chart's size.

The page needs a version's chart, the one before it (for "what changed"), and every version with
the number of return interviews that showed it. Read naively, each step's group and source answer
is a lazy load and each version is turned into a domain chart twice; here the two charts' steps
(with their groups and answers) and arrows come as plain rows in one statement each — no ORM
objects for them — and each chart is built once. ``services.flowcharts.to_domain`` stays the
definition of a version's chart: a test checks that these rows build the same one.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from tocapp.domain.outline import step_numbers
from tocapp.domain.theory import Flowchart
from tocapp.domain.version_diff import diff_versions
from tocapp.models import FlowchartVersion, ProjectGroup, Setting
from tocapp.services.chart_rows import leader_charts
from tocapp.services.errors import NotFoundError
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
    charts = _charts(session, setting, [v for v in (entry.version, before) if v is not None])
    chart = charts[entry.version.id]
    changes = None
    if before is not None:
        old = charts[before.id]
        changes = VersionChanges(
            before, diff_versions(old, chart), step_numbers(old), step_numbers(chart)
        )
    return FlowchartPage(entry.version, chart, history, entry.shown_at, changes)


def _charts(
    session: Session, setting: Setting, versions: list[FlowchartVersion]
) -> dict[int, Flowchart]:
    """The versions' charts by version id, as ``to_domain`` builds them, in four statements."""
    groups = [
        (group_id, name)
        for group_id, name in session.execute(
            select(ProjectGroup.id, ProjectGroup.name)
            .where(ProjectGroup.project_id == setting.project_id)
            .order_by(ProjectGroup.position)
        )
    ]
    titles = {v.id: f"{setting.code} flowchart, version {v.number}" for v in versions}
    return leader_charts(session, titles, groups)
