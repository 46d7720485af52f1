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
from tocapp.domain.theory import Flowchart, ordered_steps
from tocapp.domain.voices import (
    divergent_steps,
    tally_steps,
)
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
from tocapp.render import Annotations, StepDecoration
from tocapp.services.export_people import (
    interview_summary,
    long_date,
    round_label,
    setting_label,
    voice_labels,
)
from tocapp.services.export_voices import (
    divergence_reason,
    drawn_by,
    export_layer,
    labelled_chart,
    leader_chart,
    voice_section,
)
from tocapp.services.flowcharts import latest_version
from tocapp.services.voice_layers import (
    leader_participant_ids,
    return_interviews_of,
)


class NothingToExport(DomainError):
    """The document would be empty: no flowchart yet, or an interview that shows none."""


@dataclass(frozen=True)
class ExportOptions:
    identified: bool = False
    today: date = field(default_factory=date.today)


def flowchart_document(
    session: Session, setting: Setting, options: ExportOptions | None = None
) -> FlowchartDocument:
    """(a) The setting's newest flowchart as the leader theorised it in round 1."""
    options = options or ExportOptions()
    version = _mapped_version(session, setting)
    chart = leader_chart(version)
    mapping = _mapping_interviews(version)
    rounds = sorted({i.round for i in mapping}, key=lambda r: r.number) or _initial(setting)
    labels = voice_labels(mapping, options.identified)
    rows = [
        *_study_rows(setting, options),
        ("Round", "; ".join(round_label(r) for r in rounds)),
        ("Flowchart", _version_text(version)),
        *(("Interview", f"{labels[i.id]}, {long_date(i.held_on)}, {i.mode}") for i in mapping),
    ]
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
    labels = voice_labels(return_interviews_of(session, version), options.identified)
    section = voice_section(version, interview, labels, leader_participant_ids(setting))
    rows = [
        *_study_rows(setting, options),
        ("Round", round_label(interview.round)),
        ("Flowchart", _version_text(version)),
        ("Voice", section.label),
        ("Interview", f"{long_date(interview.held_on)}, {interview.mode}"),
    ]
    roles = " & ".join(p.role_label for p in interview.people)
    name = _name(setting, [interview.round], roles, interview.held_on, "annotated")
    return AnnotatedDocument(_title("Annotated flowchart", rows, options, name), section)


def voices_document(
    session: Session, setting: Setting, options: ExportOptions | None = None
) -> VoicesDocument:
    """(c) All voices on the newest version shown at return interviews, then each in turn."""
    options = options or ExportOptions()
    version = shown_version(session, setting)
    interviews = return_interviews_of(session, version)
    if not interviews:
        raise NothingToExport("No return interview has been held on this setting's flowchart yet.")
    labels = voice_labels(interviews, options.identified)
    leaders = leader_participant_ids(setting)
    chart = labelled_chart(version, interviews, labels)
    numbers = step_numbers(chart)
    sections = tuple(voice_section(version, i, labels, leaders, numbers) for i in interviews)
    layers = [export_layer(i, labels, leaders) for i in interviews]
    tallies = tally_steps([s.key for s in chart.steps], layers)
    divergent = divergent_steps(tallies)
    divergent_keys = {t.step_key for t in divergent}
    annotations = Annotations(
        steps={
            key: StepDecoration(tally=t.summary, divergent=key in divergent_keys)
            for key, t in tallies.items()
            if t.marks
        },
        links=drawn_by(interviews, labels),
    )
    rounds = sorted({i.round for i in interviews}, key=lambda r: r.number)
    rows = [
        *_study_rows(setting, options),
        ("Round", "; ".join(round_label(r) for r in rounds)),
        ("Flowchart", _version_text(version)),
        ("Voices", "; ".join(s.label for s in sections)),
    ]
    by_key = chart.step_by_key
    return VoicesDocument(
        title=_title(
            "All voices", rows, options, _name(setting, rounds, "", options.today, "all voices")
        ),
        figure=ChartFigure(
            chart, f"{setting.code} flowchart, version {version.number}, all voices", annotations
        ),
        divergent=tuple(
            DivergentRow(
                numbers[t.step_key], by_key[t.step_key].text, t.summary, divergence_reason(t)
            )
            for t in divergent
        ),
        voices=sections,
    )


def sheet_document(
    session: Session, setting: Setting, options: ExportOptions | None = None
) -> SheetDocument:
    """(d) The newest chart, as frozen for return interviews, to annotate on paper."""
    options = options or ExportOptions()
    version = _mapped_version(session, setting)
    chart = leader_chart(version)
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


@dataclass(frozen=True)
class AvailableExports:
    """What the setting's exports page can offer (pseudonymised: every member may see it)."""

    version: int | None  # the newest version with steps, for the flowchart and the sheet
    voices_version: int | None  # the version the all-voices document is about
    voice_count: int
    interviews: tuple[InterviewExport, ...]


def available_exports(session: Session, setting: Setting) -> AvailableExports:
    version = latest_version(session, setting)
    if version is None or not version.steps:
        return AvailableExports(None, None, 0, ())
    shown = shown_version(session, setting)
    voices = return_interviews_of(session, shown)
    annotated = sorted(
        (i for i in setting.interviews if i.version is not None),
        key=lambda i: (i.held_on, i.id),
    )
    labels = voice_labels(annotated)
    return AvailableExports(
        version=version.number,
        voices_version=shown.number if voices else None,
        voice_count=len(voices),
        interviews=tuple(
            InterviewExport(i.id, labels[i.id], interview_summary(i), i.version.number)
            for i in annotated
            if i.version is not None
        ),
    )


def shown_version(session: Session, setting: Setting) -> FlowchartVersion:
    """The newest version shown at a return interview, else the newest version."""
    for version in sorted(setting.versions, key=lambda v: v.number, reverse=True):
        if return_interviews_of(session, version):
            return version
    return _mapped_version(session, setting)


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
        ("Setting", setting_label(setting, options.identified)),
    ]


def _title(
    heading: str,
    rows: Sequence[tuple[str, str]],
    options: ExportOptions,
    name: Sequence[str],
) -> TitleBlock:
    """The title block, and the file name parts: never a name, even in an identified export."""
    generated = ("Generated", long_date(options.today))
    parts = (*name, *(("identified",) if options.identified else ()))
    return TitleBlock(heading, (*rows, generated), options.today, options.identified, parts)


def _name(setting: Setting, rounds: Sequence[Round], voice: str, day: date, kind: str) -> list[str]:
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
    "shown_version",
    "voices_document",
]
