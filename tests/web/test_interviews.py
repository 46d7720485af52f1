"""Recording a round-1 interview through the browser's forms: nothing typed is ever lost."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.conftest import PASSWORD
from tocapp.domain.schedules import COLLABORATION_DEFINITION, PAIRED_COLLABORATION_KEY
from tocapp.extensions import db
from tocapp.models import Interview, Schedule
from tocapp.models.users import Role
from tocapp.services import studies

TOC_QUESTIONS = [
    "In terms of speech and language development what is the situation you face in your setting?",
    "What do you believe needs to change?",
    "How will these changes be made? What role is CLARITY playing, and what actions will you take?",
    "What effect do you anticipate those actions will have?",
    "How will you know if change is happening?",
    # Question 6 names the study's own groups (the default ones here).
    "What will this be like for different members of your community (Staff, Children, Parents)?",
]
HOSTILE = "<script>alert('x')</script> \"quoted\" back\\slash 🌱 ŵ ŷ مرحبا"


def _html(response: Any) -> str:
    return response.get_data(as_text=True)


def _text(response: Any) -> str:
    """The page with entities decoded, to look for what a reader sees."""
    return html.unescape(_html(response))


@pytest.fixture
def study(make_user, make_project, make_setting, make_participant, auth):
    owner = make_user(name="Ann Evaluator")
    project = make_project(owner=owner)
    setting = make_setting(project=project, name="Oak Tree Nursery", code="N1")
    head = make_participant(setting=setting, role_label="Headteacher", real_name="Jo Bloggs")
    deputy = make_participant(setting=setting, role_label="Deputy headteacher", pseudonym="Sam")
    auth.login(owner)
    return {
        "owner": owner,
        "project": project,
        "setting": setting,
        "head": head,
        "deputy": deputy,
        "new_url": f"/studies/{project.id}/settings/{setting.id}/interviews/new",
    }


def _schedule(key: str) -> Schedule:
    return db.session.scalar(select(Schedule).where(Schedule.key == key))


def _form(study: dict[str, Any], **overrides: str) -> dict[str, str]:
    head = study["head"]
    data = {
        "round_id": str(study["project"].rounds[0].id),
        "held_on": "2026-01-20",
        "mode": "face-to-face",
        "interviewer": "Ann Evaluator",
        "schedule": str(_schedule("theory-of-change").id),
        "form_token": "token-1",
        f"person_{head.id}": "y",
        f"role_{head.id}": "Headteacher",
        "notes_1": "Many children arrive with little language.",
        "notes_3": "CLARITY trains staff;\nwe release two TAs.",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def _count_interviews() -> int:
    return db.session.scalar(select(func.count()).select_from(Interview))


def test_new_form_shows_the_six_questions_verbatim_with_focus_and_partner(client, study):
    response = client.get(study["new_url"])
    assert response.status_code == 200
    page = _text(response)
    for question in TOC_QUESTIONS:
        assert question in page
    for number in range(1, 7):
        assert f'name="notes_{number}"' in page
    assert 'name="notes_7"' not in page
    assert not re.search(r"<textarea[^>]*maxlength", page)  # a long paste is never cut short
    # Defaults: the interviewer is the user, the round is the first initial one.
    assert 'value="Ann Evaluator"' in page
    initial = study["project"].rounds[0]
    assert re.search(
        rf'<option selected value="{initial.id}">|<option value="{initial.id}" selected', page
    )
    # Every participant can be ticked, with their role label ready to keep or change.
    assert f'name="person_{study["head"].id}"' in page
    assert f'name="role_{study["deputy"].id}"' in page and 'value="Deputy headteacher"' in page
    assert "Jo Bloggs" in page  # interviewers see real names
    assert re.search(
        r'name="form_token"[^>]*value="[0-9a-f]{32}"|value="[0-9a-f]{32}"[^>]*name="form_token"',
        page,
    )


def test_question_six_names_the_studys_own_groups(
    client, auth, make_user, make_project, make_setting
):
    owner = make_user()
    project = make_project(owner=owner)
    studies.set_groups(project, ["Staff", "Learners", "Managers"])
    db.session.commit()
    setting = make_setting(project=project)
    auth.login(owner)
    client_page = _text(client.get(f"/studies/{project.id}/settings/{setting.id}/interviews/new"))
    asked = "What will this be like for different members of your community"
    assert f"{asked} (Staff, Learners, Managers)?" in client_page
    assert "children, staff, parents" not in client_page.lower()
    assert "{groups}" not in client_page


def test_recording_an_interview_keeps_details_people_and_notes(client, study):
    response = client.post(study["new_url"], data=_form(study))
    assert response.status_code == 303
    interview = db.session.scalar(select(Interview))
    assert response.headers["Location"].endswith(
        f"/studies/{study['project'].id}/interviews/{interview.id}"
    )
    assert interview.mode == "face-to-face"
    assert interview.interviewer == "Ann Evaluator"
    assert [p.role_label for p in interview.people] == ["Headteacher"]
    assert [a.question_text for a in interview.answers] == TOC_QUESTIONS
    assert interview.answers[2].notes == "CLARITY trains staff;\nwe release two TAs."

    page = _text(client.get(response.headers["Location"]))
    assert "Round 1 · N1 · Headteacher (N1-P01) · 20 Jan 2026" in page
    assert "CLARITY trains staff;\nwe release two TAs." in page
    assert TOC_QUESTIONS[0] in page
    assert "/edit" in page and "/flowchart/map" in page


def test_a_missing_participant_is_refused_and_the_notes_are_kept(client, study):
    head = study["head"]
    data = _form(study, notes_2="Staff need confidence & time <to talk>.")
    del data[f"person_{head.id}"]
    response = client.post(study["new_url"], data=data)
    assert response.status_code == 400
    page = _text(response)
    assert "Choose at least one participant." in page
    assert "Staff need confidence & time <to talk>." in page
    assert "Many children arrive with little language." in page
    assert "CLARITY trains staff;\nwe release two TAs." in page
    assert 'value="token-1"' in page  # the same form, so a later save is still recognised
    assert _count_interviews() == 0


def test_a_missing_date_is_refused_and_the_notes_are_kept(client, study):
    response = client.post(study["new_url"], data=_form(study, held_on=""))
    assert response.status_code == 400
    assert "Enter the date of the interview." in _text(response)
    assert "Many children arrive with little language." in _text(response)
    assert _count_interviews() == 0


def test_saving_the_same_form_twice_records_one_interview(client, study):
    first = client.post(study["new_url"], data=_form(study))
    second = client.post(study["new_url"], data=_form(study))
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    assert _count_interviews() == 1
    client.post(study["new_url"], data=_form(study, form_token="token-2"))
    assert _count_interviews() == 2


def test_a_paired_interview_keeps_both_people_and_their_role_labels_at_the_time(client, study):
    head, deputy = study["head"], study["deputy"]
    data = _form(
        study,
        **{
            f"person_{deputy.id}": "y",
            f"role_{deputy.id}": "Acting headteacher",
            f"role_{head.id}": "Executive headteacher",
        },
    )
    response = client.post(study["new_url"], data=data)
    assert response.status_code == 303
    interview = db.session.scalar(select(Interview))
    assert [(p.participant_id, p.role_label) for p in interview.people] == [
        (head.id, "Executive headteacher"),
        (deputy.id, "Acting headteacher"),
    ]
    # The participant's own label is unchanged: the interview keeps the label of that time.
    assert deputy.role_label == "Deputy headteacher"
    page = _text(client.get(response.headers["Location"]))
    assert (
        f"Executive headteacher ({head.reference}) & Acting headteacher, Sam ({deputy.reference})"
        in page
    )
    assert "Acting headteacher · Sam" in page


def test_the_paired_collaboration_schedule_shows_its_five_questions_and_the_definition(
    client, study
):
    paired = _schedule(PAIRED_COLLABORATION_KEY)
    response = client.get(study["new_url"] + f"?schedule={paired.id}")
    assert response.status_code == 200
    page = _text(response)
    for question in paired.questions:
        assert question.text in page
    assert 'name="notes_5"' in page and 'name="notes_6"' not in page
    assert COLLABORATION_DEFINITION in page
    assert TOC_QUESTIONS[0] not in page
    assert f'name="schedule" type="hidden" value="{paired.id}"' in page

    data = _form(study, schedule=str(paired.id), notes_3="Yes: united labour.")
    response = client.post(study["new_url"], data=data)
    assert response.status_code == 303
    interview = db.session.scalar(select(Interview))
    assert interview.schedule_id == paired.id
    assert len(interview.answers) == 5
    assert interview.answers[2].stimulus == COLLABORATION_DEFINITION
    shown = _text(client.get(response.headers["Location"]))
    assert COLLABORATION_DEFINITION in shown and "Yes: united labour." in shown


def test_an_unknown_schedule_is_not_found(client, study):
    assert client.get(study["new_url"] + "?schedule=9999").status_code == 404


def test_editing_changes_the_notes_but_not_the_questions(client, study, make_interview):
    interview = make_interview(participant=study["head"], notes={1: "First notes."})
    url = f"/studies/{study['project'].id}/interviews/{interview.id}/edit"
    page = _text(client.get(url))
    assert "First notes." in page
    assert TOC_QUESTIONS[1] in page
    opened = re.search(r'name="opened" type="hidden" value="([^"]+)"', _html(client.get(url)))[1]

    data = _form(study, opened=opened, notes_1="Revised notes.", mode="video", form_token="")
    response = client.post(url, data=data)
    assert response.status_code == 303
    db.session.refresh(interview)
    assert interview.answers[0].notes == "Revised notes."
    assert interview.answers[0].question_text == TOC_QUESTIONS[0]
    assert interview.mode == "video"


def test_a_stale_edit_keeps_the_users_text_and_says_it_changed(client, study, make_interview):
    interview = make_interview(participant=study["head"], notes={1: "Original."})
    url = f"/studies/{study['project'].id}/interviews/{interview.id}/edit"
    opened = re.search(r'name="opened" type="hidden" value="([^"]+)"', _html(client.get(url)))[1]

    # A colleague saves first.
    colleague = _form(study, opened=opened, notes_1="The colleague's notes.")
    assert client.post(url, data=colleague).status_code == 303

    mine = _form(study, opened=opened, notes_1="My careful notes.")
    response = client.post(url, data=mine)
    assert response.status_code == 409
    page = _text(response)
    assert "changed since you opened it" in page
    assert "My careful notes." in page
    assert "The colleague's notes." in page  # shown so it can be merged
    db.session.refresh(interview)
    assert interview.answers[0].notes == "The colleague's notes."

    # Saving again from the re-rendered form replaces the colleague's version on purpose.
    fresh = re.search(r'name="opened" type="hidden" value="([^"]+)"', _html(response))[1]
    assert fresh != opened
    again = client.post(url, data=_form(study, opened=fresh, notes_1="My careful notes."))
    assert again.status_code == 303
    db.session.refresh(interview)
    assert interview.answers[0].notes == "My careful notes."


def test_hostile_text_is_shown_literally(client, study):
    head = study["head"]
    data = _form(
        study, notes_1=HOSTILE, interviewer=HOSTILE[:100], **{f"role_{head.id}": "Head ŵ ŷ <b>"}
    )
    response = client.post(study["new_url"], data=data)
    assert response.status_code == 303
    for url in (response.headers["Location"], response.headers["Location"] + "/edit"):
        page = _html(client.get(url))
        assert "<script>alert" not in page
        assert "&lt;script&gt;alert(" in page
        assert "<b>" not in page
        assert HOSTILE in html.unescape(page)
        assert "Head ŵ ŷ <b>" in html.unescape(page)


def test_viewers_read_interviews_without_real_names_and_cannot_record(
    client, study, auth, make_user, make_interview
):
    interview = make_interview(participant=study["head"], notes={1: "Seen by viewers."})
    viewer = make_user()
    studies.add_member(db.session, None, study["project"], viewer.email, Role.VIEWER)
    db.session.commit()
    auth.logout()
    auth.login(viewer)
    show = client.get(f"/studies/{study['project'].id}/interviews/{interview.id}")
    assert show.status_code == 200
    assert "Seen by viewers." in _text(show)
    assert "Jo Bloggs" not in _text(show)
    assert "/edit" not in _html(show)
    edit_url = f"/studies/{study['project'].id}/interviews/{interview.id}/edit"
    assert client.get(study["new_url"]).status_code == 403
    assert client.post(study["new_url"], data=_form(study)).status_code == 403
    assert client.get(edit_url).status_code == 403
    assert client.post(edit_url, data=_form(study)).status_code == 403
    assert _count_interviews() == 1


def test_an_interview_is_not_found_through_another_studys_url(
    client, study, make_project, make_interview
):
    interview = make_interview(participant=study["head"])
    other = make_project(owner=study["owner"])
    assert client.get(f"/studies/{other.id}/interviews/{interview.id}").status_code == 404
    assert client.get(f"/studies/{other.id}/interviews/{interview.id}/edit").status_code == 404


class TestWithCsrf:
    """The new and edit forms carry their CSRF token, as in production."""

    @pytest.fixture
    def app_config(self, app_config: dict[str, Any]) -> dict[str, Any]:
        return {**app_config, "WTF_CSRF_ENABLED": True}

    @staticmethod
    def _token(page: str) -> str:
        form = page.split('class="interview-form"')[1]
        return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form)[1]

    def test_recording_and_editing_with_the_pages_tokens(
        self, client, make_user, make_setting, make_participant
    ):
        user = make_user()
        setting = make_setting()
        setting.project.memberships[0].user_id = user.id
        db.session.commit()
        head = make_participant(setting=setting)
        login = _html(client.get("/login"))
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', login)[1]
        client.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
        url = f"/studies/{setting.project_id}/settings/{setting.id}/interviews/new"
        data = {
            "round_id": str(setting.project.rounds[0].id),
            "held_on": "2026-01-20",
            "mode": "video",
            "schedule": str(_schedule("theory-of-change").id),
            f"person_{head.id}": "y",
            "notes_1": "With a token.",
        }
        assert client.post(url, data=data).status_code == 400  # no token
        assert _count_interviews() == 0
        response = client.post(
            url, data={**data, "csrf_token": self._token(_html(client.get(url)))}
        )
        assert response.status_code == 303
        edit_url = response.headers["Location"] + "/edit"
        page = _html(client.get(edit_url))
        opened = re.search(r'name="opened" type="hidden" value="([^"]+)"', page)[1]
        edited = {**data, "notes_1": "Edited.", "opened": opened, "csrf_token": self._token(page)}
        assert client.post(edit_url, data=edited).status_code == 303
        assert db.session.scalar(select(Interview)).answers[0].notes == "Edited."
