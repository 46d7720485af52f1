"""Flowchart versions of many settings as plain rows: their leader's maps in four statements,
however many versions and steps, and who spoke the words their steps quote.

``services.flowcharts.to_domain`` stays the definition of a version's chart and
``voice_read.leader_chart`` of which quoted words an audience may read; the comparison's tests
check that these rows build the same charts.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from tocapp.domain.people import Audience, Person, Perspective
from tocapp.domain.theory import Flowchart, StepSource, Theme
from tocapp.domain.theory import Link as DomainLink
from tocapp.domain.theory import Step as DomainStep
from tocapp.models import (
    Answer,
    FlowchartVersion,
    InterviewParticipant,
    Link,
    Participant,
    ProjectGroup,
    Step,
)
from tocapp.services.flowcharts import lane_order
from tocapp.services.voice_layers import withhold_unquotable, words_quotable


def leader_charts(
    session: Session, titles: Mapping[int, str], groups: Sequence[tuple[int, str]]
) -> dict[int, Flowchart]:
    """The leader's map of each version (by id, titled as given), as ``to_domain`` builds it:
    every quoted word as it stands. ``groups`` are the study's, ``(id, name)`` in its order."""
    ids = list(titles)
    steps: dict[int, list[DomainStep]] = defaultdict(list)
    links: dict[int, list[DomainLink]] = defaultdict(list)
    frozen: dict[int, list[int]] = {}
    if ids:
        frozen = {
            version_id: order
            for version_id, order in session.execute(
                select(FlowchartVersion.id, FlowchartVersion.group_order).where(
                    FlowchartVersion.id.in_(ids), FlowchartVersion.group_order.is_not(None)
                )
            )
        }
        rows = session.execute(
            select(
                Step.version_id,
                Step.id,
                Step.theme,
                ProjectGroup.name,
                Step.text,
                Step.lineage,
                Step.source_quote,
                Answer.number,
                Answer.question_text,
            )
            .join(ProjectGroup, ProjectGroup.id == Step.group_id)
            .outerjoin(Answer, Answer.id == Step.source_answer_id)
            .where(Step.version_id.in_(ids), Step.interview_id.is_(None))
            .order_by(Step.version_id, Step.position, Step.id)
        )
        for version_id, step_id, theme, group, text, lineage, quote, number, question in rows:
            source = None if number is None else StepSource(number, question, quote)
            steps[version_id].append(
                DomainStep(str(step_id), Theme(theme), group, text, source, lineage)
            )
        for version_id, source_id, target_id, label in session.execute(
            select(Link.version_id, Link.source_step_id, Link.target_step_id, Link.label)
            .where(Link.version_id.in_(ids), Link.interview_id.is_(None))
            .order_by(Link.id)
        ):
            links[version_id].append(DomainLink(str(source_id), str(target_id), label))
    return {
        i: Flowchart(
            title=titles[i],
            groups=lane_order(groups, frozen.get(i)),
            steps=tuple(steps[i]),
            links=tuple(links[i]),
        )
        for i in ids
    }


def quotable_steps(session: Session, version_ids: Collection[int], audience: Audience) -> set[str]:
    """The keys of the versions' steps whose quoted words this audience may read: everyone in
    the interview they came from consented (and, for the setting's leadership, spoke for
    leadership). One statement."""
    if not version_ids:
        return set()
    speakers: dict[int, list[Person]] = defaultdict(list)
    for step_id, perspective, consent in session.execute(
        select(Step.id, InterviewParticipant.perspective, Participant.consent_quote)
        .join(Answer, Answer.id == Step.source_answer_id)
        .join(InterviewParticipant, InterviewParticipant.interview_id == Answer.interview_id)
        .join(Participant, Participant.id == InterviewParticipant.participant_id)
        .where(
            Step.version_id.in_(list(version_ids)),
            Step.interview_id.is_(None),
            Step.source_quote != "",
        )
        .order_by(Step.id, InterviewParticipant.id)
    ):
        speakers[step_id].append(Person("", "", Perspective(perspective), may_quote=bool(consent)))
    return {str(i) for i, people in speakers.items() if words_quotable(people, audience)}


def shown_charts(
    session: Session,
    titles: Mapping[int, str],
    groups: Sequence[tuple[int, str]],
    audience: Audience,
) -> dict[int, Flowchart]:
    """Each version's map as ``voice_read.leader_chart`` shows it to this audience."""
    quotable = quotable_steps(session, list(titles), audience)
    return {
        i: withhold_unquotable(chart, quotable)
        for i, chart in leader_charts(session, titles, groups).items()
    }
