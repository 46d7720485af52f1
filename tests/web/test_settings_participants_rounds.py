"""Settings, participants and rounds of a study, through the web pages."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from tocapp.extensions import db
from tocapp.models import Participant, Project, Role, Round, Setting
from tocapp.services import rounds, studies

HOSTILE = '<script>alert("x")</script> back\\slash "quoted" 🙂 Ysgol Tŷ Ŵyn مدرسة'


@pytest.fixture
def join(session):
    def join(project: Project, user, role: Role) -> None:
        studies.add_member(session, None, project, user.email, role)
        session.commit()

    return join


@pytest.fixture
def owner_and_study(auth, make_user, make_project):
    """A logged-in owner and their study."""
    owner = make_user()
    project = make_project(owner=owner)
    auth.login(owner)
    return owner, project


def _html(response) -> str:
    return response.get_data(as_text=True)


def _settings_of(project_id: int) -> list[Setting]:
    db.session.expire_all()
    return list(db.session.get(Project, project_id).settings)


# --- settings ---------------------------------------------------------------------------------


def test_owner_adds_a_setting_and_it_appears_on_the_study_page(client, owner_and_study):
    _owner, project = owner_and_study

    response = client.post(
        f"/studies/{project.id}/settings/new",
        data={"name": "Hillside Nursery", "code": " nur ", "kind": "Nursery"},
    )

    [setting] = _settings_of(project.id)
    assert (setting.name, setting.code, setting.kind) == ("Hillside Nursery", "NUR", "Nursery")
    assert response.headers["Location"].endswith(f"/studies/{project.id}/settings/{setting.id}")
    html = _html(client.get(f"/studies/{project.id}"))
    assert "Hillside Nursery" in html and "<code>NUR</code>" in html
    assert f"/studies/{project.id}/settings/{setting.id}" in html


def test_a_duplicate_code_is_refused_and_the_typed_values_are_kept(
    client, owner_and_study, make_setting
):
    _owner, project = owner_and_study
    make_setting(project=project, code="PRI", name="Westfield Primary")

    response = client.post(
        f"/studies/{project.id}/settings/new",
        data={"name": "Eastfield Primary", "code": "pri", "kind": "Primary school"},
    )

    assert response.status_code == 400
    html = _html(response)
    assert "Another setting in this study already uses the code PRI." in html
    assert 'value="Eastfield Primary"' in html and 'value="pri"' in html
    assert 'value="Primary school"' in html
    assert [s.name for s in _settings_of(project.id)] == ["Westfield Primary"]


def test_a_code_with_spaces_inside_is_refused(client, owner_and_study):
    _owner, project = owner_and_study
    response = client.post(
        f"/studies/{project.id}/settings/new", data={"name": "A school", "code": "S 01"}
    )
    assert response.status_code == 400
    assert "letters, digits, - or _ only" in _html(response)
    assert _settings_of(project.id) == []


def test_owner_edits_a_setting_but_not_onto_another_code(client, owner_and_study, make_setting):
    _owner, project = owner_and_study
    make_setting(project=project, code="PRI")
    setting = make_setting(project=project, code="NUR", name="Old name")
    url = f"/studies/{project.id}/settings/{setting.id}/edit"
    assert 'value="Old name"' in _html(client.get(url))

    refused = client.post(url, data={"name": "New name", "code": "PRI", "kind": ""})
    assert refused.status_code == 400 and 'value="New name"' in _html(refused)
    saved = client.post(url, data={"name": "New name", "code": "NUR2", "kind": "Nursery"})

    assert saved.status_code == 302
    db.session.expire_all()
    setting = db.session.get(Setting, setting.id)
    assert (setting.name, setting.code, setting.kind) == ("New name", "NUR2", "Nursery")


def test_setting_page_links_to_interviews_and_flowchart_by_role(
    client, auth, make_user, make_project, make_setting, join
):
    owner, viewer = make_user(), make_user()
    project = make_project(owner=owner)
    setting = make_setting(project=project, name="Hillside", code="HIL", kind="Nursery")
    join(project, viewer, Role.VIEWER)
    base = f"/studies/{project.id}/settings/{setting.id}"

    auth.login(owner)
    html = _html(client.get(base))
    assert "Hillside" in html and "HIL" in html and "Nursery" in html
    assert f'href="{base}/flowchart"' in html and "Flowchart" in html
    assert f'href="{base}/flowchart/map"' in html and "Map the flowchart" in html
    assert f'href="{base}/interviews/new"' in html and "Record an interview" in html
    assert f'href="{base}/edit"' in html

    auth.logout()
    auth.login(viewer)
    html = _html(client.get(base))
    assert f'href="{base}/flowchart"' in html
    assert "/flowchart/map" not in html and "/interviews/new" not in html
    assert f'href="{base}/edit"' not in html


def test_setting_page_lists_its_interviews(
    client, auth, make_user, make_project, make_setting, make_participant, make_interview
):
    owner = make_user()
    project = make_project(owner=owner)
    setting = make_setting(project=project)
    person = make_participant(setting=setting, role_label="Nursery headteacher")
    interview = make_interview(participant=person, held_on=date(2026, 1, 20))
    auth.login(owner)

    html = _html(client.get(f"/studies/{project.id}/settings/{setting.id}"))

    assert f'href="/studies/{project.id}/interviews/{interview.id}"' in html
    assert "20 January 2026" in html and "Nursery headteacher" in html
    assert "Initial theory of change interviews" in html and "Face-to-face" in html


@pytest.mark.parametrize("role", [Role.VIEWER, Role.INTERVIEWER])
def test_only_owners_add_or_edit_settings(
    client, auth, make_user, make_project, make_setting, join, role
):
    member = make_user()
    project = make_project()
    setting = make_setting(project=project, name="Unchanged")
    join(project, member, role)
    auth.login(member)

    new = client.post(f"/studies/{project.id}/settings/new", data={"name": "X", "code": "X"})
    edit = client.post(
        f"/studies/{project.id}/settings/{setting.id}/edit", data={"name": "X", "code": "X"}
    )

    assert (new.status_code, edit.status_code) == (403, 403)
    assert [s.name for s in _settings_of(project.id)] == ["Unchanged"]


# --- participants -----------------------------------------------------------------------------


def test_a_participant_is_added_with_consent_flags_and_date(client, owner_and_study, make_setting):
    _owner, project = owner_and_study
    setting = make_setting(project=project)

    response = client.post(
        f"/studies/{project.id}/settings/{setting.id}/participants/new",
        data={
            "role_label": "Teaching assistant",
            "perspective": "practice",
            "pseudonym": "TA 1",
            "real_name": "Jo Bloggs",
            "consent_participate": "y",
            "consent_quote": "y",
            "consent_date": "2026-01-05",
        },
    )

    assert response.headers["Location"].endswith(f"/settings/{setting.id}")
    [person] = db.session.query(Participant).filter_by(setting_id=setting.id).all()
    assert (person.role_label, person.pseudonym, person.real_name) == (
        "Teaching assistant",
        "TA 1",
        "Jo Bloggs",
    )
    assert (person.consent_participate, person.consent_record, person.consent_quote) == (
        True,
        False,
        True,
    )
    assert person.consent_date == date(2026, 1, 5)
    html = _html(client.get(f"/studies/{project.id}/settings/{setting.id}"))
    assert "TA 1" in html and "5 January 2026" in html
    assert html.count("</span>Yes</span>") == 2 and html.count("</span>No</span>") == 1
    assert person.perspective == "practice"
    assert person.reference == f"{setting.code}-P01" and person.reference in html


def test_perspective_is_asked_for_never_guessed(client, owner_and_study, make_setting):
    """No perspective chosen: the form says so plainly and keeps everything typed."""
    _owner, project = owner_and_study
    setting = make_setting(project=project)
    response = client.post(
        f"/studies/{project.id}/settings/{setting.id}/participants/new",
        data={"role_label": "Strategic enabler", "pseudonym": "SE ŵ"},
    )
    assert response.status_code == 400
    html = _html(response)
    assert "speaks for leadership or from practice" in html
    assert 'value="Strategic enabler"' in html and 'value="SE ŵ"' in html
    assert db.session.query(Participant).count() == 0
    client.post(
        f"/studies/{project.id}/settings/{setting.id}/participants/new",
        data={"role_label": "Evaluator", "perspective": "not interviewed"},
    )
    client.post(
        f"/studies/{project.id}/settings/{setting.id}/participants/new",
        data={"role_label": "Strategic enabler", "perspective": "leadership"},
    )
    people = db.session.query(Participant).order_by(Participant.id).all()
    assert [(p.reference, p.perspective) for p in people] == [
        (f"{setting.code}-P01", "not interviewed"),
        (f"{setting.code}-P02", "leadership"),
    ]


def test_consent_without_a_date_is_refused_and_the_form_kept(client, owner_and_study, make_setting):
    _owner, project = owner_and_study
    setting = make_setting(project=project)

    response = client.post(
        f"/studies/{project.id}/settings/{setting.id}/participants/new",
        data={
            "role_label": "Teacher",
            "perspective": "practice",
            "pseudonym": "Teacher B",
            "consent_record": "y",
        },
    )

    assert response.status_code == 400
    html = _html(response)
    assert "Give the date consent was given." in html
    assert 'value="Teacher B"' in html
    assert re.search(r'<input checked[^>]*name="consent_record"', html)
    assert not re.search(r'<input checked[^>]*name="consent_quote"', html)
    assert db.session.query(Participant).count() == 0


def test_a_consent_date_in_the_future_is_refused(client, owner_and_study, make_setting):
    _owner, project = owner_and_study
    setting = make_setting(project=project)
    tomorrow = (date.today() + timedelta(days=1)).isoformat()

    response = client.post(
        f"/studies/{project.id}/settings/{setting.id}/participants/new",
        data={
            "role_label": "Teacher",
            "perspective": "practice",
            "consent_participate": "y",
            "consent_date": tomorrow,
        },
    )

    assert response.status_code == 400
    assert "cannot be in the future" in _html(response)


def test_real_names_are_hidden_from_a_viewer_and_shown_to_the_owner(
    client, auth, make_user, make_project, make_setting, make_participant, join
):
    owner, viewer, interviewer = make_user(), make_user(), make_user()
    project = make_project(owner=owner)
    setting = make_setting(project=project)
    make_participant(setting=setting, role_label="Headteacher", real_name="Margaret Okafor")
    join(project, viewer, Role.VIEWER)
    join(project, interviewer, Role.INTERVIEWER)
    url = f"/studies/{project.id}/settings/{setting.id}"

    for user, sees in ((owner, True), (interviewer, True), (viewer, False)):
        auth.login(user)
        html = _html(client.get(url))
        assert "Headteacher" in html
        assert ("Margaret Okafor" in html) is sees, user
        assert ('<th scope="col">Real name</th>' in html) is sees, user
        auth.logout()


def test_an_interviewer_adds_and_edits_participants_but_a_viewer_cannot(
    client, auth, make_user, make_project, make_setting, make_participant, join
):
    interviewer, viewer = make_user(), make_user()
    project = make_project()
    setting = make_setting(project=project)
    person = make_participant(
        setting=setting, role_label="Teacher", consent_record=True, consent_date=date(2026, 1, 2)
    )
    join(project, interviewer, Role.INTERVIEWER)
    join(project, viewer, Role.VIEWER)
    new_url = f"/studies/{project.id}/settings/{setting.id}/participants/new"
    edit_url = f"/studies/{project.id}/participants/{person.id}/edit"

    auth.login(viewer)
    assert client.get(new_url).status_code == 403
    assert client.post(edit_url, data={"role_label": "Hijacked"}).status_code == 403
    auth.logout()

    auth.login(interviewer)
    assert 'value="Teacher"' in _html(client.get(edit_url))
    added = client.post(new_url, data={"role_label": "SENCO", "perspective": "practice"})
    # Unticked boxes are absent from the form: consent to recording is withdrawn.
    edited = client.post(
        edit_url,
        data={
            "role_label": "Class teacher",
            "consent_participate": "y",
            "consent_date": "2026-02-03",
        },
    )

    assert (added.status_code, edited.status_code) == (302, 302)
    db.session.expire_all()
    person = db.session.get(Participant, person.id)
    assert person.role_label == "Class teacher"
    assert (person.consent_participate, person.consent_record) == (True, False)
    assert person.consent_date == date(2026, 2, 3)
    assert {p.role_label for p in db.session.get(Setting, setting.id).participants} == {
        "Class teacher",
        "SENCO",
    }


def test_hostile_participant_and_setting_text_is_shown_literally(
    client, owner_and_study, make_setting
):
    _owner, project = owner_and_study
    client.post(
        f"/studies/{project.id}/settings/new",
        data={"name": HOSTILE, "code": "H1", "kind": HOSTILE[:100]},
    )
    [setting] = _settings_of(project.id)
    client.post(
        f"/studies/{project.id}/settings/{setting.id}/participants/new",
        data={
            "role_label": HOSTILE[:120],
            "perspective": "practice",
            "pseudonym": HOSTILE[:120],
            "real_name": "Tŷ",
        },
    )
    person = db.session.query(Participant).one()
    assert person.pseudonym == HOSTILE[:120]

    for url in (
        f"/studies/{project.id}",
        f"/studies/{project.id}/settings/{setting.id}",
        f"/studies/{project.id}/settings/{setting.id}/edit",
        f"/studies/{project.id}/participants/{person.id}/edit",
    ):
        html = _html(client.get(url))
        assert "&lt;script&gt;" in html, url
        assert "<script>alert" not in html, url
        assert "Ysgol Tŷ Ŵyn" in html and "مدرسة" in html and "🙂" in html, url


# --- rounds -----------------------------------------------------------------------------------


def test_owner_adds_round_three_suggested_six_months_after_round_two(client, owner_and_study):
    _owner, project = owner_and_study
    round_two = project.rounds[1].planned_on
    suggested = round_two + timedelta(days=rounds.RETURN_INTERVAL_DAYS)

    form = _html(client.get(f"/studies/{project.id}/rounds/new"))
    assert "Add round 3" in form and f'value="{suggested.isoformat()}"' in form

    response = client.post(
        f"/studies/{project.id}/rounds/new",
        data={"title": "Second return interviews", "kind": "return", "planned_on": "2027-06-01"},
    )

    assert response.status_code == 302
    db.session.expire_all()
    study_rounds = db.session.get(Project, project.id).rounds
    assert [(r.number, r.title) for r in study_rounds] == [
        (1, "Initial theory of change interviews"),
        (2, "Return interviews"),
        (3, "Second return interviews"),
    ]
    assert study_rounds[2].planned_on == date(2027, 6, 1)
    html = _html(client.get(f"/studies/{project.id}"))
    assert "Second return interviews" in html and "1 June 2027" in html


def test_owner_edits_a_round(client, owner_and_study):
    _owner, project = owner_and_study
    round_two = project.rounds[1]

    response = client.post(
        f"/studies/{project.id}/rounds/{round_two.id}/edit",
        data={"title": "Return interviews (summer)", "kind": "return", "planned_on": ""},
    )

    assert response.status_code == 302
    db.session.expire_all()
    round_two = db.session.get(Round, round_two.id)
    assert (round_two.number, round_two.title, round_two.planned_on) == (
        2,
        "Return interviews (summer)",
        None,
    )


def test_a_round_of_an_unknown_kind_is_refused(client, owner_and_study):
    _owner, project = owner_and_study
    response = client.post(
        f"/studies/{project.id}/rounds/new", data={"title": "Odd", "kind": "graded"}
    )
    assert response.status_code == 400
    assert 'value="Odd"' in _html(response)
    db.session.expire_all()
    assert len(db.session.get(Project, project.id).rounds) == 2


def test_a_viewer_cannot_add_or_edit_rounds(client, auth, make_user, make_project, join):
    viewer = make_user()
    project = make_project()
    join(project, viewer, Role.VIEWER)
    auth.login(viewer)

    assert client.post(f"/studies/{project.id}/rounds/new", data={"title": "R3"}).status_code == 403
    edit = client.post(
        f"/studies/{project.id}/rounds/{project.rounds[0].id}/edit",
        data={"title": "Changed", "kind": "initial"},
    )
    assert edit.status_code == 403


# --- other people's studies -------------------------------------------------------------------


def test_a_non_member_gets_404_on_setting_participant_and_round_urls(
    client, auth, make_user, make_project, make_setting, make_participant
):
    project = make_project()
    setting = make_setting(project=project)
    person = make_participant(setting=setting)
    base = f"/studies/{project.id}"
    urls = [
        f"{base}/settings/new",
        f"{base}/settings/{setting.id}",
        f"{base}/settings/{setting.id}/edit",
        f"{base}/settings/{setting.id}/participants/new",
        f"{base}/participants/{person.id}/edit",
        f"{base}/rounds/new",
        f"{base}/rounds/{project.rounds[0].id}/edit",
    ]
    auth.login(make_user())

    for url in urls:
        assert client.get(url).status_code == 404, url
        if not url.endswith(f"/settings/{setting.id}"):
            data = {"name": "x", "code": "X", "title": "x", "role_label": "x"}
            assert client.post(url, data=data).status_code == 404, url


def test_an_object_of_another_study_is_404_under_this_studys_url(
    client, owner_and_study, make_project, make_setting, make_participant
):
    owner, mine = owner_and_study
    other = make_project(owner=owner)  # the same owner: membership alone must not be enough
    setting = make_setting(project=other)
    person = make_participant(setting=setting)
    base = f"/studies/{mine.id}"

    for url in (
        f"{base}/settings/{setting.id}",
        f"{base}/settings/{setting.id}/edit",
        f"{base}/settings/{setting.id}/participants/new",
        f"{base}/participants/{person.id}/edit",
        f"{base}/rounds/{other.rounds[0].id}/edit",
    ):
        assert client.get(url).status_code == 404, url
