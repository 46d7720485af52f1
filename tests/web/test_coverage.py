"""Coverage: per round and setting, who has been interviewed and which roles are not yet heard."""

from __future__ import annotations

import html
import re
from datetime import date
from typing import Any

import pytest

from tests.web.statements import statements_of
from tocapp.extensions import db
from tocapp.models import Project
from tocapp.models.users import Role
from tocapp.services import participants, studies
from tocapp.services.demo import load_demo_study


def _text(response: Any) -> str:
    return html.unescape(response.get_data(as_text=True))


def _words(fragment: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", fragment)).strip()


def _round(page: str, number: int) -> str:
    """One round's section of the page."""
    return page.split(f'id="round-{number}"')[1].split("</section>")[0]


def _rows(section: str) -> dict[str, str]:
    """Each participant's row as words, by the participant's label (the row header)."""
    rows = {}
    for row in re.findall(r"<tr>(.*?)</tr>", section.split("<tbody>", 1)[-1], re.S):
        label = re.search(r'<th scope="row"[^>]*><span dir="auto">(.*?)</span>', row, re.S)
        if label:
            rows[_words(label.group(1))] = _words(row)
    return rows


def _roles_not_heard(section: str) -> dict[str, str]:
    """The "roles not yet heard" line of each setting, by setting code."""
    listing = section.split("Roles not yet heard")[1]
    lines = re.findall(r"<li>(.*?)</li>", listing, re.S)
    return {_words(line).split(" ")[0]: _words(line) for line in lines}


@pytest.fixture
def demo_page(client):
    login = load_demo_study(db.session)
    db.session.commit()
    client.post("/login", data={"email": login.email, "password": login.password})
    url = f"/studies/{login.project_id}/coverage"
    response = client.get(url)
    assert response.status_code == 200
    return {"page": _text(response), "url": url, "project_id": login.project_id}


def test_round_2_of_the_demo_shows_the_nursery_teacher_not_yet_interviewed(demo_page):
    section = _round(demo_page["page"], 2)
    rows = _rows(section)
    assert "Not yet" in rows["Nursery teacher"] and "Interviewed" not in rows["Nursery teacher"]
    for heard, on in [
        ("Nursery headteacher", "22 July 2015"),
        ("Nursery teaching assistant", "21 July 2015"),
        ("Primary teacher", "23 July 2015"),
        ("Primary headteacher", "24 July 2015"),
        ("Primary teaching assistant", "27 July 2015"),
    ]:
        assert f"Interviewed on {on}" in rows[heard], heard
    assert "5 of 6 participants interviewed" in _words(section)
    roles = _roles_not_heard(section)
    assert roles["NUR"] == "NUR Nursery school: Teacher."
    assert roles["PRI"] == "PRI Primary school: ✓ every role has been heard."


def test_a_repeat_view_reads_no_one_and_shows_the_same_page(client, demo_page):
    """The page is kept as HTML under the study's revision: a second view reads no participant
    or interview, and is the same page."""
    count, sent = statements_of(client, demo_page["url"])
    assert not [s for s in sent if "participants" in s or "interviews" in s], sent
    assert count <= 6, sent
    assert _text(client.get(demo_page["url"])) == demo_page["page"]


def test_a_change_in_the_study_is_seen_at_once(client, demo_page):
    project = db.session.get(Project, demo_page["project_id"])
    nursery = next(s for s in project.settings if s.code == "NUR")
    fields = participants.ParticipantFields(
        "Cook", "practice", pseudonym="Nursery cook", consent_participate=True
    )
    participants.add_participant(db.session, None, nursery, fields)
    db.session.commit()
    section = _round(_text(client.get(demo_page["url"])), 2)
    assert "Not yet" in _rows(section)["Nursery cook"]
    assert _roles_not_heard(section)["NUR"] == "NUR Nursery school: Cook, Teacher."


def test_an_unknown_or_impossible_setting_is_not_found(client, demo_page):
    for wanted in ("999999", "99999999999999999999", "0", "-3"):
        response = client.get(f"{demo_page['url']}?setting={wanted}")
        assert response.status_code == 404, wanted


def test_round_1_of_the_demo_heard_only_the_headteachers(demo_page):
    section = _round(demo_page["page"], 1)
    rows = _rows(section)
    assert [label for label, words in rows.items() if "Interviewed" in words] == [
        "Nursery headteacher",
        "Primary headteacher",
    ]
    roles = _roles_not_heard(section)
    assert roles["NUR"] == "NUR Nursery school: Teacher, Teaching assistant."
    assert "only each setting's leaders are interviewed" in _words(section)


def test_status_is_said_in_words_with_a_symbol_hidden_from_screen_readers(demo_page):
    section = _round(demo_page["page"], 2)
    assert '<span class="heard-icon" aria-hidden="true">○</span> Not yet' in section
    assert '<span class="heard-icon" aria-hidden="true">✓</span> Interviewed' in section
    assert re.search(r'<th scope="rowgroup" rowspan="3">', section)
    assert "<caption>Round 2: who has been interviewed, by setting</caption>" in section


def test_the_study_page_links_to_coverage(client, demo_page):
    page = _text(client.get(f"/studies/{demo_page['project_id']}"))
    assert f'href="{demo_page["url"]}"' in page
    assert "Who has been interviewed in each round" in page


@pytest.fixture
def two_teachers(make_user, make_project, make_setting, make_participant, make_interview, auth):
    """Two teachers with no pseudonym (the same label); only the first has been interviewed."""
    owner = make_user()
    project = make_project(owner=owner)
    setting = make_setting(project=project, code="HIL", name="Hill Primary")
    first = make_participant(setting=setting, role_label="Teacher", real_name="Ann Real")
    make_participant(setting=setting, role_label="Teacher", real_name="Ben Real")
    make_interview(participant=first, held_on=date(2026, 2, 3))
    auth.login(owner)
    return {"project": project, "url": f"/studies/{project.id}/coverage"}


def test_people_with_the_same_label_are_told_apart(client, two_teachers):
    section = _round(_text(client.get(two_teachers["url"])), 1)
    rows = re.findall(r"<tr>(.*?)</tr>", section.split("<tbody>", 1)[1], re.S)
    words = [_words(row) for row in rows]
    assert len(words) == 2
    assert "Interviewed on 3 February 2026" in words[0]
    assert "Not yet" in words[1]
    # The role is heard through the first teacher.
    assert _roles_not_heard(section)["HIL"] == "HIL Hill Primary: ✓ every role has been heard."


def test_coverage_never_shows_real_names_and_a_viewer_may_read_it(
    client, auth, make_user, two_teachers
):
    viewer = make_user()
    studies.add_member(db.session, None, two_teachers["project"], viewer.email, Role.VIEWER)
    db.session.commit()
    auth.logout()
    auth.login(viewer)
    response = client.get(two_teachers["url"])
    assert response.status_code == 200
    page = _text(response)
    assert "Ann Real" not in page and "Ben Real" not in page


def test_a_heard_participant_counts_in_the_role_they_held_then(
    client, auth, make_user, make_project, make_setting, make_participant, make_interview
):
    owner = make_user()
    project = make_project(owner=owner)
    setting = make_setting(project=project, code="ACT")
    person = make_participant(setting=setting, role_label="Headteacher", pseudonym="<b>Head</b>")
    make_interview(participant=person, people=[(person.id, "Acting headteacher")])
    auth.login(owner)
    raw = client.get(f"/studies/{project.id}/coverage").get_data(as_text=True)
    section = _round(raw, 1)
    assert '<th scope="row"><span dir="auto">&lt;b&gt;Head&lt;/b&gt;</span>' in section
    assert '<td dir="auto">Acting headteacher</td>' in section
    assert "every role has been heard" in _roles_not_heard(section)["ACT"]


def test_a_study_without_settings_says_so(client, auth, make_user, make_project):
    owner = make_user()
    project: Project = make_project(owner=owner)
    auth.login(owner)
    page = _words(_text(client.get(f"/studies/{project.id}/coverage")))
    assert "This study has no settings yet" in page
