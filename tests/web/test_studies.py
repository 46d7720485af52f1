"""Studies through the browser's eyes: create, read, edit, members and interview schedules."""

from __future__ import annotations

from datetime import date

import pytest

from tocapp.extensions import db
from tocapp.models import Membership, Project, Role, Schedule
from tocapp.services import flowcharts, studies

HOSTILE = '<script>alert("x")</script> back\\slash "quoted" 🙂 Ysgol Tŷ Ŵyn مدرسة'


@pytest.fixture
def join(session):
    """Give an account a role in a study."""

    def join(project: Project, user, role: Role) -> None:
        studies.add_member(session, None, project, user.email, role)
        session.commit()

    return join


def _html(response) -> str:
    return response.get_data(as_text=True)


def _only_project_of(user) -> Project:
    [(project, _role)] = studies.studies_for(db.session, user)
    return project


# --- creating -------------------------------------------------------------------------------


def test_index_lists_the_users_studies_with_role_and_settings_count(
    client, auth, make_user, make_project, make_setting, join
):
    user = make_user()
    mine = make_project(owner=user, title="Coaching in Tyneside")
    make_setting(project=mine)
    make_setting(project=mine)
    theirs = make_project(title="Someone else's study")
    join(theirs, user, Role.VIEWER)
    make_project(title="A study I am not in")
    auth.login(user)

    html = _html(client.get("/"))

    assert "Coaching in Tyneside" in html and "Someone else&#39;s study" in html
    assert "A study I am not in" not in html
    assert "Owner" in html and "Viewer" in html
    assert "<td>2</td>" in html
    assert 'href="/studies/new"' in html and "Create a study" in html


def test_creating_a_study_gives_default_groups_and_two_rounds_six_months_apart(
    client, auth, make_user
):
    user = make_user()
    auth.login(user)
    assert "Staff\nChildren\nParents" in _html(client.get("/studies/new"))

    response = client.post(
        "/studies/new",
        data={
            "title": "Speech and language",
            "focus": "speech and language development",
            "partner": "CLARITY",
            "groups": "Staff\nChildren\nParents",
            "first_round_on": "2026-01-12",
        },
    )

    project = _only_project_of(user)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/studies/{project.id}")
    assert project.group_names == ["Staff", "Children", "Parents"]
    first, second = project.rounds
    assert (first.number, first.title, first.kind) == (
        1,
        "Initial theory of change interviews",
        "initial",
    )
    assert (second.number, second.title, second.kind) == (2, "Return interviews", "return")
    assert first.planned_on == date(2026, 1, 12)
    assert 180 <= (second.planned_on - first.planned_on).days <= 186
    assert studies.members_of(db.session, project) == [(user, Role.OWNER)]

    page = _html(client.get(f"/studies/{project.id}"))
    assert "Initial theory of change interviews" in page and "Return interviews" in page
    assert "12 January 2026" in page


def test_creating_a_study_with_custom_groups(client, auth, make_user):
    user = make_user()
    auth.login(user)

    client.post(
        "/studies/new",
        data={"title": "College study", "groups": " Staff \nLearners\n\nstaff, Employers"},
    )

    assert _only_project_of(user).group_names == ["Staff", "Learners", "Employers"]


def test_a_study_without_title_is_refused_and_keeps_what_was_typed(client, auth, make_user):
    user = make_user()
    auth.login(user)

    response = client.post(
        "/studies/new", data={"title": "", "focus": "oracy in reception", "groups": "Staff"}
    )

    assert response.status_code == 400
    html = _html(response)
    assert "Enter a title for the study." in html
    assert 'value="oracy in reception"' in html
    assert studies.studies_for(db.session, user) == []


def test_get_of_the_new_study_page_creates_nothing(client, auth, make_user):
    user = make_user()
    auth.login(user)
    client.get("/studies/new")
    assert db.session.query(Project).count() == 0


# --- reading and editing ----------------------------------------------------------------------


def test_owner_sees_edit_actions_and_viewer_does_not(client, auth, make_user, make_project, join):
    owner, viewer = make_user(), make_user()
    project = make_project(owner=owner, focus="early reading", partner="Read On")
    join(project, viewer, Role.VIEWER)
    edit_url = f"/studies/{project.id}/edit"

    auth.login(owner)
    html = _html(client.get(f"/studies/{project.id}"))
    assert edit_url in html and f"/studies/{project.id}/settings/new" in html
    assert f"/studies/{project.id}/rounds/new" in html
    assert "early reading" in html and "Read On" in html
    assert f"/studies/{project.id}/members" in html and f"/studies/{project.id}/schedules" in html

    auth.logout()
    auth.login(viewer)
    html = _html(client.get(f"/studies/{project.id}"))
    assert "early reading" in html
    assert edit_url not in html and "/settings/new" not in html and "/rounds/new" not in html


def test_owner_edits_the_study_and_its_groups(client, auth, make_user, make_project):
    owner = make_user()
    project = make_project(owner=owner)
    auth.login(owner)
    assert "Staff\nChildren\nParents" in _html(client.get(f"/studies/{project.id}/edit"))

    response = client.post(
        f"/studies/{project.id}/edit",
        data={
            "title": "Renamed study",
            "focus": "oracy",
            "partner": "Voice 21",
            "intervention": "Coaching for teaching assistants",
            "groups": "Children\nStaff\nGovernors",
        },
    )

    assert response.status_code == 302
    db.session.expire_all()
    project = db.session.get(Project, project.id)
    assert (project.title, project.focus, project.partner) == ("Renamed study", "oracy", "Voice 21")
    assert project.group_names == ["Children", "Staff", "Governors"]


def test_the_smallest_staff_group_for_the_leadership_is_set_per_study(
    client, auth, make_user, make_project
):
    owner = make_user()
    project = make_project(owner=owner)
    auth.login(owner)
    assert 'name="min_group_size" type="number" value="3"' in _html(
        client.get(f"/studies/{project.id}/edit")
    )
    fields = {"title": "Study", "groups": "Staff", "min_group_size": "1"}
    refused = client.post(f"/studies/{project.id}/edit", data=fields)
    assert refused.status_code == 400 and "from 2 to 50" in _html(refused)
    assert (
        client.post(
            f"/studies/{project.id}/edit", data={**fields, "min_group_size": "5"}
        ).status_code
        == 302
    )
    db.session.expire_all()
    assert db.session.get(Project, project.id).min_group_size == 5


@pytest.mark.parametrize("role", [Role.VIEWER, Role.INTERVIEWER])
def test_non_owners_get_403_when_editing_the_study(
    client, auth, make_user, make_project, join, role
):
    member = make_user()
    project = make_project(title="Original")
    join(project, member, role)
    auth.login(member)

    assert client.get(f"/studies/{project.id}/edit").status_code == 403
    response = client.post(
        f"/studies/{project.id}/edit", data={"title": "Hijacked", "groups": "Staff"}
    )

    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(Project, project.id).title == "Original"


def test_removing_a_group_that_has_steps_is_refused_on_the_form(
    client, auth, make_user, make_project, make_setting
):
    owner = make_user()
    project = make_project(owner=owner)
    setting = make_setting(project=project)
    children = next(g for g in project.groups if g.name == "Children")
    version = flowcharts.current_version(db.session, setting)
    flowcharts.add_step(
        db.session, None, version, flowcharts.StepFields("situation", children.id, "Few words")
    )
    db.session.commit()
    auth.login(owner)

    response = client.post(
        f"/studies/{project.id}/edit",
        data={"title": "Changed title", "groups": "Staff\nParents\nGovernors"},
    )

    assert response.status_code == 400
    html = _html(response)
    assert "has steps on a flowchart, so it cannot be removed" in html
    assert 'id="groups-error"' in html  # beside the field, not only at the top
    assert "Staff\nParents\nGovernors" in html and 'value="Changed title"' in html
    db.session.expire_all()
    project = db.session.get(Project, project.id)
    assert project.group_names == ["Staff", "Children", "Parents"]
    assert project.title == "Coaching study"


# --- members ----------------------------------------------------------------------------------


def test_owner_adds_a_member_by_email_with_a_role(client, auth, make_user, make_project):
    owner = make_user(name="Ruth Evaluator")
    colleague = make_user(email="Sam.Jones@school.test", name="Sam Jones")
    project = make_project(owner=owner)
    auth.login(owner)

    response = client.post(
        f"/studies/{project.id}/members",
        data={"email": "  sam.jones@SCHOOL.test ", "role": "interviewer"},
    )

    assert response.status_code == 302
    assert (colleague, Role.INTERVIEWER) in studies.members_of(db.session, project)
    html = _html(client.get(f"/studies/{project.id}/members"))
    assert "Sam Jones" in html and "sam.jones@school.test" in html and "Interviewer" in html
    assert "is now an interviewer" in html


def test_adding_an_unknown_email_explains_and_keeps_the_address(
    client, auth, make_user, make_project
):
    owner = make_user()
    project = make_project(owner=owner)
    auth.login(owner)

    response = client.post(
        f"/studies/{project.id}/members", data={"email": "nobody@school.test", "role": "viewer"}
    )

    assert response.status_code == 400
    html = _html(response)
    assert "There is no account for nobody@school.test" in html
    assert 'value="nobody@school.test"' in html


def test_the_last_owner_cannot_step_down(client, auth, make_user, make_project):
    owner = make_user()
    project = make_project(owner=owner)
    auth.login(owner)

    response = client.post(
        f"/studies/{project.id}/members", data={"email": owner.email, "role": "viewer"}
    )

    assert response.status_code == 400
    assert "needs at least one owner" in _html(response)
    assert studies.members_of(db.session, project) == [(owner, Role.OWNER)]


def test_a_viewer_reads_the_members_but_cannot_add_one(client, auth, make_user, make_project, join):
    viewer, outsider = make_user(name="Vera Viewer"), make_user()
    project = make_project()
    join(project, viewer, Role.VIEWER)
    auth.login(viewer)

    html = _html(client.get(f"/studies/{project.id}/members"))
    assert "Vera Viewer" in html and 'name="email"' not in html
    response = client.post(
        f"/studies/{project.id}/members", data={"email": outsider.email, "role": "owner"}
    )
    assert response.status_code == 403
    assert db.session.query(Membership).filter_by(user_id=outsider.id).count() == 0


# --- interview schedules ----------------------------------------------------------------------


def test_schedules_page_lists_built_in_ones_with_focus_filled_in(
    client, auth, make_user, make_project
):
    owner = make_user()
    project = make_project(owner=owner, focus="speech and language development")
    auth.login(owner)

    html = _html(client.get(f"/studies/{project.id}/schedules"))

    assert "Theory of change interview (six questions)" in html
    assert "In terms of speech and language development what is the situation" in html
    assert "What role is CLARITY playing" in html
    assert "Built in" in html


def test_owner_adds_a_schedule_with_a_focus_placeholder(client, auth, make_user, make_project):
    owner = make_user()
    project = make_project(owner=owner, focus="oracy")
    auth.login(owner)
    form = _html(client.get(f"/studies/{project.id}/schedules/new"))
    assert "{focus}" in form and "{partner}" in form and "oracy" in form

    response = client.post(
        f"/studies/{project.id}/schedules/new",
        data={
            "name": "Governors' check-in",
            "description": "For a governor who visits.",
            "questions": "What have you seen of {focus}?\n\n  What would you ask {partner}?  \n",
        },
    )

    assert response.status_code == 302
    schedule = db.session.query(Schedule).filter_by(project_id=project.id).one()
    assert [q.text for q in schedule.questions] == [
        "What have you seen of {focus}?",
        "What would you ask {partner}?",
    ]
    html = _html(client.get(f"/studies/{project.id}/schedules"))
    assert "Governors&#39; check-in" in html and "What have you seen of oracy?" in html
    assert "This study&#39;s own" in html


def test_a_schedule_without_questions_is_refused(client, auth, make_user, make_project):
    owner = make_user()
    project = make_project(owner=owner)
    auth.login(owner)

    response = client.post(
        f"/studies/{project.id}/schedules/new", data={"name": "Empty", "questions": "\n \n"}
    )

    assert response.status_code == 400
    assert "question" in _html(response)
    assert db.session.query(Schedule).filter_by(project_id=project.id).count() == 0


def test_only_owners_add_schedules(client, auth, make_user, make_project, join):
    interviewer = make_user()
    project = make_project()
    join(project, interviewer, Role.INTERVIEWER)
    auth.login(interviewer)

    assert client.get(f"/studies/{project.id}/schedules").status_code == 200
    response = client.post(
        f"/studies/{project.id}/schedules/new", data={"name": "Mine", "questions": "Why?"}
    )
    assert response.status_code == 403


# --- hostile text and other people's studies --------------------------------------------------


def test_hostile_text_is_shown_literally(client, auth, make_user):
    user = make_user()
    auth.login(user)
    client.post(
        "/studies/new",
        data={
            "title": HOSTILE,
            "focus": HOSTILE,
            "intervention": HOSTILE,
            "groups": '<b>Staff</b> "quoted"\nمدرسة',
        },
    )
    project = _only_project_of(user)
    assert project.title == HOSTILE

    for url in ("/", f"/studies/{project.id}", f"/studies/{project.id}/edit"):
        html = _html(client.get(url))
        assert "&lt;script&gt;" in html, url
        assert "<script>alert" not in html, url
        assert "Ysgol Tŷ Ŵyn" in html and "مدرسة" in html and "🙂" in html, url
        assert "back\\slash" in html, url
    assert "&lt;b&gt;Staff&lt;/b&gt;" in _html(client.get(f"/studies/{project.id}"))


def test_a_non_member_gets_404_on_every_study_page(client, auth, make_user, make_project):
    project = make_project(title="Private study")
    auth.login(make_user())
    base = f"/studies/{project.id}"

    for url in (
        base,
        f"{base}/edit",
        f"{base}/members",
        f"{base}/schedules",
        f"{base}/schedules/new",
    ):
        assert client.get(url).status_code == 404, url
    for url in (f"{base}/edit", f"{base}/members", f"{base}/schedules/new"):
        response = client.post(url, data={"title": "x", "email": "a@b.c", "name": "x"})
        assert response.status_code == 404, url
    assert client.get("/studies/999999").status_code == 404
    assert "Private study" not in _html(client.get("/"))
