"""The comparison's read as it was before it was set-based: setting by setting, through ORM
objects and the voice read model's ``voice_of`` / ``leader_chart`` (which the other voice pages
still use). ``test_comparison_rows`` builds each report both ways and asserts they are equal, so
the rows read in a fixed number of statements say exactly what these objects said.

Kept as it stood (``services/voice_read.setting_rounds``, ``build_report``'s loop over
``changes_since_previous``, ``services/comparison._coverage``), only gathered by setting id.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session, joinedload, object_session, selectinload

from tocapp.domain.comparison import SettingRound
from tocapp.domain.people import Audience, Perspective
from tocapp.domain.voices import chart_with_voices
from tocapp.exports.comparison_model import CoverageCell, VersionChange
from tocapp.models import Interview, InterviewParticipant, Project, Round, Setting
from tocapp.services.versions import changes_since_previous
from tocapp.services.voice_read import (
    for_audience,
    leader_chart,
    load_chart,
    load_voices,
    voice_of,
)


def setting_rounds_of(
    session: Session,
    project: Project,
    settings: Sequence[Setting],
    round_numbers: set[int] | None,
    audience: Audience,
) -> dict[int, list[SettingRound]]:
    return {s.id: _setting_rounds(s, round_numbers, audience) for s in settings}


def version_changes(
    session: Session, project: Project, settings: Sequence[Setting]
) -> dict[int, tuple[tuple[int, VersionChange], ...]]:
    return {
        setting.id: tuple(
            (v.number, VersionChange(c.before.number, c.diff))
            for v in sorted(setting.versions, key=lambda v: v.number)
            if (c := changes_since_previous(session, v)) is not None
        )
        for setting in settings
    }


def coverage_cells(
    session: Session,
    settings: Sequence[Setting],
    rounds: Sequence[Round],
    roles: set[str] | None,
    audience: Audience,
) -> dict[int, list[CoverageCell]]:
    return {s.id: _coverage(s, rounds, roles, audience) for s in settings}


def _setting_rounds(
    setting: Setting, round_numbers: set[int] | None, audience: Audience
) -> list[SettingRound]:
    session = object_session(setting)
    if session is not None:
        _load_interviews_of(session, setting)
    groups: dict[tuple[int, int], list[Interview]] = {}
    for interview in sorted(setting.interviews, key=lambda i: (i.held_on, i.id)):
        version = interview.version
        if version is None or (
            round_numbers is not None and interview.round.number not in round_numbers
        ):
            continue
        groups.setdefault((interview.round.number, version.number), []).append(interview)
    if session is not None:
        load_voices(session, [i for chosen in groups.values() for i in chosen])
        for version in {i.version for chosen in groups.values() for i in chosen}:
            assert version is not None
            load_chart(session, version)
    sources = []
    for (_, _), interviews in sorted(groups.items()):
        first = interviews[0]
        assert first.version is not None
        voices, left_out = for_audience(
            [voice_of(i, audience) for i in interviews], audience, setting.project.min_group_size
        )
        sources.append(
            SettingRound(
                setting.code,
                first.round.number,
                first.round.title,
                first.version.number,
                chart_with_voices(leader_chart(first.version, audience=audience), voices),
                tuple(voices),
                left_out=left_out,
            )
        )
    return sources


def _load_interviews_of(session: Session, setting: Setting) -> None:
    interviews = selectinload(Setting.interviews).options(
        joinedload(Interview.round),
        joinedload(Interview.version),
        selectinload(Interview.people).joinedload(InterviewParticipant.participant),
    )
    already = "interviews" not in inspect(setting).unloaded
    session.scalars(
        select(Setting)
        .where(Setting.id == setting.id)
        .options(selectinload(Setting.versions), interviews)
    ).one()
    if already:
        session.scalars(
            select(Interview)
            .where(Interview.setting_id == setting.id)
            .options(
                joinedload(Interview.round),
                joinedload(Interview.version),
                selectinload(Interview.people).joinedload(InterviewParticipant.participant),
            )
        ).all()


def _coverage(
    setting: Setting, rounds: Sequence[Round], roles: set[str] | None, audience: Audience
) -> list[CoverageCell]:
    cells = []
    for round_ in rounds:
        heard_ids: dict[int, tuple[str, str]] = {}  # as first heard in the round
        for interview in sorted(setting.interviews, key=lambda i: (i.held_on, i.id)):
            if interview.round_id == round_.id:
                for p in interview.people:
                    heard_ids.setdefault(p.participant_id, (p.perspective, p.role_label))
        by_role: dict[str, list[int]] = defaultdict(list)
        for person in setting.participants:
            perspective, role_label = heard_ids.get(
                person.id, (person.perspective, person.role_label)
            )
            if perspective == Perspective.NOT_INTERVIEWED and person.id not in heard_ids:
                continue
            if roles is None or role_label in roles:
                role = role_label
                if not audience.per_person and perspective != Perspective.LEADERSHIP:
                    role = "Staff"
                by_role[role].append(person.id)
        for role, ids in sorted(by_role.items()):
            heard = sum(1 for i in ids if i in heard_ids)
            cells.append(CoverageCell(setting.code, round_.number, role, heard, len(ids)))
    return cells
