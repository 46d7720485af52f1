"""Setting up a study without the web: groups, members, settings, rounds and schedules."""

from __future__ import annotations

from datetime import date

import pytest

from tocapp.domain.errors import DomainError
from tocapp.models import Role
from tocapp.services import flowcharts, rounds, schedules, studies


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Staff\nChildren\nParents", ["Staff", "Children", "Parents"]),
        ("  Staff  \r\n\n\nLearners\n", ["Staff", "Learners"]),
        ("Staff, Children,Parents", ["Staff", "Children", "Parents"]),
        ("Staff\nstaff\nSTAFF, Governors", ["Staff", "Governors"]),
        ("Ysgol Tŷ Ŵyn\nمدرسة", ["Ysgol Tŷ Ŵyn", "مدرسة"]),
        ("", []),
        (" , \n ,", []),
    ],
)
def test_parse_groups(text, expected):
    assert studies.parse_groups(text) == expected


def test_parse_groups_keeps_long_names_whole_so_set_groups_can_refuse_them(make_project):
    long_name = "A" * 61
    assert studies.parse_groups(long_name) == [long_name]
    with pytest.raises(DomainError, match="at most 60 characters"):
        studies.set_groups(make_project(), [long_name])


def test_create_project_defaults(session, make_user):
    owner = make_user()
    project = studies.create_project(
        session, owner, studies.ProjectFields(title="  Study  "), first_round_on=date(2026, 1, 5)
    )
    assert project.title == "Study"
    assert project.group_names == ["Staff", "Children", "Parents"]
    assert [(r.number, r.kind, r.planned_on) for r in project.rounds] == [
        (1, "initial", date(2026, 1, 5)),
        (2, "return", date(2026, 7, 6)),
    ]
    assert studies.members_of(session, project) == [(owner, Role.OWNER)]


def test_create_project_refuses_a_blank_title(session, make_user):
    with pytest.raises(DomainError, match="title"):
        studies.create_project(session, make_user(), studies.ProjectFields(title="   "))


def test_set_groups_reorders_adds_and_removes_unused_groups(session, make_project):
    project = make_project()
    staff_id = project.groups[0].id

    studies.set_groups(project, ["Governors", "staff", "Children"])
    session.flush()

    assert project.group_names == ["Governors", "staff", "Children"]
    assert project.groups[1].id == staff_id  # kept, not replaced: its steps stay attached
    assert [g.position for g in project.groups] == [0, 1, 2]
    session.commit()
    session.expire(project)
    assert project.group_names == ["Governors", "staff", "Children"]
    assert len(project.groups) == 3  # Parents was removed, not left behind


def test_set_groups_refuses_to_remove_a_group_with_steps(session, make_project, make_setting):
    project = make_project()
    setting = make_setting(project=project)
    children = project.groups[1]
    version = flowcharts.current_version(session, setting)
    flowcharts.add_step(
        session, None, version, flowcharts.StepFields("outcome", children.id, "Talk")
    )
    session.commit()

    with pytest.raises(DomainError, match="“Children” has steps on a flowchart") as refused:
        studies.set_groups(project, ["Staff", "Parents"])

    assert refused.value.field == "groups"
    assert project.group_names == ["Staff", "Children", "Parents"]
    studies.set_groups(project, ["Children", "Staff"])  # removing an unused one is fine
    assert project.group_names == ["Children", "Staff"]


def test_set_groups_needs_at_least_one(make_project):
    with pytest.raises(DomainError, match="at least one group"):
        studies.set_groups(make_project(), [" ", ""])


def test_add_member_sets_and_changes_roles_but_keeps_an_owner(session, make_user, make_project):
    owner, colleague = make_user(), make_user(email="ana@school.test", name="Ana")
    project = make_project(owner=owner)

    studies.add_member(session, None, project, "ANA@school.test", Role.VIEWER)
    studies.add_member(session, None, project, "ana@school.test", Role.OWNER)
    assert studies.members_of(session, project)[0][1] is Role.OWNER
    assert {(u.email, r) for u, r in studies.members_of(session, project)} == {
        (owner.email, Role.OWNER),
        (colleague.email, Role.OWNER),
    }

    studies.add_member(session, None, project, owner.email, Role.VIEWER)  # another owner remains
    with pytest.raises(DomainError, match="at least one owner"):
        studies.add_member(session, None, project, colleague.email, Role.INTERVIEWER)
    with pytest.raises(DomainError, match="no account for nobody@school.test"):
        studies.add_member(session, None, project, "nobody@school.test", Role.VIEWER)


def test_setting_codes_are_normalised_and_unique_in_a_study(session, make_project):
    project, other = make_project(), make_project()
    setting = studies.add_setting(
        session, None, project, studies.SettingFields("Nursery", " nur-1 ")
    )
    assert setting.code == "NUR-1"
    studies.add_setting(session, None, other, studies.SettingFields("Elsewhere", "NUR-1"))

    with pytest.raises(DomainError, match="already uses the code NUR-1"):
        studies.add_setting(session, None, project, studies.SettingFields("Second", "nur-1"))
    with pytest.raises(DomainError, match="at most 12"):
        studies.add_setting(session, None, project, studies.SettingFields("Long", "ABCDEFGHIJKLM"))
    with pytest.raises(DomainError, match="letters, digits"):
        studies.add_setting(session, None, project, studies.SettingFields("Odd", "N/R"))
    studies.update_setting(
        session, None, setting, studies.SettingFields("Nursery", "nur-1", "Nursery")
    )
    assert setting.kind == "Nursery"


def test_rounds_are_numbered_in_order_and_any_number_may_be_added(session, make_project):
    project = make_project()
    third = rounds.add_round(session, None, project, rounds.RoundFields("Third", "return"))
    fourth = rounds.add_round(session, None, project, rounds.RoundFields("Fourth", "return"))
    assert (third.number, fourth.number) == (3, 4)
    with pytest.raises(DomainError):
        rounds.add_round(session, None, project, rounds.RoundFields("Bad", "graded"))


def test_next_round_defaults_follow_the_last_planned_round(make_project):
    project = make_project()
    project.rounds[0].planned_on = date(2026, 1, 1)
    project.rounds[1].planned_on = date(2026, 7, 1)
    defaults = rounds.next_round_defaults(project)
    assert (defaults.kind, defaults.planned_on) == ("return", date(2026, 12, 30))


def test_add_schedule_keeps_placeholders_and_refuses_empty_ones(session, make_project):
    project = make_project()
    questions = schedules.parse_questions("  In terms of {focus}?\n\nWhat of {partner}? {x}\n")
    schedule = schedules.add_schedule(
        session, None, project, " Mine ", " For governors ", questions
    )

    assert [q.text for q in schedule.questions] == [
        "In terms of {focus}?",
        "What of {partner}? {x}",
    ]
    assert (schedule.name, schedule.description) == ("Mine", "For governors")
    assert schedules.schedules_for(session, project)[-1] is schedule
    with pytest.raises(DomainError, match="at least one question"):
        schedules.add_schedule(session, None, project, "Empty", "", [])
    with pytest.raises(DomainError, match="name"):
        schedules.add_schedule(session, None, project, " ", "", ["Why?"])
