"""A study's comparison report: the chosen settings, rounds and roles read from the database as
domain data, compared in the domain layer, with the charts drawn. Pseudonymised throughout:
settings by code, people by the role label they had at the interview."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date

from sqlalchemy.orm import Session

from tocapp.domain.comparison import (
    CountKey,
    MarkMove,
    MoveSummary,
    SettingMatrix,
    SettingRound,
    mark_counts,
    mark_moves,
    setting_matrix,
    summarise_moves,
    tidy_rows,
)
from tocapp.domain.theory import Theme
from tocapp.domain.voices import VoiceLayer
from tocapp.models import Interview, Project
from tocapp.render.mark_charts import stacked_mark_bars
from tocapp.services.export_people import interview_may_be_quoted, quoted
from tocapp.services.versions import VersionChanges, changes_since_previous
from tocapp.services.voice_layers import chart_with_voices, leader_participant_ids, voice_layer

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Choice:
    """What to include; None means everything. ``detail`` False leaves out the step-by-step
    detail — each setting's steps × voices matrix with its notes, and every changed mark — for
    the summary a study of many settings is read by."""

    setting_ids: frozenset[int] | None = None
    round_ids: frozenset[int] | None = None
    roles: frozenset[str] | None = None
    detail: bool = True

    def as_lists(self) -> dict[str, list[int | str]]:
        """The choice as the query string names it (setting, round, role), for storing as JSON."""
        lists: dict[str, list[int | str]] = {}
        if self.setting_ids:
            lists["setting"] = list(sorted(self.setting_ids))
        if self.round_ids:
            lists["round"] = list(sorted(self.round_ids))
        if self.roles:
            lists["role"] = list(sorted(self.roles))
        if not self.detail:
            lists["detail"] = ["off"]
        return lists

    @classmethod
    def from_lists(cls, lists: dict[str, list[int | str]]) -> Choice:
        def ids(name: str) -> frozenset[int] | None:
            return frozenset(int(v) for v in lists.get(name, [])) or None

        roles = frozenset(str(v) for v in lists.get("role", []) if v) or None
        # A form sends "off" from a hidden field and "on" from the ticked box; a link sends neither.
        detail = lists.get("detail", ["on"])
        return cls(ids("setting"), ids("round"), roles, "on" in detail)


@dataclass(frozen=True)
class CountChart:
    theme: Theme
    group: str
    bars: tuple[tuple[str, Counter[str]], ...]
    svg: str

    @property
    def caption(self) -> str:
        return f"{self.theme.title} · {self.group}: steps by mark and role"


@dataclass(frozen=True)
class CoverageCell:
    setting_code: str
    round_number: int
    role: str
    heard: int
    people: int

    @property
    def gap(self) -> bool:
        return self.heard == 0


@dataclass(frozen=True)
class SettingVersions:
    setting_code: str
    changes: tuple[tuple[int, VersionChanges], ...]  # (version number, changes since previous)


@dataclass
class Report:
    project_title: str
    generated_on: date
    settings: list[str]
    rounds: list[str]
    roles: list[str]
    with_detail: bool = True  # each setting's matrix and notes, every changed mark
    sources: list[SettingRound] = field(default_factory=list)
    matrices: list[SettingMatrix] = field(default_factory=list)
    counts: dict[CountKey, Counter[str]] = field(default_factory=dict)
    charts: list[CountChart] = field(default_factory=list)
    moves: list[MarkMove] = field(default_factory=list)
    versions: list[SettingVersions] = field(default_factory=list)
    coverage: list[CoverageCell] = field(default_factory=list)

    @property
    def rows(self) -> list[dict[str, str]]:
        return tidy_rows(self.sources)

    @property
    def move_summaries(self) -> list[MoveSummary]:
        return summarise_moves(self.moves)


def available_roles(project: Project) -> list[str]:
    return sorted({p.role_label for s in project.settings for i in s.interviews for p in i.people})


def build_report(
    session: Session, project: Project, choice: Choice, progress: Progress | None = None
) -> Report:
    settings = [s for s in project.settings if _chosen(s.id, choice.setting_ids)]
    rounds = [r for r in project.rounds if _chosen(r.id, choice.round_ids)]
    roles = set(choice.roles) if choice.roles else None
    report = Report(
        project.title,
        date.today(),
        [s.code for s in settings],
        [f"Round {r.number}" for r in rounds],
        sorted(roles) if roles else available_roles(project),
        with_detail=choice.detail,
    )
    round_ids = {r.id for r in rounds}
    for n, setting in enumerate(settings, start=1):
        leaders = leader_participant_ids(setting)
        by_round: dict[tuple[int, int], list[Interview]] = defaultdict(list)
        for interview in setting.interviews:
            if interview.round_id in round_ids and interview.version is not None:
                by_round[(interview.round.number, interview.version.number)].append(interview)
        for (_, _), interviews in sorted(by_round.items()):
            first = interviews[0]
            assert first.version is not None
            source = SettingRound(
                setting.code,
                first.round.number,
                first.round.title,
                first.version.number,
                chart_with_voices(first.version, interviews),
                tuple(
                    v
                    for v in (_quotable_layer(i, leaders) for i in interviews)
                    if roles is None or v.label in roles
                ),
            )
            report.sources.append(source)
            report.matrices.append(setting_matrix(source))
        changes = [
            (v.number, c)
            for v in sorted(setting.versions, key=lambda v: v.number)
            if (c := changes_since_previous(session, v)) is not None
        ]
        report.versions.append(SettingVersions(setting.code, tuple(changes)))
        report.coverage += _coverage(setting, rounds, roles)
        if progress is not None:
            progress(n, len(settings) + 1)
    report.counts = mark_counts(report.sources)
    report.charts = _charts(report.counts)
    report.moves = mark_moves(report.sources)
    if progress is not None:
        progress(len(settings) + 1, len(settings) + 1)
    return report


def _quotable_layer(interview: Interview, leaders: set[int]) -> VoiceLayer:
    """The voice as the report may show it: verbatim words of anyone who did not consent to
    quotation are replaced by the withheld line, as in every export."""
    layer = voice_layer(interview, leaders)
    allowed = interview_may_be_quoted(interview)
    if allowed:
        return layer
    return replace(
        layer,
        notes=tuple(replace(n, text=quoted(n.text, n.verbatim, allowed)) for n in layer.notes),
        links=tuple(replace(ln, note=quoted(ln.note, ln.verbatim, allowed)) for ln in layer.links),
    )


def _chosen(value: int, chosen: frozenset[int] | None) -> bool:
    return chosen is None or value in chosen


def _coverage(setting, rounds, roles: set[str] | None) -> list[CoverageCell]:  # type: ignore[no-untyped-def]
    cells = []
    for round_ in rounds:
        heard_ids = {
            p.participant_id
            for i in setting.interviews
            if i.round_id == round_.id
            for p in i.people
        }
        by_role: dict[str, list[int]] = defaultdict(list)
        for person in setting.participants:
            if roles is None or person.role_label in roles:
                by_role[person.role_label].append(person.id)
        for role, ids in sorted(by_role.items()):
            heard = sum(1 for i in ids if i in heard_ids)
            cells.append(CoverageCell(setting.code, round_.number, role, heard, len(ids)))
    return cells


def _charts(counts: dict[CountKey, Counter[str]]) -> list[CountChart]:
    grouped: dict[tuple[Theme, str], list[tuple[str, Counter[str]]]] = defaultdict(list)
    for key, counter in counts.items():
        grouped[(key.theme, key.group)].append((key.role, counter))
    charts = []
    for n, ((theme, group), bars) in enumerate(grouped.items()):
        title = f"{theme.title} · {group}"
        svg = stacked_mark_bars(title, bars, id_prefix=f"chart-{n}-")
        charts.append(CountChart(theme, group, tuple(bars), svg))
    return charts
