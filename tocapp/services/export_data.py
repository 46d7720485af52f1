"""Gathering what each exported document shows, as plain data, with the privacy rules applied.

Each function takes a session and the object the export is about (already loaded and authorised
by the caller) and returns a document from :mod:`tocapp.exports.model`. Nothing here writes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.orm import Session

from tocapp.domain.errors import DomainError
from tocapp.domain.outline import step_numbers
from tocapp.domain.people import Audience, Perspective
from tocapp.domain.theory import Flowchart, ordered_steps
from tocapp.domain.voices import VoiceLayer, chart_with_voices, divergent_steps, tally_steps
from tocapp.exports.model import (
    AnnotatedDocument,
    ChartFigure,
    DivergentRow,
    FlowchartDocument,
    SheetDocument,
    SheetStep,
    SourceWords,
    TitleBlock,
    VoicesDocument,
)
from tocapp.models import FlowchartVersion, Interview, Round, Setting
from tocapp.services.export_people import (
    interview_summary,
    long_date,
    round_label,
    setting_label,
)
from tocapp.services.export_voices import divergence_reason, voice_section
from tocapp.services.flowcharts import latest_version
from tocapp.services.voice_overlays import all_voices_annotations
from tocapp.services.voice_read import (
    RoundChoice,
    RoundShown,
    label_of,
    leader_chart,
    setting_voices,
    speaks_for_leadership,
    voice_of,
)


class NothingToExport(DomainError):
    """The document would be empty: no flowchart yet, or an interview that shows none."""


class NotForThisAudience(NothingToExport):
    """One staff member's own annotations are never made for the setting's leadership."""


@dataclass(frozen=True)
class ExportOptions:
    audience: Audience = Audience.RESEARCH
    today: date = field(default_factory=date.today)
    rounds: RoundChoice = None  # the all-voices document: a round number, "all", or the latest

    @property
    def identified(self) -> bool:
        return self.audience is Audience.IDENTIFIED


def flowchart_document(
    session: Session, setting: Setting, options: ExportOptions | None = None
) -> FlowchartDocument:
    """(a) The setting's newest flowchart as the leader theorised it in round 1."""
    options = options or ExportOptions()
    version = _mapped_version(session, setting)
    chart = leader_chart(version, audience=options.audience)
    mapping = _mapping_interviews(version)
    rounds = sorted({i.round for i in mapping}, key=lambda r: r.number) or _initial(setting)
    # For the setting's leadership, a staff member the map was (partly) drawn from is not named.
    named = [i for i in mapping if options.audience.per_person or speaks_for_leadership(i)]
    rows = [
        *_study_rows(setting, options),
        ("Round", "; ".join(round_label(r) for r in rounds)),
        ("Flowchart", _version_text(version)),
        *(
            ("Interview", f"{label_of(i, options.audience)}, {long_date(i.held_on)}, {i.mode}")
            for i in named
        ),
    ]
    if len(named) < len(mapping):
        rows.append(("Interview", f"{len(mapping) - len(named)} with staff, not named here"))
    return FlowchartDocument(
        title=_title(
            "Leader's flowchart",
            rows,
            options,
            _name(setting, rounds, "", options.today, f"flowchart v{version.number}"),
        ),
        figure=ChartFigure(chart, f"{setting.code} flowchart, version {version.number}"),
        sources=tuple(_source_words(chart)),
    )


def annotated_document(
    session: Session, interview: Interview, options: ExportOptions | None = None
) -> AnnotatedDocument:
    """(b) One return interview: the frozen chart with this voice's annotations."""
    options = options or ExportOptions()
    version = interview.version
    if version is None:
        raise NothingToExport("This interview was not shown a flowchart, so it has no annotations.")
    setting = interview.setting
    voice = voice_of(interview, options.audience)
    if not options.audience.per_person and not voice.is_leader:
        raise NotForThisAudience(
            "One staff member's annotations are not made for the setting's leadership: the "
            "all-voices document shows staff voices combined."
        )
    section = voice_section(
        chart_with_voices(leader_chart(version, audience=options.audience), [voice]),
        voice,
        interview_summary(interview),
        f"{setting.code} flowchart, version {version.number}, {voice.label}",
    )
    rows = [
        *_study_rows(setting, options),
        ("Round", round_label(interview.round)),
        ("Flowchart", _version_text(version)),
        ("Voice", section.label),
        ("Perspective", section.perspective),
        ("Interview", f"{long_date(interview.held_on)}, {interview.mode}"),
    ]
    name = _name(
        setting, [interview.round], f"{voice.role} {voice.person}", interview.held_on, "annotated"
    )
    return AnnotatedDocument(_title("Annotated flowchart", rows, options, name), section)


def voices_document(
    session: Session, setting: Setting, options: ExportOptions | None = None
) -> VoicesDocument:
    """(c) Every voice of one round (the latest unless chosen) on the version shown then: the
    tallies, where voices differ, then each voice in turn."""
    options = options or ExportOptions()
    _mapped_version(session, setting)
    read = setting_voices(session, setting, options.audience, options.rounds)
    if read.chart is None or read.version is None or not read.interviews:
        raise NothingToExport("No return interview has been held on this setting's flowchart yet.")
    chart, version = read.chart, read.version
    numbers = step_numbers(chart)
    base = leader_chart(version, audience=options.audience)
    sections = tuple(
        voice_section(
            chart_with_voices(base, [voice]),
            voice,
            _voice_summary(voice, read.interviews),
            f"{setting.code} flowchart, version {version.number}, {voice.label}",
            numbers,
        )
        for voice in read.voices
    )
    tallies = tally_steps(read.step_keys, read.voices)
    divergent = divergent_steps(tallies)
    rows = [
        *_study_rows(setting, options),
        ("Round", "; ".join(r.label for r in read.rounds)),
        ("Flowchart", _version_text(version)),
        ("Voices", "; ".join(_column(v, read.across_rounds) for v in read.voices)),
    ]
    if read.elsewhere:
        rows.append(("Other versions", f"Not in this document: {read.elsewhere_text}."))
    left_out = ""
    if read.left_out:
        many = read.left_out != 1
        left_out = (
            f"{read.left_out} staff voice{'s' if many else ''} heard in this round "
            f"{'are' if many else 'is'} not shown: the setting's leadership sees staff voices "
            f"only when at least {read.min_group} are combined."
        )
        rows.append(("Not shown", left_out))
    by_key = chart.step_by_key
    return VoicesDocument(
        title=_title(
            "All voices",
            rows,
            options,
            _name(setting, read.rounds, "", options.today, "all voices"),
        ),
        figure=ChartFigure(
            chart,
            f"{setting.code} flowchart, version {version.number}, all voices",
            all_voices_annotations(read.step_keys, read.voices),
        ),
        divergent=tuple(
            DivergentRow(
                numbers[t.step_key], by_key[t.step_key].text, t.summary, divergence_reason(t)
            )
            for t in divergent
        ),
        voices=sections,
        left_out=left_out,
    )


def _column(voice: VoiceLayer, across: bool) -> str:
    return f"{voice.label}, round {voice.round_number}" if across else voice.label


def _voice_summary(voice: VoiceLayer, interviews: Sequence[Interview]) -> str:
    found = next((i for i in interviews if str(i.id) == voice.voice_id), None)
    if found is not None:
        return interview_summary(found)
    return f"Round {voice.round_number}: staff voices combined"


def sheet_document(
    session: Session, setting: Setting, options: ExportOptions | None = None
) -> SheetDocument:
    """(d) The newest chart, as frozen for return interviews, to annotate on paper."""
    options = options or ExportOptions()
    version = _mapped_version(session, setting)
    chart = leader_chart(version, audience=options.audience)
    numbers = step_numbers(chart)
    upcoming = [r for r in setting.project.rounds if r.kind == "return"][-1:]
    rows = [
        *_study_rows(setting, options),
        ("Round", round_label(upcoming[0]) if upcoming else ""),
        ("Flowchart", _version_text(version)),
        ("Interviewee (role)", ""),
        ("Date", ""),
    ]
    steps = ordered_steps(chart.steps, chart.lane_groups())
    return SheetDocument(
        title=_title(
            "Annotation sheet",
            rows,
            options,
            _name(setting, upcoming, "", options.today, "annotation sheet"),
        ),
        figure=ChartFigure(chart, f"{setting.code} flowchart, version {version.number}"),
        steps=tuple(SheetStep(numbers[s.key], s.theme.title, s.group, s.text) for s in steps),
    )


@dataclass(frozen=True)
class InterviewExport:
    interview_id: int
    label: str
    summary: str
    version: int
    leadership: bool = False  # speaks from leadership: offered to the setting's leadership too


@dataclass(frozen=True)
class AvailableExports:
    """What the setting's exports page can offer (pseudonymised: every member may see it)."""

    version: int | None  # the newest version with steps, for the flowchart and the sheet
    voices_version: int | None  # the version the all-voices document is about
    voice_count: int
    interviews: tuple[InterviewExport, ...]
    rounds: tuple[tuple[int, str], ...] = ()  # rounds with voices: (number, label)
    voices_round: int | None = None  # the round the all-voices document shows by default


def available_exports(session: Session, setting: Setting) -> AvailableExports:
    version = latest_version(session, setting)
    if version is None or not version.steps:
        return AvailableExports(None, None, 0, ())
    read = setting_voices(session, setting)
    annotated = sorted(
        (i for i in setting.interviews if i.version is not None),
        key=lambda i: (i.held_on, i.id),
    )
    return AvailableExports(
        version=version.number,
        voices_version=read.version_number if read.interviews else None,
        voice_count=len(read.voices),
        interviews=tuple(
            InterviewExport(
                i.id,
                label_of(i),
                interview_summary(i),
                i.version.number,
                all(p.perspective == Perspective.LEADERSHIP for p in i.people),
            )
            for i in annotated
            if i.version is not None
        ),
        rounds=tuple((r.number, r.label) for r in read.available_rounds),
        voices_round=read.rounds[-1].number if read.rounds else None,
    )


def _mapped_version(session: Session, setting: Setting) -> FlowchartVersion:
    version = latest_version(session, setting)
    if version is None or not version.steps:
        raise NothingToExport("This setting's flowchart has no steps yet.")
    return version


def _mapping_interviews(version: FlowchartVersion) -> list[Interview]:
    """The interviews the version's steps were mapped from, in the order they were held."""
    found = {s.source_answer.interview for s in version.steps if s.source_answer is not None}
    return sorted(found, key=lambda i: (i.held_on, i.id))


def _initial(setting: Setting) -> list[Round]:
    return [r for r in setting.project.rounds if r.kind == "initial"][:1]


def _study_rows(setting: Setting, options: ExportOptions) -> list[tuple[str, str]]:
    return [
        ("Study", setting.project.title),
        ("Setting", setting_label(setting, options.audience)),
        ("Audience", options.audience.label),
    ]


def _title(
    heading: str,
    rows: Sequence[tuple[str, str]],
    options: ExportOptions,
    name: Sequence[str],
) -> TitleBlock:
    """The title block, and the file name parts: never a name, even in an identified export."""
    generated = ("Generated", long_date(options.today))
    audience = () if options.audience is Audience.RESEARCH else (options.audience.value,)
    parts = (*name, *audience)
    return TitleBlock(heading, (*rows, generated), options.today, options.audience, parts)


def _name(
    setting: Setting, rounds: Sequence[Round | RoundShown], voice: str, day: date, kind: str
) -> list[str]:
    numbers = "+".join(str(r.number) for r in rounds)
    return [
        setting.project.title,
        setting.code,
        f"round {numbers}" if numbers else "",
        voice,
        day.isoformat(),
        kind,
    ]


def _version_text(version: FlowchartVersion) -> str:
    if version.frozen_at is None:
        return f"Version {version.number} (not yet shown at a return interview)"
    return f"Version {version.number}, frozen on {long_date(version.frozen_at.date())}"


def _source_words(chart: Flowchart) -> list[SourceWords]:
    numbers = step_numbers(chart)
    rows = []
    for step in ordered_steps(chart.steps, chart.lane_groups()):
        source = step.source
        question = f"Question {source.question_number}: {source.question_text}" if source else ""
        rows.append(
            SourceWords(numbers[step.key], step.text, question, source.quote if source else "")
        )
    return rows


__all__ = [
    "AvailableExports",
    "ExportOptions",
    "InterviewExport",
    "available_exports",
    "NothingToExport",
    "annotated_document",
    "flowchart_document",
    "sheet_document",
    "voices_document",
]
