"""One voice as an exported section: its chart, numbered notes, new arrows and steps, and its
marks in reading order. The voice itself — label, perspective, quotes withheld — comes from the
one voice read model (:mod:`tocapp.services.voice_read`); this module only lays it out."""

from __future__ import annotations

from tocapp.domain.outline import step_numbers
from tocapp.domain.theory import Flowchart, ordered_steps
from tocapp.domain.voices import Agreement, Mark, StepTally, VoiceLayer
from tocapp.exports.model import (
    ArrowRow,
    ChartFigure,
    MarkGroup,
    NewStepRow,
    NoteRow,
    VoiceSection,
)
from tocapp.services.voice_overlays import voice_annotations


def voice_section(
    chart: Flowchart,
    voice: VoiceLayer,
    interview: str,
    caption: str,
    numbers: dict[str, str] | None = None,
) -> VoiceSection:
    """One voice's chart, numbered notes, new arrows and steps, and marks in reading order.

    ``chart`` is the frozen chart with this voice's own steps and arrows; ``numbers``: step
    numbers to use instead of that chart's, so that in the all-voices document a step has the
    number it has on the chart with every voice's steps.
    """
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
        label=voice.label,
        interview=interview,
        is_leader=voice.is_leader,
        figure=ChartFigure(chart, caption, voice_annotations(voice)),
        notes=tuple(
            NoteRow(n.number, about(n.step_key, n.link), n.text, n.verbatim) for n in voice.notes
        ),
        arrows=tuple(
            ArrowRow(ln.number, named(ln.source), named(ln.target), ln.note, ln.verbatim)
            for ln in voice.links
        ),
        new_steps=tuple(
            NewStepRow(numbers[s.key], s.theme.title, s.group, s.text)
            for s in ordered
            if s.added_by
        ),
        # A combined group's marks are counted on the all-voices chart, never listed per person.
        marks=tuple(
            MarkGroup(mark, tuple(named(s.key) for s in ordered if voice.marks.get(s.key) is mark))
            for mark in Mark
            if mark in voice.marks.values()
        ),
        not_discussed=()
        if voice.is_group
        else tuple(named(s.key) for s in ordered if s.key not in voice.marks),
        perspective=voice.perspective.label if voice.perspective else "Leadership and practice",
    )


def divergence_reason(tally: StepTally) -> str:
    """Why a step is listed under "Where voices differ", in words."""
    reasons = []
    if tally.agreement is Agreement.DIVERGE:
        reasons.append("Some voices say achieved, others elusive.")
    if tally.leader_differs:
        reasons.append("The leadership view differs from staff experience.")
    return " ".join(reasons)
