"""A study's comparison report: the chosen settings, rounds and roles read through the one voice
read model (:mod:`tocapp.services.voice_read`) for the chosen audience, compared in the domain
layer, with the charts drawn. Settings appear by code, people by the role label they had at the
interview and their reference. By default only the latest round is shown: rounds are compared
with each other only through the same people's mark movements."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from tocapp.domain.comparison import (
    CountKey,
    SettingRound,
    mark_counts,
    mark_moves,
    setting_matrix,
    voice_filter,
)
from tocapp.domain.comparison_overview import overview
from tocapp.domain.people import Audience, Perspective
from tocapp.domain.theory import Theme
from tocapp.domain.voices import STAFF
from tocapp.exports.comparison_model import (
    ComparisonReport,
    CountChart,
    OverviewChart,
    SettingVersions,
)
from tocapp.models import Interview, InterviewParticipant, Project, Round, Setting
from tocapp.render.mark_charts import stacked_mark_bars
from tocapp.render.overview_chart import overview_svgs
from tocapp.services.comparison_rows import coverage_cells, version_changes
from tocapp.services.voice_rows import setting_rounds_of

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
    audience: Audience = Audience.RESEARCH

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
        if self.audience is not Audience.RESEARCH:
            lists["audience"] = [self.audience.value]
        return lists

    @classmethod
    def from_lists(cls, lists: dict[str, list[int | str]]) -> Choice:
        def ids(name: str) -> frozenset[int] | None:
            return frozenset(int(v) for v in lists.get(name, [])) or None

        roles = frozenset(str(v) for v in lists.get("role", []) if v) or None
        # A form sends "off" from a hidden field and "on" from the ticked box; a link sends neither.
        detail = lists.get("detail", ["on"])
        audience = next((a for a in Audience if [a.value] == lists.get("audience")), None)
        return cls(
            ids("setting"), ids("round"), roles, "on" in detail, audience or Audience.RESEARCH
        )


def available_roles(
    project: Project, audience: Audience = Audience.RESEARCH, chosen: set[str] | None = None
) -> list[str]:
    """The role labels people had at the study's interviews, in one statement (not by loading
    every interview of every setting: 9 s at 300 settings).

    For the setting's leadership, practitioners' roles are not named (a report's "1 staff voice
    is not shown" beside "Teaching assistant" would say whose it was): leadership roles, and
    "Staff" for every practitioner, as their voices are shown. ``chosen``: only these roles.
    """
    rows = _session_of(project).execute(
        select(InterviewParticipant.role_label, InterviewParticipant.perspective)
        .distinct()
        .join(Interview, Interview.id == InterviewParticipant.interview_id)
        .join(Setting, Setting.id == Interview.setting_id)
        .where(Setting.project_id == project.id)
    )
    if chosen is not None:
        rows = [(label, perspective) for label, perspective in rows if label in chosen]
    if audience is not Audience.LEADERSHIP:
        return sorted({label for label, _ in rows})  # in Python: collations differ by engine
    leading = Perspective.LEADERSHIP.value
    labels = {label if perspective == leading else STAFF for label, perspective in rows}
    return sorted(labels - {STAFF}) + ([STAFF] if STAFF in labels else [])


def _roles_named(project: Project, audience: Audience, chosen: set[str] | None) -> list[str]:
    """The roles a report says it covers: as chosen, but never a practitioner's role in a
    report for the setting's leadership."""
    if chosen and audience is not Audience.LEADERSHIP:
        return sorted(chosen)
    return available_roles(project, audience, chosen)


def default_rounds(project: Project) -> list[Round]:
    """Rounds kept apart: unless others are chosen, the latest round with return interviews."""
    heard = set(
        _session_of(project).scalars(
            select(Interview.round_id)
            .distinct()
            .join(Setting, Setting.id == Interview.setting_id)
            .where(Setting.project_id == project.id, Interview.version_id.is_not(None))
        )
    )
    latest = [r for r in project.rounds if r.id in heard][-1:]
    return latest or project.rounds[-1:]


def _session_of(project: Project) -> Session:
    session = object_session(project)
    assert session is not None, "a study read outside a session"
    return session


def chosen_rounds(project: Project, choice: Choice) -> list[Round]:
    """The rounds the report shows: those chosen, else the latest with return interviews."""
    if choice.round_ids:
        return [r for r in project.rounds if r.id in choice.round_ids]
    return default_rounds(project)


def comparison_size(project: Project, choice: Choice) -> int:
    """How many setting × round matrices the choice covers: what makes a page long."""
    settings = sum(1 for s in project.settings if _chosen(s.id, choice.setting_ids))
    return settings * max(1, len(chosen_rounds(project, choice)))


def build_report(
    session: Session,
    project: Project,
    choice: Choice,
    progress: Progress | None = None,
    *,
    with_charts: bool = True,
) -> ComparisonReport:
    """The report for this choice; ``with_charts`` False skips drawing the charts (the CSV
    shows none, and drawing them is most of the time a comparison takes)."""
    settings = [s for s in project.settings if _chosen(s.id, choice.setting_ids)]
    rounds = chosen_rounds(project, choice)
    roles = set(choice.roles) if choice.roles else None
    report = ComparisonReport(
        project.title,
        date.today(),
        [s.code for s in settings],
        [f"Round {r.number}" for r in rounds],
        _roles_named(project, choice.audience, roles),
        audience=choice.audience,
        with_detail=choice.detail,
    )
    # Read as rows for every chosen setting at once: a fixed number of statements.
    sources = setting_rounds_of(
        session, project, settings, {r.number for r in rounds}, choice.audience
    )
    changes = version_changes(session, project, settings)
    coverage = coverage_cells(session, settings, rounds, roles, choice.audience)
    for n, setting in enumerate(settings, start=1):
        for source in sources[setting.id]:
            if roles is not None:
                source = replace_voices(source, roles)
            report.sources.append(source)
            report.matrices.append(setting_matrix(source))
        report.versions.append(SettingVersions(setting.code, changes[setting.id]))
        report.coverage += coverage[setting.id]
        if progress is not None:
            progress(n, len(settings) + 1)
    report.counts = mark_counts(report.sources)
    report.charts = _charts(report.counts, with_charts)
    report.overview = overview(report.sources)
    report.overview_charts = _overview_charts(report, with_charts)
    report.moves = mark_moves(report.sources)
    if progress is not None:
        progress(len(settings) + 1, len(settings) + 1)
    return report


def replace_voices(source: SettingRound, roles: set[str]) -> SettingRound:
    """Only the voices whose role label at the time was chosen."""
    return replace(source, voices=voice_filter(source.voices, roles))


def _chosen(value: int, chosen: frozenset[int] | None) -> bool:
    return chosen is None or value in chosen


def _charts(counts: dict[CountKey, Counter[str]], draw: bool) -> list[CountChart]:
    """One chart per theme × group, a bar per role; drawn as SVG only when ``draw``."""
    grouped: dict[tuple[Theme, str], list[tuple[str, Counter[str]]]] = defaultdict(list)
    for key, counter in counts.items():
        grouped[(key.theme, key.group)].append((key.role, counter))
    charts = []
    for n, ((theme, group), bars) in enumerate(grouped.items()):
        chart = CountChart(theme, group, tuple(bars))
        if draw:
            chart = replace(
                chart, svg=stacked_mark_bars(chart.title, bars, id_prefix=f"chart-{n}-")
            )
        charts.append(chart)
    return charts


OVERVIEW_ROWS_PER_CHART = 24  # intended outcomes in one picture: about a page of a PDF


def _overview_charts(report: ComparisonReport, draw: bool) -> list[OverviewChart]:
    """The overview's intended outcomes in pictures of at most a page each."""
    rows = report.overview.outcomes
    chunks = [
        rows[n : n + OVERVIEW_ROWS_PER_CHART] for n in range(0, len(rows), OVERVIEW_ROWS_PER_CHART)
    ]
    jobs = []
    for n, chunk in enumerate(chunks, start=1):
        title = "Intended outcomes: leadership and practice"
        if len(chunks) > 1:
            title += f" ({n} of {len(chunks)})"
        jobs.append((chunk, title, f"overview-{n}-"))
    if not draw:
        return [OverviewChart(chunk, title, "") for chunk, title, _ in jobs]
    # Drawn together: after a withdrawal emptied the cache, a helper process shares them.
    svgs = overview_svgs(jobs)
    return [OverviewChart(c, t, svg) for (c, t, _), svg in zip(jobs, svgs, strict=True)]
