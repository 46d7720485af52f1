"""Mapping services: steps in cells, their order, arrows, and the rules a frozen version keeps."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tocapp.domain.errors import DomainError, DuplicateLinkError, ForeignStepError, SelfLoopError
from tocapp.extensions import db
from tocapp.models import FlowchartVersion, Link
from tocapp.models.base import utcnow
from tocapp.services import flowcharts
from tocapp.services.flowcharts import StepFields


@pytest.fixture
def mapped(make_interview):
    interview = make_interview(notes={1: "Speech is delayed.", 3: "CLARITY coaches TAs."})
    setting = interview.setting
    version = flowcharts.current_version(db.session, setting)
    groups = {g.name: g.id for g in setting.project.groups}
    return {"setting": setting, "version": version, "groups": groups, "interview": interview}


def _add(mapped, text, theme="situation", group="Staff", **extra):
    fields = StepFields(theme, mapped["groups"][group], text, **extra)
    return flowcharts.add_step(db.session, None, mapped["version"], fields)


def test_looking_for_the_latest_version_never_creates_one(make_setting):
    setting = make_setting()
    assert flowcharts.latest_version(db.session, setting) is None
    assert db.session.scalar(select(func.count()).select_from(FlowchartVersion)) == 0
    created = flowcharts.current_version(db.session, setting)
    assert created.number == 1
    assert flowcharts.latest_version(db.session, setting) is created


def test_steps_are_grouped_by_cell_in_their_arranged_order(mapped):
    a = _add(mapped, "First")
    b = _add(mapped, "Elsewhere", theme="action", group="Children")
    c = _add(mapped, "Second")
    cells = flowcharts.steps_by_cell(mapped["version"])
    assert cells[("situation", mapped["groups"]["Staff"])] == [a, c]
    assert cells[("action", mapped["groups"]["Children"])] == [b]
    assert flowcharts.steps_by_cell(None) == {}


def test_moving_swaps_neighbours_within_the_cell_only(mapped):
    a, b = _add(mapped, "A"), _add(mapped, "B")
    other = _add(mapped, "Other cell", theme="outcome")
    flowcharts.move_step(db.session, None, b, -1)
    staff = mapped["groups"]["Staff"]
    assert flowcharts.steps_by_cell(mapped["version"])[("situation", staff)] == [b, a]
    flowcharts.move_step(db.session, None, b, -1)  # already first: nothing happens
    assert flowcharts.steps_by_cell(mapped["version"])[("situation", staff)] == [b, a]
    flowcharts.move_step(db.session, None, other, 1)
    assert flowcharts.steps_by_cell(mapped["version"])[("outcome", staff)] == [other]


def test_a_step_keeps_its_source_answer_and_quote(mapped):
    answer = mapped["interview"].answers[0]
    step = _add(
        mapped, "  Speech   is\ndelayed ", source_answer_id=answer.id, source_quote=" delayed "
    )
    assert step.text == "Speech is delayed"
    assert step.source_answer is answer and step.source_quote == "delayed"
    chart = flowcharts.to_domain(mapped["version"])
    assert chart.steps[0].source.question_number == 1
    assert chart.steps[0].source.quote == "delayed"


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"text": "x" * 501}, "at most 500 characters; this one is 501"),
        ({"text": "   "}, "needs some text"),
        ({"theme": "vibes"}, "Choose a theme"),
        ({"source_quote": "orphan words"}, "Choose the answer the quoted words come from"),
    ],
)
def test_bad_steps_are_refused(mapped, fields, message):
    values = {"theme": "situation", "group_id": mapped["groups"]["Staff"], "text": "Fine"}
    values.update(fields)
    with pytest.raises(DomainError, match=message):
        flowcharts.add_step(db.session, None, mapped["version"], StepFields(**values))
    assert mapped["version"].steps == []


def test_a_quote_that_is_too_long_is_refused(mapped):
    answer = mapped["interview"].answers[0]
    with pytest.raises(DomainError, match="quote can be at most"):
        _add(mapped, "Step", source_answer_id=answer.id, source_quote="x" * 1001)


def test_groups_and_answers_of_elsewhere_are_refused(mapped, make_project, make_interview):
    other_project = make_project()
    with pytest.raises(DomainError, match="groups"):
        flowcharts.add_step(
            db.session,
            None,
            mapped["version"],
            StepFields("situation", other_project.groups[0].id, "Step"),
        )
    other_answer = make_interview().answers[0]
    with pytest.raises(DomainError, match="answer from this setting"):
        _add(mapped, "Step", source_answer_id=other_answer.id)


def test_a_refused_edit_changes_nothing(mapped):
    step = _add(mapped, "Original")
    with pytest.raises(DomainError):
        flowcharts.update_step(
            db.session,
            None,
            step,
            StepFields("outcome", mapped["groups"]["Parents"], "y" * 600),
        )
    assert (step.theme, step.text, step.group_id) == (
        "situation",
        "Original",
        mapped["groups"]["Staff"],
    )


def test_arrows_obey_the_rules(mapped, make_setting):
    a, b = _add(mapped, "A"), _add(mapped, "B", theme="action")
    link = flowcharts.add_link(db.session, None, mapped["version"], a.id, b.id, "  so   that ")
    assert link.label == "so that"
    with pytest.raises(SelfLoopError):
        flowcharts.add_link(db.session, None, mapped["version"], a.id, a.id)
    with pytest.raises(DuplicateLinkError):
        flowcharts.add_link(db.session, None, mapped["version"], a.id, b.id)
    elsewhere = flowcharts.current_version(
        db.session, make_setting(project=mapped["setting"].project)
    )
    foreign = flowcharts.add_step(
        db.session, None, elsewhere, StepFields("outcome", mapped["groups"]["Staff"], "Not ours")
    )
    with pytest.raises(ForeignStepError):
        flowcharts.add_link(db.session, None, mapped["version"], a.id, foreign.id)
    with pytest.raises(DomainError, match="label"):
        flowcharts.add_link(db.session, None, mapped["version"], b.id, a.id, "z" * 201)
    assert [(ln.source_step_id, ln.target_step_id) for ln in mapped["version"].links] == [
        (a.id, b.id)
    ]


def test_deleting_a_step_removes_its_arrows_only(mapped):
    a, b, c = (
        _add(mapped, "A"),
        _add(mapped, "B", theme="action"),
        _add(mapped, "C", theme="outcome"),
    )
    flowcharts.add_link(db.session, None, mapped["version"], a.id, b.id)
    flowcharts.add_link(db.session, None, mapped["version"], b.id, c.id)
    kept = flowcharts.add_link(db.session, None, mapped["version"], a.id, c.id)
    flowcharts.delete_step(db.session, None, b)
    db.session.commit()
    assert [s.text for s in mapped["version"].steps] == ["A", "C"]
    assert db.session.scalars(select(Link)).all() == [kept]


def test_a_frozen_version_refuses_every_change(mapped):
    a, b = _add(mapped, "A"), _add(mapped, "B", theme="action")
    link = flowcharts.add_link(db.session, None, mapped["version"], a.id, b.id)
    mapped["version"].frozen_at = utcnow()
    attempts = [
        lambda: _add(mapped, "C"),
        lambda: flowcharts.update_step(
            db.session, None, a, StepFields("situation", mapped["groups"]["Staff"], "Changed")
        ),
        lambda: flowcharts.move_step(db.session, None, a, 1),
        lambda: flowcharts.delete_step(db.session, None, a),
        lambda: flowcharts.add_link(db.session, None, mapped["version"], b.id, a.id),
        lambda: flowcharts.delete_link(db.session, None, link),
    ]
    for attempt in attempts:
        with pytest.raises(DomainError, match="frozen"):
            attempt()
    assert [s.text for s in mapped["version"].steps] == ["A", "B"]
    assert mapped["version"].links == [link]


def test_reordering_the_studys_groups_keeps_a_frozen_charts_lanes_and_numbers(app):
    """A chart shown at an interview is the chart the voices marked: its lanes and step numbers
    (S1, A2 …) stay as shown, on every reading of it; the open version follows the new order."""
    from tocapp.domain.outline import step_numbers
    from tocapp.models import Project
    from tocapp.services import studies, versions
    from tocapp.services.chart_rows import leader_charts
    from tocapp.services.demo import load_demo_study

    project = db.session.get(Project, load_demo_study(db.session).project_id)
    setting = next(
        s
        for s in project.settings
        if s.versions
        and s.versions[0].is_frozen
        and len({st.group_id for st in s.versions[0].steps}) > 1
    )
    frozen = setting.versions[0]
    shown = flowcharts.to_domain(frozen)
    lanes, numbers = shown.lane_groups(), step_numbers(shown)
    following = versions.start_next_version(db.session, None, setting)

    studies.set_groups(project, list(reversed(project.group_names)))
    db.session.commit()
    db.session.expire_all()

    pairs = project.group_ids_and_names
    for chart in (
        flowcharts.to_domain(frozen),
        leader_charts(db.session, {frozen.id: "title"}, pairs)[frozen.id],
    ):
        assert chart.lane_groups() == lanes
        assert step_numbers(chart) == numbers
    for chart in (
        flowcharts.to_domain(following),
        leader_charts(db.session, {following.id: "title"}, pairs)[following.id],
    ):
        assert chart.lane_groups() == list(reversed(lanes))
        assert step_numbers(chart) != numbers
    # A group renamed (only its case can change while it has steps) is still its lane.
    studies.set_groups(project, [name.upper() for name in project.group_names])
    db.session.commit()
    db.session.expire_all()
    assert flowcharts.to_domain(frozen).lane_groups() == [name.upper() for name in lanes]
