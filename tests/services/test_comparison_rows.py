"""The comparison read as rows, for all chosen settings at once, says exactly what the per-setting
read through ORM objects said (``comparison_orm_reference``): the whole report model is built
both ways and compared, for the demo study and for a study with every case the rules handle —
pairs of mixed perspectives, perspectives changed at the time, role labels changed between
rounds, withheld quotes in notes, arrows and the map's sources, several versions (one round seeing
two), a withdrawal, a person not interviewed, too few staff for the leadership, real names."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from tests.services import comparison_orm_reference as reference
from tocapp.domain.people import Audience
from tocapp.extensions import db
from tocapp.models import Project, Setting, User
from tocapp.services import (
    comparison,
    flowcharts,
    interviews,
    participants,
    rounds,
    studies,
    versions,
    voices,
)
from tocapp.services.comparison import Choice, build_report
from tocapp.services.demo import load_demo_study
from tocapp.services.schedules import schedules_for
from tocapp.services.withdrawals import AFTER, WithdrawalRequest, withdraw_participant


def _both_ways(monkeypatch: pytest.MonkeyPatch, project: Project, choice: Choice) -> Any:
    """The report as the rows build it and as the ORM objects built it."""
    rows = build_report(db.session, project, choice, with_charts=False)
    db.session.expunge_all()  # nothing the first read loaded helps the second
    project = db.session.get(Project, project.id)
    with monkeypatch.context() as patch:
        patch.setattr(comparison, "setting_rounds_of", reference.setting_rounds_of)
        patch.setattr(comparison, "version_changes", reference.version_changes)
        patch.setattr(comparison, "coverage_cells", reference.coverage_cells)
        objects = build_report(db.session, project, choice, with_charts=False)
    return rows, objects


def _assert_same(rows: Any, objects: Any) -> None:
    assert rows.sources, "a report with nothing in it proves nothing"
    assert rows == objects
    assert repr(rows) == repr(objects)  # the same order too: of voices, marks, notes and rows
    assert rows.rows == objects.rows  # the CSV


def _person(setting: Setting, role: str, perspective: str, **fields: Any) -> Any:
    return participants.add_participant(
        db.session,
        None,
        setting,
        participants.ParticipantFields(role, perspective, consent_participate=True, **fields),
    )


def _first(project: Project, setting: Setting, people: list[Any], day: int) -> Any:
    return interviews.record_interview(
        db.session,
        None,
        setting,
        interviews.InterviewFields(
            project.rounds[0].id,
            date(2026, 1, 5) + timedelta(days=day),
            "face-to-face",
            schedule_id=schedules_for(db.session, project)[0].id,
            people=[(p.id, p.role_label) for p in people],
            notes={n: f"Answer {n} of {people[0].role_label}" for n in range(1, 7)},
        ),
    )


def _heard(
    setting: Setting,
    round_id: int,
    day: int,
    people: list[tuple[Any, str]],
    perspectives: dict[int, str] | None = None,
) -> Any:
    return voices.start_return_interview(
        db.session,
        None,
        setting,
        interviews.InterviewFields(
            round_id,
            date(2026, 6, 1) + timedelta(days=day),
            "face-to-face",
            people=[(p.id, role) for p, role in people],
            perspectives=perspectives or {},
        ),
    )


def _says(voice: Any, steps: list[Any], n: int, group_id: int) -> None:
    """Marks on most steps, notes (verbatim or not) on a step, an arrow and a new thread, and a
    step and an arrow of the voice's own."""
    for i, step in enumerate(steps):
        if (i + n) % 4:
            voices.set_mark(
                db.session, None, voice, step.id, ("achieved", "partly", "elusive")[(i * n) % 3]
            )
    voices.add_note(db.session, None, voice, f"In their words {n}", True, step_id=steps[n].id)
    voices.add_note(db.session, None, voice, f"Summarised {n}", False, step_id=steps[0].id)
    voices.add_note(db.session, None, voice, f"A new thread {n}", n % 2 == 0)
    added = voices.add_voice_step(
        db.session, None, voice, voices.VoiceStepFields("outcome", group_id, f"Theirs {n}")
    )
    arrow = voices.add_voice_link(
        db.session, None, voice, steps[n].id, added.id, f"Because {n}", n % 2 == 1
    )
    voices.add_note(db.session, None, voice, f"On the arrow {n}", True, link_id=arrow.id)


def _varied_study(owner: User) -> Project:
    project = studies.create_project(
        db.session, owner, studies.ProjectFields("Every case", "language", "Rows")
    )
    rounds.add_round(db.session, None, project, rounds.RoundFields("Again"))  # a third
    _, second, third = project.rounds
    groups = [g.id for g in project.groups]

    # A: leaders and staff over two versions, a pair, a withdrawal, someone not interviewed.
    a = studies.add_setting(db.session, None, project, studies.SettingFields("Alpha", "ALP"))
    head = _person(a, "Headteacher", "leadership", consent_quote=True, real_name="Ann Head")
    deputy = _person(a, "Deputy head", "leadership", pseudonym="Deputy D")
    staff = [
        _person(a, ("Teacher", "Teaching assistant")[n % 2], "practice", consent_quote=n != 1)
        for n in range(4)
    ]
    _person(a, "Evaluator", "not interviewed")
    leaving = _person(a, "SENCo", "practice", consent_quote=True, real_name="Sam Leaves")
    # Steps 0–1 quote the head (who consented), 2–3 the deputy (who did not).
    answers = [*_first(project, a, [head], 0).answers, *_first(project, a, [deputy], 1).answers]
    first_version = flowcharts.current_version(db.session, a)
    steps = [
        flowcharts.add_step(
            db.session,
            None,
            first_version,
            flowcharts.StepFields(
                ("situation", "action", "outcome")[i % 3],
                groups[i % 3],
                f"Step {i}",
                source_answer_id=answers[i if i < 2 else 6 + i].id if i < 4 else None,
                source_quote=f"quoted words {i}" if i < 4 else "",
            ),
        )
        for i in range(8)
    ]
    for x, y in zip(steps, steps[1:], strict=False):
        flowcharts.add_link(db.session, None, first_version, x.id, y.id, f"then {x.text}")
    heard = [
        _heard(a, second.id, 0, [(head, "Headteacher")]),
        _heard(a, second.id, 1, [(staff[0], "Teacher"), (deputy, "Deputy head")]),
        _heard(a, second.id, 2, [(staff[1], "Teaching assistant")]),
        _heard(a, second.id, 3, [(staff[2], "Teacher")], {staff[2].id: "leadership"}),
        _heard(a, second.id, 4, [(leaving, "SENCo")]),
    ]
    for n, voice in enumerate(heard, start=1):
        _says(voice, steps, n, groups[0])
    later = versions.start_next_version(db.session, None, a)
    flowcharts.update_step(
        db.session,
        None,
        later.steps[2],
        flowcharts.StepFields("action", later.steps[2].group_id, "Reworded"),
    )
    flowcharts.delete_step(db.session, None, later.steps[5])
    heard = [  # round 2 goes on into the new version; round 3 sees it too
        _heard(a, second.id, 5, [(staff[3], "Teacher")]),
        _heard(a, third.id, 30, [(head, "Headteacher")]),
        _heard(a, third.id, 31, [(staff[1], "Senior teaching assistant")]),
        _heard(a, third.id, 32, [(staff[0], "Teacher")]),
        _heard(a, third.id, 33, [(leaving, "SENCo")]),
    ]
    for n, voice in enumerate(heard, start=6):
        _says(voice, list(later.steps), n % 6, groups[1])
    withdraw_participant(
        db.session,
        owner,
        leaving,
        WithdrawalRequest(date(2026, 8, 1), AFTER, keep_before=date(2026, 6, 20)),
    )

    # B: a leader and too few staff for the setting's leadership to see them.
    b = studies.add_setting(db.session, None, project, studies.SettingFields("Beta", "BET"))
    lead = _person(b, "Principal", "leadership", consent_quote=True)
    few = [_person(b, "Teacher", "practice", consent_quote=True) for _ in range(2)]
    _first(project, b, [lead], 2)
    version = flowcharts.current_version(db.session, b)
    b_steps = [
        flowcharts.add_step(
            db.session, None, version, flowcharts.StepFields(theme, groups[0], f"B {theme}")
        )
        for theme in ("situation", "action", "outcome")
    ]
    for n, person in enumerate([lead, *few], start=1):
        _says(
            _heard(b, second.id, 10 + n, [(person, person.role_label)]), b_steps, n % 3, groups[2]
        )

    # C: mapped but never heard again; D: heard, and never chosen.
    c = studies.add_setting(db.session, None, project, studies.SettingFields("Gamma", "GAM"))
    _first(project, c, [_person(c, "Headteacher", "leadership")], 3)
    flowcharts.add_step(
        db.session,
        None,
        flowcharts.current_version(db.session, c),
        flowcharts.StepFields("outcome", groups[0], "Only mapped"),
    )
    d = studies.add_setting(db.session, None, project, studies.SettingFields("Delta", "DEL"))
    d_head = _person(d, "Headteacher", "leadership")
    _first(project, d, [d_head], 4)
    d_step = flowcharts.add_step(
        db.session,
        None,
        flowcharts.current_version(db.session, d),
        flowcharts.StepFields("outcome", groups[0], "Not chosen"),
    )
    voices.set_mark(
        db.session, None, _heard(d, second.id, 20, [(d_head, "Headteacher")]), d_step.id, "elusive"
    )
    db.session.commit()
    return project


@pytest.fixture
def varied(app: Any, make_user: Any) -> Project:
    return _varied_study(make_user())


def _chosen(project: Project, codes: set[str]) -> frozenset[int]:
    return frozenset(s.id for s in project.settings if s.code in codes)


ABC = {"ALP", "BET", "GAM"}


@pytest.mark.parametrize(
    "choice",
    [
        lambda p: Choice(),
        lambda p: Choice(setting_ids=_chosen(p, ABC), round_ids=frozenset(r.id for r in p.rounds)),
        lambda p: Choice(setting_ids=_chosen(p, ABC), audience=Audience.LEADERSHIP),
        lambda p: Choice(
            round_ids=frozenset(r.id for r in p.rounds[1:]), audience=Audience.LEADERSHIP
        ),
        lambda p: Choice(round_ids=frozenset({p.rounds[1].id}), audience=Audience.IDENTIFIED),
        lambda p: Choice(roles=frozenset({"Teacher", "Headteacher"}), detail=False),
        lambda p: Choice(setting_ids=_chosen(p, {"ALP"}), round_ids=frozenset({p.rounds[2].id})),
    ],
    ids=["latest", "every-round", "leadership", "leadership-rounds", "identified", "roles", "one"],
)
def test_the_rows_build_the_report_the_objects_built(
    monkeypatch: pytest.MonkeyPatch, varied: Project, choice: Any
) -> None:
    _assert_same(*_both_ways(monkeypatch, varied, choice(varied)))


def test_the_study_has_every_case_the_rules_handle(varied: Project) -> None:
    """Guards the comparison above: what it compares is really there."""
    every = build_report(
        db.session,
        varied,
        Choice(round_ids=frozenset(r.id for r in varied.rounds)),
        with_charts=False,
    )
    alpha = [s for s in every.sources if s.setting_code == "ALP"]
    assert [(s.round_number, s.version_number) for s in alpha] == [(2, 1), (2, 2), (3, 2)]
    labels = [v.label for s in alpha for v in s.voices]
    assert any(" & " in label for label in labels)  # a pair
    # The SENCo withdrew, keeping what they said before the third round.
    assert any("SENCo" in v.label for s in alpha if s.round_number == 2 for v in s.voices)
    assert not any("SENCo" in v.label for s in alpha if s.round_number == 3 for v in s.voices)
    assert any(v.perspective is None for s in alpha for v in s.voices)  # a mixed pair
    texts = [n.text for s in alpha for v in s.voices for n in v.notes]
    assert "A quote was withheld (no consent to quotation)." in texts
    quotes = [st.source.quote for s in alpha for st in s.chart.steps if st.source]
    assert (
        "quoted words 0" in quotes and "A quote was withheld (no consent to quotation)." in quotes
    )
    assert any(v.changes for v in every.versions)
    assert "DEL" not in {
        s.setting_code
        for s in build_report(
            db.session, varied, Choice(setting_ids=_chosen(varied, ABC)), with_charts=False
        ).sources
    }
    leaders = build_report(
        db.session,
        varied,
        Choice(round_ids=frozenset({varied.rounds[1].id}), audience=Audience.LEADERSHIP),
        with_charts=False,
    )
    # Too few staff: BET's, and ALP's one teacher who saw the second version; ALP's first
    # version's staff are combined into one group.
    left_out = [(s.setting_code, s.version_number) for s in leaders.left_out]
    assert left_out == [("ALP", 2), ("BET", 1)]
    assert any(v.is_group for s in leaders.sources if s.setting_code == "ALP" for v in s.voices)
    named = build_report(
        db.session,
        varied,
        Choice(round_ids=frozenset({varied.rounds[1].id}), audience=Audience.IDENTIFIED),
        with_charts=False,
    )
    assert any("Ann Head" in v.label for s in named.sources for v in s.voices)
    assert not any("Sam Leaves" in v.label for s in named.sources for v in s.voices)


@pytest.mark.parametrize(
    "choice",
    [
        Choice(),
        Choice(audience=Audience.LEADERSHIP),
        Choice(audience=Audience.IDENTIFIED, detail=False),
        Choice(roles=frozenset({"Teacher"})),
    ],
    ids=["research", "leadership", "identified", "teachers"],
)
def test_the_demo_studys_report_is_the_same_both_ways(
    monkeypatch: pytest.MonkeyPatch, app: Any, choice: Choice
) -> None:
    load_demo_study(db.session)
    db.session.commit()
    project = db.session.scalar(select(Project))
    assert project is not None
    every = Choice(
        round_ids=frozenset(r.id for r in project.rounds),
        roles=choice.roles,
        detail=choice.detail,
        audience=choice.audience,
    )
    for asked in (choice, every):
        _assert_same(*_both_ways(monkeypatch, db.session.get(Project, project.id), asked))


def test_coverage_counts_people_in_the_role_they_were_heard_in(app: Any) -> None:
    """The demo's NUR teaching assistant, heard in round 2, is given a new role afterwards: the
    comparison's coverage of round 2 still has a teaching assistant heard, as the coverage page
    has, and no one in the new role."""
    load_demo_study(db.session)
    project = db.session.scalar(select(Project))
    nur = db.session.scalar(select(Setting).where(Setting.code == "NUR"))
    ta = next(p for p in nur.participants if p.role_label == "Teaching assistant")
    ta.role_label = "Senior TA"
    db.session.commit()
    second = next(r for r in project.rounds if r.number == 2)
    report = build_report(
        db.session,
        project,
        Choice(setting_ids=frozenset({nur.id}), round_ids=frozenset({second.id})),
        with_charts=False,
    )
    cells = {c.role: (c.heard, c.people) for c in report.coverage}
    assert cells["Teaching assistant"] == (1, 1) and "Senior TA" not in cells
