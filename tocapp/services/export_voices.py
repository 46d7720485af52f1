"""The leader's chart and each voice's annotations as export data, privacy rules applied.

Verbatim words of anyone who did not consent to quotation are replaced by ``WITHHELD_QUOTE``
here, before anything reaches a document; voices carry their export labels (see
:mod:`tocapp.services.export_people`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from tocapp.domain.outline import step_numbers
from tocapp.domain.theory import Flowchart, Link, Step, Theme, ordered_steps
from tocapp.domain.voices import Agreement, Mark, StepTally, VoiceLayer
from tocapp.exports.model import (
    WITHHELD_QUOTE,
    ArrowRow,
    ChartFigure,
    MarkGroup,
    NewStepRow,
    NoteRow,
    VoiceSection,
)
from tocapp.models import FlowchartVersion, Interview
from tocapp.models import Step as StepRecord
from tocapp.render import Annotations, LinkDecoration, StepDecoration
from tocapp.services.export_people import interview_may_be_quoted, interview_summary, quoted
from tocapp.services.flowcharts import to_domain
from tocapp.services.voice_layers import voice_layer


def leader_chart(version: FlowchartVersion) -> Flowchart:
    """The version as the leader's map, with quotes of people who did not consent taken out."""
    chart = to_domain(version)
    records = {str(record.id): record for record in version.steps}
    steps = []
    for step in chart.steps:
        if step.source is not None and step.source.quote and not _quote_allowed(records[step.key]):
            step = replace(step, source=replace(step.source, quote=WITHHELD_QUOTE))
        steps.append(step)
    return replace(chart, steps=tuple(steps))


def _quote_allowed(record: StepRecord) -> bool:
    """The step's quoted words came from an interview whose people all consented to quotation."""
    answer = record.source_answer
    return answer is not None and interview_may_be_quoted(answer.interview)


def labelled_chart(
    version: FlowchartVersion, interviews: Sequence[Interview], labels: dict[int, str]
) -> Flowchart:
    """The leader's chart plus the steps and arrows these voices added, each marked as theirs."""
    base = leader_chart(version)
    steps = list(base.steps)
    links = list(base.links)
    for interview in interviews:
        label = labels[interview.id]
        steps += [
            Step(str(s.id), Theme(s.theme), s.group.name, s.text, added_by=label)
            for s in interview.added_steps
        ]
        links += [
            Link(str(ln.source_step_id), str(ln.target_step_id), added_by=label)
            for ln in interview.added_links
        ]
    # Two voices may draw the same new arrow; the chart shows it once.
    unique = list({(ln.source, ln.target): ln for ln in reversed(links)}.values())[::-1]
    return replace(base, steps=tuple(steps), links=tuple(unique))


def drawn_by(
    interviews: Sequence[Interview], labels: dict[int, str]
) -> dict[tuple[str, str], LinkDecoration]:
    """On the all-voices chart, each new arrow carries the voices that drew it."""
    drawn: dict[tuple[str, str], list[str]] = {}
    for interview in interviews:
        for link in interview.added_links:
            key = (str(link.source_step_id), str(link.target_step_id))
            drawn.setdefault(key, []).append(labels[interview.id])
    return {key: LinkDecoration(badge=" · ".join(names)) for key, names in drawn.items()}


def export_layer(interview: Interview, labels: dict[int, str], leaders: set[int]) -> VoiceLayer:
    """The voice's layer under its export label, with unconsented verbatim words withheld."""
    layer = voice_layer(interview, leaders)
    allowed = interview_may_be_quoted(interview)
    return replace(
        layer,
        label=labels[interview.id],
        notes=tuple(replace(n, text=quoted(n.text, n.verbatim, allowed)) for n in layer.notes),
        links=tuple(replace(ln, note=quoted(ln.note, ln.verbatim, allowed)) for ln in layer.links),
    )


def voice_section(
    version: FlowchartVersion,
    interview: Interview,
    labels: dict[int, str],
    leaders: set[int],
    numbers: dict[str, str] | None = None,
) -> VoiceSection:
    """One voice's chart, numbered notes, new arrows and steps, and marks in reading order.

    ``numbers``: step numbers to use instead of this voice's own chart's, so that in the
    all-voices document a step has the number it has on the chart with every voice's steps.
    """
    layer = export_layer(interview, labels, leaders)
    chart = labelled_chart(version, [interview], labels)
    numbers = numbers or step_numbers(chart)
    by_key = chart.step_by_key

    def named(key: str) -> str:
        return f"{numbers[key]} {by_key[key].text}" if key in by_key else "A step no longer shown"

    def about(note_step: str | None, note_link: tuple[str, str] | None) -> str:
        if note_step is not None:
            return named(note_step)
        if note_link is not None:
            source, target = (numbers.get(k, "?") for k in note_link)
            return f"Arrow {source} → {target}"
        return "The conversation in general"

    ordered = ordered_steps(chart.steps, chart.lane_groups())
    return VoiceSection(
        label=layer.label,
        interview=interview_summary(interview),
        is_leader=layer.is_leader,
        figure=ChartFigure(
            chart,
            f"{interview.setting.code} flowchart, version {version.number}, {layer.label}",
            voice_annotations(layer),
        ),
        notes=tuple(
            NoteRow(n.number, about(n.step_key, n.link), n.text, n.verbatim) for n in layer.notes
        ),
        arrows=tuple(
            ArrowRow(ln.number, named(ln.source), named(ln.target), ln.note, ln.verbatim)
            for ln in layer.links
        ),
        new_steps=tuple(
            NewStepRow(numbers[s.key], s.theme.title, s.group, s.text)
            for s in ordered
            if s.added_by
        ),
        marks=tuple(
            MarkGroup(mark, tuple(named(s.key) for s in ordered if layer.marks.get(s.key) is mark))
            for mark in Mark
            if mark in layer.marks.values()
        ),
        not_discussed=tuple(named(s.key) for s in ordered if s.key not in layer.marks),
    )


def voice_annotations(layer: VoiceLayer) -> Annotations:
    """One voice's marks and note numbers on steps; its arrows numbered as in its table."""
    steps = {}
    for key in {*layer.marks, *(n.step_key for n in layer.notes if n.step_key)}:
        numbers = tuple(n.number for n in layer.notes_on(key))
        steps[key] = StepDecoration(mark=layer.marks.get(key), note_numbers=numbers)
    links: dict[tuple[str, str], LinkDecoration] = {
        (ln.source, ln.target): LinkDecoration(badge=str(ln.number)) for ln in layer.links
    }
    for note in layer.notes:
        if note.link is not None:
            old = links.get(note.link, LinkDecoration())
            links[note.link] = replace(old, note_numbers=(*old.note_numbers, note.number))
    return Annotations(steps=steps, links=links)


def divergence_reason(tally: StepTally) -> str:
    """Why a step is listed under "Where voices differ", in words."""
    reasons = []
    if tally.agreement is Agreement.DIVERGE:
        reasons.append("Some voices say achieved, others elusive.")
    if tally.leader_differs:
        reasons.append("The leader's mark differs from the staff's.")
    return " ".join(reasons)
