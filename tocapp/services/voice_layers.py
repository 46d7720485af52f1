"""Reading voices back as plain domain data: one voice's layer, all of a version's, coverage."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from tocapp.domain.theory import Flowchart, Theme
from tocapp.domain.theory import Link as DomainLink
from tocapp.domain.theory import Step as DomainStep
from tocapp.domain.voices import (
    Coverage,
    Mark,
    PersonInRound,
    VoiceLayer,
    VoiceLink,
    VoiceNote,
    coverage_of,
    coverage_of_people,
)
from tocapp.models import (
    FlowchartVersion,
    Interview,
    InterviewParticipant,
    Participant,
    Project,
    Round,
    Setting,
)
from tocapp.services.flowcharts import to_domain


def voice_label(interview: Interview) -> str:
    """The voice as it appears everywhere: role labels at the time, never a name."""
    return " & ".join(p.role_label for p in interview.people) or "Unknown role"


def leader_participant_ids(setting: Setting) -> set[int]:
    """Who theorised the map: the participants of the setting's initial-round interviews."""
    return {
        person.participant_id
        for interview in setting.interviews
        if interview.round.kind == "initial"
        for person in interview.people
    }


def voice_layer(interview: Interview, leaders: set[int] | None = None) -> VoiceLayer:
    """One return interview's annotations as a domain VoiceLayer (step keys are ids as text)."""
    leaders = leader_participant_ids(interview.setting) if leaders is None else leaders
    voice_id = str(interview.id)
    return VoiceLayer(
        voice_id=voice_id,
        label=voice_label(interview),
        is_leader=any(p.participant_id in leaders for p in interview.people),
        marks={str(m.step_id): Mark(m.mark) for m in interview.marks},
        notes=tuple(
            VoiceNote(
                number=n.number,
                text=n.text,
                verbatim=n.verbatim,
                step_key=str(n.step_id) if n.step_id else None,
                link=(str(n.link.source_step_id), str(n.link.target_step_id)) if n.link else None,
            )
            for n in interview.notes
        ),
        links=tuple(
            VoiceLink(i, str(ln.source_step_id), str(ln.target_step_id), ln.note, ln.verbatim)
            for i, ln in enumerate(interview.added_links, start=1)
        ),
        steps=(),
    )


def return_interviews_of(session: Session, version: FlowchartVersion) -> list[Interview]:
    """The return interviews at which this version was shown, in the order they were held."""
    return list(
        session.scalars(
            select(Interview)
            .where(Interview.version_id == version.id)
            .order_by(Interview.held_on, Interview.id)
        )
    )


def voices_of(session: Session, version: FlowchartVersion) -> list[VoiceLayer]:
    leaders = leader_participant_ids(version.setting)
    return [voice_layer(i, leaders) for i in return_interviews_of(session, version)]


def chart_with_voices(version: FlowchartVersion, interviews: list[Interview]) -> Flowchart:
    """The leader's chart plus the steps and arrows these voices added, each tagged as theirs."""
    base = to_domain(version)
    steps = list(base.steps)
    links = list(base.links)
    for interview in interviews:
        label = voice_label(interview)
        steps += [
            DomainStep(str(s.id), Theme(s.theme), s.group.name, s.text, added_by=label)
            for s in interview.added_steps
        ]
        links += [
            DomainLink(str(ln.source_step_id), str(ln.target_step_id), "", added_by=label)
            for ln in interview.added_links
        ]
    # Two voices may draw the same new arrow; the chart shows it once.
    unique = list({(ln.source, ln.target): ln for ln in reversed(links)}.values())[::-1]
    return Flowchart(base.title, base.groups, tuple(steps), tuple(unique))


def coverage_for(setting: Setting, round_: Round) -> Coverage:
    """Which of the setting's participants have been interviewed in this round."""
    heard = {
        person.participant.label
        for interview in setting.interviews
        if interview.round_id == round_.id
        for person in interview.people
    }
    return coverage_of(((p.label, p.role_label) for p in setting.participants), heard)


@dataclass(frozen=True)
class SettingCoverage:
    """One setting in one round: each participant, whether heard, and the roles not yet heard."""

    setting: Setting
    people: tuple[PersonInRound, ...]
    coverage: Coverage


@dataclass(frozen=True)
class RoundCoverage:
    """Every setting of a study in one round."""

    round: Round
    settings: tuple[SettingCoverage, ...]

    @property
    def participant_count(self) -> int:
        return sum(len(s.people) for s in self.settings)

    @property
    def interviewed_count(self) -> int:
        return sum(s.coverage.interviewed_count for s in self.settings)


def study_coverage(session: Session, project: Project) -> list[RoundCoverage]:
    """Per round and setting, which participants (and so which roles) have been interviewed.

    Matched by participant id, not label; a heard participant counts in the role they held at
    that interview.
    """
    heard: dict[tuple[int, int], list[tuple[str, date]]] = {}
    rows = session.execute(
        select(
            Interview.round_id,
            InterviewParticipant.participant_id,
            InterviewParticipant.role_label,
            Interview.held_on,
        )
        .join(InterviewParticipant, InterviewParticipant.interview_id == Interview.id)
        .join(Setting, Setting.id == Interview.setting_id)
        .where(Setting.project_id == project.id)
        .order_by(Interview.held_on, Interview.id)
    ).all()
    for round_id, participant_id, role_label, held_on in rows:
        heard.setdefault((round_id, participant_id), []).append((role_label, held_on))
    return [
        RoundCoverage(
            round_,
            tuple(
                _setting_coverage(
                    setting, [(p, heard.get((round_.id, p.id), [])) for p in setting.participants]
                )
                for setting in project.settings
            ),
        )
        for round_ in project.rounds
    ]


def _setting_coverage(
    setting: Setting, people: list[tuple[Participant, list[tuple[str, date]]]]
) -> SettingCoverage:
    found = tuple(
        PersonInRound(
            key=str(person.id),
            label=person.label,
            role_label=interviews[0][0] if interviews else person.role_label,
            heard_on=tuple(held_on for _, held_on in interviews),
        )
        for person, interviews in people
    )
    return SettingCoverage(setting, found, coverage_of_people(found))
