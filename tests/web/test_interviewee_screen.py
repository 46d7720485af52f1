"""The interviewee's screen: the same access as the voice page, nothing but this voice and the
leader's map (no names, no other voice, no round-1 quotes), and a revision key that changes
exactly when the screen would — read in the same few statements however big the voice is."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from tests.web.statements import statements_of
from tocapp.extensions import db
from tocapp.models.users import Role
from tocapp.services import flowcharts, interviews, studies, voices
from tocapp.services.flowcharts import StepFields

REAL_NAME = "Zebedee Quartermaine"
LEADER_QUOTE = "We are drowning in referrals"
OTHER_VOICE_NOTE = "What the teacher said, not for this screen"


@pytest.fixture
def screen(make_user, make_setting, make_participant, make_interview, auth) -> dict[str, Any]:
    """A frozen map of three steps, a teaching assistant's voice (one mark, one note) and a
    teacher's voice; the owner is logged in."""
    owner = make_user()
    setting = make_setting(project=_project(owner))
    head = make_participant(setting=setting, role_label="Headteacher", consent_quote=False)
    ta = make_participant(setting=setting, role_label="Teaching assistant", real_name=REAL_NAME)
    teacher = make_participant(setting=setting, role_label="Teacher")
    round_one = make_interview(participant=head, notes={1: LEADER_QUOTE + ", truly."})
    version = flowcharts.current_version(db.session, setting)
    staff = setting.project.groups[0].id
    answer = round_one.answers[0].id
    steps = [
        flowcharts.add_step(
            db.session,
            None,
            version,
            StepFields("situation", staff, "Few trained", answer, LEADER_QUOTE),
        ),
        flowcharts.add_step(db.session, None, version, StepFields("action", staff, "Coaching")),
        flowcharts.add_step(db.session, None, version, StepFields("outcome", staff, "Confident")),
    ]
    flowcharts.add_link(db.session, None, version, steps[0].id, steps[1].id)
    voice = _return_interview(setting, ta, "Teaching assistant")
    other = _return_interview(setting, teacher, "Teacher")
    voices.set_mark(db.session, None, voice, steps[1].id, "achieved")
    voices.add_note(db.session, None, voice, "It came at the right time", step_id=steps[1].id)
    voices.set_mark(db.session, None, other, steps[1].id, "elusive")
    voices.add_note(db.session, None, other, OTHER_VOICE_NOTE, step_id=steps[1].id)
    db.session.commit()
    auth.login(owner)
    base = f"/studies/{setting.project_id}/interviews"
    return {
        "owner": owner,
        "project": setting.project,
        "setting": setting,
        "steps": steps,
        "voice": voice,
        "other": other,
        "round_one": round_one,
        "url": f"{base}/{voice.id}/screen",
        "voice_url": f"{base}/{voice.id}/voice",
        "other_url": f"{base}/{other.id}/voice",
    }


def _project(owner):
    return studies.create_project(
        db.session,
        owner,
        studies.ProjectFields(title="Coaching study", focus="speech", partner="CLARITY"),
    )


def _return_interview(setting, participant, role_label):
    return voices.start_return_interview(
        db.session,
        None,
        setting,
        interviews.InterviewFields(
            setting.project.rounds[1].id,
            date(2026, 7, 1),
            "face-to-face",
            people=[(participant.id, role_label)],
        ),
    )


def _revision(client, screen) -> str:
    response = client.get(screen["url"] + "/state.json")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    return response.get_json()["revision"]


def test_the_screen_shows_this_voice_on_the_leader_s_map_and_nothing_else(client, screen):
    response = client.get(screen["url"])
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    assert "Teaching assistant (" in page  # the pseudonymised label
    assert "It came at the right time" in page  # this voice's note …
    assert "✓ Achieved" in page  # … and its mark, in the drawing and in words
    assert "The chart in words" in page and "Few trained" in page and "Confident" in page
    assert REAL_NAME not in page  # no real names
    assert OTHER_VOICE_NOTE not in page and "✗ Elusive" not in page  # no other voice
    assert LEADER_QUOTE not in page  # none of the leader's round-1 words
    assert screen["owner"].name not in page and "Log out" not in page  # no chrome, no interviewer
    assert "<form" not in page  # no controls
    assert 'style="' not in page and "<script>" not in page  # the CSP's rules: no inline code
    assert 'src="/static/js/interviewee-screen.js"' in page


def test_the_fragment_is_the_same_picture_with_its_own_revision(client, screen):
    response = client.get(screen["url"] + "/chart")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    fragment = response.get_data(as_text=True)
    assert f'data-revision="{_revision(client, screen)}"' in fragment
    assert "<html" not in fragment and "<svg" in fragment
    assert "It came at the right time" in fragment
    assert REAL_NAME not in fragment and OTHER_VOICE_NOTE not in fragment


def test_the_voice_page_links_to_its_screen(client, screen):
    page = client.get(screen["voice_url"]).get_data(as_text=True)
    assert f'href="{screen["url"]}"' in page


@pytest.mark.parametrize("suffix", ["", "/state.json", "/chart"])
def test_logged_out_the_screen_is_sent_to_the_login(client, auth, screen, suffix):
    auth.logout()
    response = client.get(screen["url"] + suffix)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("suffix", ["", "/state.json", "/chart"])
def test_not_found_for_a_non_member_another_study_s_url_and_a_round_one_interview(
    client, auth, make_user, make_project, screen, suffix
):
    project_id, voice_id = screen["project"].id, screen["voice"].id
    round_one = f"/studies/{project_id}/interviews/{screen['round_one'].id}/screen{suffix}"
    assert client.get(round_one).status_code == 404

    stranger = make_user()
    theirs = make_project(owner=stranger)
    auth.logout()
    auth.login(stranger)
    assert client.get(screen["url"] + suffix).status_code == 404
    # Their own study's id in the URL does not reach this study's interview either.
    assert (
        client.get(f"/studies/{theirs.id}/interviews/{voice_id}/screen{suffix}").status_code == 404
    )


@pytest.mark.parametrize("role", [Role.VIEWER, Role.INTERVIEWER])
def test_the_screen_needs_the_role_the_voice_page_needs(client, auth, make_user, screen, role):
    member = make_user()
    studies.add_member(db.session, screen["owner"], screen["project"], member.email, role)
    db.session.commit()
    auth.logout()
    auth.login(member)
    page_status = client.get(screen["voice_url"]).status_code
    assert page_status == 200  # any member of the study may read a voice's page …
    for suffix in ("", "/state.json", "/chart"):
        assert client.get(screen["url"] + suffix).status_code == page_status  # … and its screen


def test_the_revision_changes_when_a_mark_is_saved_and_not_otherwise(client, screen):
    first = _revision(client, screen)
    assert _revision(client, screen) == first
    for url in (screen["url"], screen["url"] + "/chart", screen["voice_url"]):
        client.get(url)
    assert _revision(client, screen) == first  # reading changes nothing

    steps = screen["steps"]
    other_mark = {"step_id": steps[0].id, "mark": "partly", "revision": 0}
    assert client.post(screen["other_url"] + "/marks", data=other_mark).status_code == 303
    assert _revision(client, screen) == first  # another voice's mark is not on this screen

    mark = {"step_id": steps[2].id, "mark": "partly", "revision": 0}
    assert client.post(screen["voice_url"] + "/marks", data=mark).status_code == 303
    marked = _revision(client, screen)
    assert marked != first
    assert "◐ Partly achieved" in client.get(screen["url"] + "/chart").get_data(as_text=True)

    changed = {"step_id": steps[2].id, "mark": "elusive", "revision": 1}
    assert client.post(screen["voice_url"] + "/marks", data=changed).status_code == 303
    remarked = _revision(client, screen)
    assert remarked not in (first, marked)

    assert client.post(screen["voice_url"] + "/undo").status_code == 303
    undone = _revision(client, screen)
    assert undone != remarked  # back to "partly", by a new revision of the mark
    assert "◐ Partly achieved" in client.get(screen["url"] + "/chart").get_data(as_text=True)

    note = {"text": "A second thought", "step_id": steps[0].id}
    assert client.post(screen["voice_url"] + "/notes", data=note).status_code == 303
    assert _revision(client, screen) != undone


def test_state_json_reads_the_same_few_statements_for_a_small_and_a_large_voice(client, screen):
    small, _ = statements_of(client, screen["url"] + "/state.json")

    voice, version = screen["voice"], screen["voice"].version
    staff = screen["project"].groups[0].id
    for n in range(12):
        step = voices.add_voice_step(
            db.session, None, voice, voices.VoiceStepFields("action", staff, f"Step {n}")
        )
        voices.set_mark(db.session, None, voice, step.id, "achieved")
        voices.add_note(db.session, None, voice, f"Note {n}", step_id=step.id)
    db.session.commit()
    assert len(version.steps) == 3  # the voice's steps are its own, not the map's

    large, sent = statements_of(client, screen["url"] + "/state.json")
    assert large == small, sent
    # BEGIN, the interview, its setting (which study), the user, the role, and the key itself.
    assert large <= 6, "\n".join(sent)
