"""What the comparison says of the chosen settings besides their voices — how each chart changed
from version to version, and who was heard in each round — read as plain rows for all the
settings at once, in a fixed number of statements."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from tocapp.domain.people import Audience, Perspective
from tocapp.domain.version_diff import diff_versions
from tocapp.exports.comparison_model import CoverageCell, VersionChange
from tocapp.models import (
    FlowchartVersion,
    Interview,
    InterviewParticipant,
    Participant,
    Project,
    Round,
)
from tocapp.models import Setting as SettingRow
from tocapp.services.chart_rows import leader_charts


def version_changes(
    session: Session, project: Project, settings: Sequence[SettingRow]
) -> dict[int, tuple[tuple[int, VersionChange], ...]]:
    """For each setting (by id), each version after the first with what changed since the one
    before it (``versions.changes_since_previous``): (version number, change), in order."""
    codes = {s.id: s.code for s in settings}
    by_setting: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for setting_id, version_id, number in session.execute(
        select(FlowchartVersion.setting_id, FlowchartVersion.id, FlowchartVersion.number)
        .where(FlowchartVersion.setting_id.in_(list(codes)))
        .order_by(FlowchartVersion.setting_id, FlowchartVersion.number)
    ):
        by_setting[setting_id].append((version_id, number))
    titles = {
        version_id: f"{codes[setting_id]} flowchart, version {number}"
        for setting_id, versions in by_setting.items()
        if len(versions) > 1  # a first version has nothing to compare with
        for version_id, number in versions
    }
    charts = leader_charts(session, titles, project.group_ids_and_names)
    changes: dict[int, tuple[tuple[int, VersionChange], ...]] = {}
    for setting_id in codes:
        versions = by_setting[setting_id]
        changes[setting_id] = tuple(
            (number, VersionChange(before, diff_versions(charts[old], charts[new])))
            for (old, before), (new, number) in zip(versions, versions[1:], strict=False)
        )
    return changes


def coverage_cells(
    session: Session,
    settings: Sequence[SettingRow],
    rounds: Sequence[Round],
    roles: set[str] | None,
    audience: Audience,
) -> dict[int, list[CoverageCell]]:
    """For each setting (by id): who was heard in each round, by role. A person heard in a round
    counts in the role and perspective they were heard in (their first interview of it), anyone
    else in their current ones, as on the coverage page. People marked as not interviewed are not
    expected unless they were heard; for the setting's leadership, practice roles are counted
    together as staff."""
    ids = [s.id for s in settings]
    # (setting, round) → each participant heard, with their perspective and role at the time
    heard: dict[tuple[int, int], dict[int, tuple[str, str]]] = defaultdict(dict)
    for setting_id, round_id, participant_id, perspective, role_label in session.execute(
        select(
            Interview.setting_id,
            Interview.round_id,
            InterviewParticipant.participant_id,
            InterviewParticipant.perspective,
            InterviewParticipant.role_label,
        )
        .join(InterviewParticipant, InterviewParticipant.interview_id == Interview.id)
        .where(Interview.setting_id.in_(ids), Interview.round_id.in_([r.id for r in rounds]))
        .order_by(Interview.held_on, Interview.id)
    ):
        heard[(setting_id, round_id)].setdefault(participant_id, (perspective, role_label))
    people: dict[int, list[tuple[int, str, str]]] = defaultdict(list)
    for setting_id, person_id, perspective, role_label in session.execute(
        select(
            Participant.setting_id, Participant.id, Participant.perspective, Participant.role_label
        )
        .where(Participant.setting_id.in_(ids))
        .order_by(Participant.id)
    ):
        people[setting_id].append((person_id, perspective, role_label))
    cells: dict[int, list[CoverageCell]] = {}
    for setting in settings:
        cells[setting.id] = []
        for round_ in rounds:
            heard_ids = heard[(setting.id, round_.id)]
            by_role: dict[str, list[int]] = defaultdict(list)
            for person_id, now_perspective, now_role in people[setting.id]:
                perspective, role_label = heard_ids.get(person_id, (now_perspective, now_role))
                if perspective == Perspective.NOT_INTERVIEWED and person_id not in heard_ids:
                    continue
                if roles is None or role_label in roles:
                    role = role_label
                    if not audience.per_person and perspective != Perspective.LEADERSHIP:
                        role = "Staff"
                    by_role[role].append(person_id)
            for role, members in sorted(by_role.items()):
                count = sum(1 for i in members if i in heard_ids)
                cells[setting.id].append(
                    CoverageCell(setting.code, round_.number, role, count, len(members))
                )
    return cells
