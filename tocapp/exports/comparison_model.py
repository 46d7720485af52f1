"""What the comparison report says, as plain data: the page, the PDF and the Word file read it.

:func:`tocapp.services.comparison.build_report` fills it from the one voice read model, for the
chosen audience; nothing here holds an ORM object or needs a Flask app, so the job worker, the
tests and both writers use it typed. Charts are kept as the data they show (and, when drawn for
a page or a PDF, as inline SVG); the Word writer draws the same charts from the same data as PNG.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from tocapp.domain.comparison import (
    CountKey,
    MarkMove,
    MoveSummary,
    SettingMatrix,
    SettingRound,
    summarise_moves,
    tidy_rows,
)
from tocapp.domain.comparison_overview import Overview, StepOverview
from tocapp.domain.people import Audience
from tocapp.domain.theory import Theme
from tocapp.domain.version_diff import VersionDiff

DEFAULT_PAPER = "A4"


@dataclass(frozen=True)
class CountChart:
    """Steps by mark and role for one theme × group, over the settings and rounds chosen."""

    theme: Theme
    group: str
    bars: tuple[tuple[str, Counter[str]], ...]
    svg: str = ""  # drawn for the page and the PDF

    @property
    def title(self) -> str:
        return f"{self.theme.title} · {self.group}"

    @property
    def caption(self) -> str:
        return f"{self.title}: steps by mark and role"


@dataclass(frozen=True)
class OverviewChart:
    """One picture of the overview: up to a page of intended outcomes, both perspectives."""

    rows: tuple[StepOverview, ...]
    title: str
    svg: str = ""


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
class VersionChange:
    """What changed in a setting's chart since the version before."""

    before_number: int
    diff: VersionDiff


@dataclass(frozen=True)
class SettingVersions:
    setting_code: str
    changes: tuple[tuple[int, VersionChange], ...]  # (version number, changes since previous)


@dataclass
class ComparisonReport:
    project_title: str
    generated_on: date
    settings: list[str]
    rounds: list[str]
    roles: list[str]
    audience: Audience = Audience.RESEARCH
    with_detail: bool = True  # each setting's matrix and notes, every changed mark
    paper: str = DEFAULT_PAPER
    sources: list[SettingRound] = field(default_factory=list)
    matrices: list[SettingMatrix] = field(default_factory=list)
    counts: dict[CountKey, Counter[str]] = field(default_factory=dict)
    charts: list[CountChart] = field(default_factory=list)
    overview: Overview = field(default_factory=lambda: Overview((), (), ()))
    overview_charts: list[OverviewChart] = field(default_factory=list)
    moves: list[MarkMove] = field(default_factory=list)
    versions: list[SettingVersions] = field(default_factory=list)
    coverage: list[CoverageCell] = field(default_factory=list)

    @property
    def left_out(self) -> list[SettingRound]:
        """Setting-rounds whose practice voices were too few to show to the leadership."""
        return [s for s in self.sources if s.left_out]

    @property
    def rows(self) -> list[dict[str, str]]:
        return tidy_rows(self.sources)

    @property
    def move_summaries(self) -> list[MoveSummary]:
        return summarise_moves(self.moves)
