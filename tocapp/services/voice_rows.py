"""The comparison's read of voices: every chosen setting's charts and voices, round by round, as
plain rows — a fixed number of statements for all the settings at once, not a few per setting,
and no ORM object per mark, note or step.

It keeps the voice read model's rules (:mod:`tocapp.services.voice_read`): rounds kept apart, each
round shown on the version its interviews saw (a round whose interviews saw two versions gives
one ``SettingRound`` per version); voices labelled, keyed and quoted by
:mod:`tocapp.services.voice_layers`; the leader's map with the quoted words this audience may
not read withheld; for the setting's leadership, practice voices combined or left out
(``voice_read.for_audience``). Withdrawn people's contributions are deleted from the database, so
there is nothing of theirs to read.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from tocapp.domain.comparison import SettingRound
from tocapp.domain.people import Audience, Person
from tocapp.domain.voices import VoiceLayer, chart_with_voices
from tocapp.models import (
    FlowchartVersion,
    Interview,
    InterviewParticipant,
    Link,
    Participant,
    Project,
    ProjectGroup,
    Round,
    Setting,
    Step,
    StepMark,
)
from tocapp.models.annotations import VoiceNote as NoteRow
from tocapp.services.chart_rows import shown_charts
from tocapp.services.voice_layers import LinkPart, NotePart, StepPart, person_as_heard, voice_layer
from tocapp.services.voice_read import for_audience


@dataclass(frozen=True)
class _Heard:
    """One return interview of a chosen round: where, when, and on which version."""

    interview_id: int
    setting_id: int
    held_on: date
    round_number: int
    round_title: str
    version_id: int
    version_number: int


def setting_rounds_of(
    session: Session,
    project: Project,
    settings: Sequence[Setting],
    round_numbers: set[int] | None,
    audience: Audience,
) -> dict[int, list[SettingRound]]:
    """For each setting (by id): its chart and voices in each chosen round (``None``: every
    round) and each version shown in it, in round then version order."""
    chosen = _chosen_interviews(settings, round_numbers)
    heard = [_Heard(*row) for row in session.execute(_heard(chosen))]
    voices = _voices(session, chosen, heard, audience)
    codes = {s.id: s.code for s in settings}
    titles = {
        h.version_id: f"{codes[h.setting_id]} flowchart, version {h.version_number}" for h in heard
    }
    charts = shown_charts(session, titles, project.group_ids_and_names, audience)
    grouped: dict[tuple[int, int, int], list[_Heard]] = defaultdict(list)
    for h in heard:  # held order
        grouped[(h.setting_id, h.round_number, h.version_number)].append(h)
    rounds: dict[int, list[SettingRound]] = {s.id: [] for s in settings}
    for (setting_id, _, _), interviews in sorted(grouped.items()):
        first = interviews[0]
        shown, left_out = for_audience(
            [voices[h.interview_id] for h in interviews], audience, project.min_group_size
        )
        rounds[setting_id].append(
            SettingRound(
                codes[setting_id],
                first.round_number,
                first.round_title,
                first.version_number,
                chart_with_voices(charts[first.version_id], shown),
                tuple(shown),
                left_out=left_out,
            )
        )
    return rounds


def _chosen_interviews(
    settings: Sequence[Setting], round_numbers: set[int] | None
) -> Select[tuple[int]]:
    """The ids of the settings' return interviews (those shown a chart) in the chosen rounds."""
    query = (
        select(Interview.id)
        .join(Round, Round.id == Interview.round_id)
        .where(
            Interview.setting_id.in_([s.id for s in settings]),
            Interview.version_id.is_not(None),
        )
    )
    if round_numbers is not None:
        query = query.where(Round.number.in_(sorted(round_numbers)))
    return query


def _heard(chosen: Select[tuple[int]]) -> Select[tuple[int, int, date, int, str, int, int]]:
    return (
        select(
            Interview.id,
            Interview.setting_id,
            Interview.held_on,
            Round.number,
            Round.title,
            FlowchartVersion.id,
            FlowchartVersion.number,
        )
        .join(Round, Round.id == Interview.round_id)
        .join(FlowchartVersion, FlowchartVersion.id == Interview.version_id)
        .where(Interview.id.in_(chosen))
        .order_by(Interview.held_on, Interview.id)
    )


def _voices(
    session: Session, chosen: Select[tuple[int]], heard: Sequence[_Heard], audience: Audience
) -> dict[int, VoiceLayer]:
    """Each interview's voice, from its people, marks, notes, arrows and steps: one statement
    for each kind of row."""
    people: dict[int, list[Person]] = defaultdict(list)
    for (
        interview_id,
        reference,
        role,
        perspective,
        pseudonym,
        real_name,
        consent,
    ) in session.execute(
        select(
            InterviewParticipant.interview_id,
            Participant.reference,
            InterviewParticipant.role_label,
            InterviewParticipant.perspective,
            Participant.pseudonym,
            Participant.real_name,
            Participant.consent_quote,
        )
        .join(Participant, Participant.id == InterviewParticipant.participant_id)
        .where(InterviewParticipant.interview_id.in_(chosen))
        .order_by(InterviewParticipant.id)
    ):
        people[interview_id].append(
            person_as_heard(
                reference=reference,
                role=role,
                perspective=perspective,
                pseudonym=pseudonym,
                real_name=real_name,
                consent_quote=consent,
                audience=audience,
            )
        )
    marks: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for interview_id, step_id, mark in session.execute(
        select(StepMark.interview_id, StepMark.step_id, StepMark.mark)
        .where(StepMark.interview_id.in_(chosen))
        .order_by(StepMark.id)
    ):
        marks[interview_id].append((step_id, mark))
    notes: dict[int, list[NotePart]] = defaultdict(list)
    for interview_id, number, text, verbatim, step_id, source, target in session.execute(
        select(
            NoteRow.interview_id,
            NoteRow.number,
            NoteRow.text,
            NoteRow.verbatim,
            NoteRow.step_id,
            Link.source_step_id,
            Link.target_step_id,
        )
        .outerjoin(Link, Link.id == NoteRow.link_id)
        .where(NoteRow.interview_id.in_(chosen))
        .order_by(NoteRow.interview_id, NoteRow.number)
    ):
        link = (source, target) if source is not None else None
        notes[interview_id].append(NotePart(number, text, verbatim, step_id, link))
    links: dict[int, list[LinkPart]] = defaultdict(list)
    for interview_id, source, target, note, verbatim in session.execute(
        select(
            Link.interview_id, Link.source_step_id, Link.target_step_id, Link.note, Link.verbatim
        )
        .where(Link.interview_id.in_(chosen))
        .order_by(Link.id)
    ):
        links[interview_id].append(LinkPart(source, target, note, verbatim))
    steps: dict[int, list[StepPart]] = defaultdict(list)
    for interview_id, step_id, theme, group, text in session.execute(
        select(Step.interview_id, Step.id, Step.theme, ProjectGroup.name, Step.text)
        .join(ProjectGroup, ProjectGroup.id == Step.group_id)
        .where(Step.interview_id.in_(chosen))
        .order_by(Step.id)
    ):
        steps[interview_id].append(StepPart(step_id, theme, group, text))
    return {
        h.interview_id: voice_layer(
            h.interview_id,
            people[h.interview_id],
            marks[h.interview_id],
            notes[h.interview_id],
            links[h.interview_id],
            steps[h.interview_id],
            h.round_number,
            h.held_on,
        )
        for h in heard
    }
