"""The voice page's saves sent by htmx (header HX-Request): each action is answered with the
parts of the page it changed — never the whole page — and what was saved for the live region;
a refused save with its own form, message and words; the same POST without the header still
redirects (or shows the whole page with the error). Another study's voice is still a 404."""

from __future__ import annotations

import html
import json
import re

import pytest
from sqlalchemy import func, select

from tests.web import test_voices
from tests.web.test_voices import _mark
from tocapp.extensions import db
from tocapp.models import Link, Step, StepMark, VoiceNote

# The voice pages' own fixtures: a setting with a mapped chart, and a teaching assistant's voice.
setting_with_map = test_voices.setting_with_map
ta_voice = test_voices.ta_voice

LIVE = {"HX-Request": "true"}


def _said(response) -> str:
    return json.loads(response.headers["HX-Trigger"])["voice-saved"]["message"]


def _swapped(response) -> list[str]:
    """The ids of the parts swapped out of band, in order."""
    return re.findall(r'id="([^"]+)"[^>]*hx-swap-oob="true"', response.get_data(as_text=True))


def _assert_fragment(response) -> str:
    body = html.unescape(response.get_data(as_text=True))
    assert "<html" not in body and "<body" not in body and "site-header" not in body
    assert "<h1" not in body and "breadcrumb" not in body
    return body


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_mark_answers_the_drawing_and_the_steps_state(client, ta_voice):
    step = ta_voice["steps"][1]
    data = {"step_id": str(step.id), "mark": "achieved", "revision": "0"}
    response = client.post(ta_voice["url"] + "/marks", data=data, headers=LIVE)
    assert response.status_code == 200
    body = _assert_fragment(response)
    assert body.lstrip().startswith('<figure id="flowchart-figure"')
    assert "✓ Achieved" in body.split("</figure>")[0]  # the drawing shows the new mark
    assert _swapped(response) == [f"step-state-{step.id}", "undo-form"]
    state = body.split(f'id="step-state-{step.id}"')[1].split("</fieldset>")[0]
    assert re.search(rf'id="mark-{step.id}-achieved"[^>]*\s+aria-pressed="true"', state)
    assert re.search(rf'id="mark-{step.id}-none"[^>]*\s+aria-pressed="false"', state)
    assert _said(response) == "✓ Achieved saved for A1"
    assert db.session.scalar(select(StepMark.mark)) == "achieved"
    assert len(body) < 60_000  # a fragment: the step list is not sent again

    plain = _mark(client, ta_voice, step, "elusive")
    assert plain.status_code == 303 and plain.headers["Location"].endswith(f"#voice-step-{step.id}")
    assert "HX-Trigger" not in plain.headers


def test_clearing_a_mark_says_so(client, ta_voice):
    step = ta_voice["steps"][0]
    _mark(client, ta_voice, step, "partly")
    response = client.post(
        ta_voice["url"] + "/marks", data={"step_id": str(step.id), "mark": ""}, headers=LIVE
    )
    assert response.status_code == 200
    assert _said(response) == "Mark cleared for S1: not discussed"
    assert _count(StepMark) == 0


def test_a_note_answers_its_steps_notes_and_the_list_of_notes(client, ta_voice):
    step = ta_voice["steps"][2]
    response = client.post(
        ta_voice["url"] + "/notes",
        data={"text": "They say it helped", "step_id": str(step.id)},
        headers=LIVE,
    )
    assert response.status_code == 200
    body = _assert_fragment(response)
    assert _swapped(response) == [f"step-notes-{step.id}", "notes-list", "undo-form"]
    assert _said(response) == "Note 1 saved on O1"
    assert "They say it helped" in body.split(f'id="step-notes-{step.id}"')[1]
    assert "Note 1" in body.split("</figure>")[0]

    thread = client.post(ta_voice["url"] + "/notes", data={"text": "A thread"}, headers=LIVE)
    assert thread.status_code == 200 and _said(thread) == "Note 2 saved"
    assert _swapped(thread) == ["notes-list", "undo-form"]

    plain = client.post(ta_voice["url"] + "/notes", data={"text": "Plain", "step_id": str(step.id)})
    assert plain.status_code == 303 and plain.headers["Location"].endswith(f"#voice-step-{step.id}")
    assert _count(VoiceNote) == 3


def test_an_empty_note_answers_its_own_box_with_the_message(client, ta_voice):
    step = ta_voice["steps"][0]
    response = client.post(
        ta_voice["url"] + "/notes",
        data={"text": "   ", "step_id": str(step.id), "verbatim": "y"},
        headers=LIVE,
    )
    assert response.status_code == 400
    assert response.headers["HX-Retarget"] == f"#step-note-{step.id}"
    assert response.headers["HX-Reswap"] == "outerHTML"
    body = _assert_fragment(response)
    assert body.lstrip().startswith(f'<details class="step-note" id="step-note-{step.id}" open>')
    assert 'role="alert"' in body and "A note needs some text" in body
    assert "checked" in body  # what was ticked is kept
    assert "HX-Trigger" not in response.headers
    assert _count(VoiceNote) == 0

    long_words = "Wrth gwrs " * 450
    response = client.post(
        ta_voice["url"] + "/notes", data={"text": long_words, "step_id": str(step.id)}, headers=LIVE
    )
    assert response.status_code == 400 and long_words.strip() in html.unescape(response.text)

    thread = client.post(ta_voice["url"] + "/notes", data={"text": ""}, headers=LIVE)
    assert thread.status_code == 400 and thread.headers["HX-Retarget"] == "#thread-form"

    plain = client.post(ta_voice["url"] + "/notes", data={"text": "", "step_id": str(step.id)})
    assert plain.status_code == 400 and "<h1" in plain.get_data(as_text=True)


def test_an_arrow_answers_the_arrows_and_a_fresh_form(client, ta_voice):
    a, _, c = ta_voice["steps"]
    data = {"arrow-source_id": str(a.id), "arrow-target_id": str(c.id), "arrow-note": "Because"}
    response = client.post(ta_voice["url"] + "/arrows", data=data, headers=LIVE)
    assert response.status_code == 200
    body = _assert_fragment(response)
    assert _swapped(response) == ["arrows-list", "arrow-form", "undo-form"]
    assert _said(response) == "Arrow 1 saved: S1 → O1"
    assert "Because" in body.split('id="arrows-list"')[1].split('id="arrow-form"')[0]
    fresh = body.split('id="arrow-form"')[1].split("</form>")[0]
    assert "Because" not in fresh  # the form starts again after a save
    assert re.search(rf'<option selected value="{ta_voice["steps"][1].id}"', fresh) or re.search(
        rf'value="{ta_voice["steps"][1].id}" selected', fresh
    )

    again = client.post(ta_voice["url"] + "/arrows", data=data, headers=LIVE)
    assert again.status_code == 400 and again.headers["HX-Retarget"] == "#arrow-form"
    assert "Because" in html.unescape(again.get_data(as_text=True))

    plain = client.post(
        ta_voice["url"] + "/arrows",
        data={"arrow-source_id": str(c.id), "arrow-target_id": str(a.id)},
    )
    assert plain.status_code == 303 and plain.headers["Location"].endswith("#new-arrows")
    assert db.session.scalar(select(func.count()).where(Link.interview_id.is_not(None))) == 2


def test_a_new_step_answers_the_whole_renumbered_list(client, ta_voice):
    staff = ta_voice["setting"].project.groups[0].id
    data = {"newstep-theme": "situation", "newstep-group_id": str(staff), "newstep-text": "Early"}
    response = client.post(ta_voice["url"] + "/steps", data=data, headers=LIVE)
    assert response.status_code == 200
    body = _assert_fragment(response)
    assert _swapped(response) == [
        "voice-steps",
        "arrows-list",
        "arrow-form",
        "notes-list",
        "undo-form",
        "new-step-form",
    ]
    added = db.session.scalar(select(Step).where(Step.text == "Early"))
    assert _said(response) == "Step S2 added at this interview"
    assert f'id="voice-step-{added.id}"' in body
    assert "Early" not in body.split('id="new-step-form"')[1]  # the form starts again

    refused = client.post(
        ta_voice["url"] + "/steps", data={**data, "newstep-theme": "dreams"}, headers=LIVE
    )
    assert refused.status_code == 400 and refused.headers["HX-Retarget"] == "#new-step-form"

    plain = client.post(ta_voice["url"] + "/steps", data={**data, "newstep-text": "Later"})
    assert plain.status_code == 303 and "#voice-step-" in plain.headers["Location"]


def test_undo_answers_what_it_took_back(client, ta_voice):
    a, b, _ = ta_voice["steps"]
    _mark(client, ta_voice, a, "achieved")
    response = client.post(ta_voice["url"] + "/undo", headers=LIVE)
    assert response.status_code == 200
    _assert_fragment(response)
    assert _said(response) == "Undone: Marked “Few trained” achieved."
    swapped = _swapped(response)
    assert f"step-state-{a.id}" in swapped and f"step-notes-{b.id}" in swapped
    assert "voice-steps" not in swapped  # no step came or went: the note boxes stay as typed
    assert _count(StepMark) == 0

    nothing = client.post(ta_voice["url"] + "/undo", headers=LIVE)
    assert _said(nothing) == "There was nothing to undo."

    staff = ta_voice["setting"].project.groups[0].id
    client.post(
        ta_voice["url"] + "/steps",
        data={"newstep-theme": "action", "newstep-group_id": str(staff), "newstep-text": "New"},
    )
    step_undone = client.post(ta_voice["url"] + "/undo", headers=LIVE)
    assert "voice-steps" in _swapped(step_undone)  # the numbers after it changed

    _mark(client, ta_voice, b, "partly")
    plain = client.post(ta_voice["url"] + "/undo")
    assert plain.status_code == 303 and _count(StepMark) == 0


def test_undo_takes_back_only_the_action_its_button_named(client, ta_voice):
    """Two tabs on one voice: the first's Undo names its mark; a note added in the second tab
    since is not what it takes back. The page is brought up to date and says what is last now."""
    from tocapp.models import AnnotationAction

    a, _, _ = ta_voice["steps"]
    # A page whose Undo had nothing to name: another tab's first action is not undone from it.
    page = client.get(ta_voice["url"]).get_data(as_text=True)
    assert 'name="expected" value="none"' in page
    client.post(ta_voice["url"] + "/notes", data={"text": "Said first, in the other tab"})
    refused = client.post(ta_voice["url"] + "/undo", data={"expected": "none"}, headers=LIVE)
    assert _said(refused).startswith("Not undone: the last change is now “Added note 1”")
    assert _count(VoiceNote) == 1
    client.post(ta_voice["url"] + "/undo")  # as a page from before the field: the last goes
    assert _count(VoiceNote) == 0
    _mark(client, ta_voice, a, "achieved")
    named = db.session.scalar(select(func.max(AnnotationAction.id)))
    client.post(ta_voice["url"] + "/notes", data={"text": "Said in the other tab"})
    assert _count(VoiceNote) == 1
    for headers in (LIVE, {}):
        response = client.post(
            ta_voice["url"] + "/undo", data={"expected": str(named)}, headers=headers
        )
        assert _count(VoiceNote) == 1 and _count(StepMark) == 1  # nothing undone
        if headers:
            assert _said(response).startswith("Not undone: the last change is now “Added note 1”")
            assert {"voice-steps", "notes-list", "undo-form"} <= set(_swapped(response))
        else:
            assert response.status_code == 303
            page = client.get(response.headers["Location"]).get_data(as_text=True)
            assert "Not undone: the last change is now" in html.unescape(page)
    last = db.session.scalar(select(func.max(AnnotationAction.id)))
    response = client.post(ta_voice["url"] + "/undo", data={"expected": str(last)}, headers=LIVE)
    assert _said(response) == "Undone: Added note 1."
    assert _count(VoiceNote) == 0 and _count(StepMark) == 1
    # The button on the page names the action it undoes.
    page = client.get(ta_voice["url"]).get_data(as_text=True)
    assert f'name="expected" value="{named}"' in page


def test_a_stale_mark_answers_the_step_with_what_is_saved(client, ta_voice):
    step = ta_voice["steps"][0]
    _mark(client, ta_voice, step, "achieved", 0)
    response = client.post(
        ta_voice["url"] + "/marks",
        data={"step_id": str(step.id), "mark": "elusive", "revision": "0"},
        headers=LIVE,
    )
    assert response.status_code == 409
    assert response.headers["HX-Retarget"] == f"#step-state-{step.id}"
    body = html.unescape(response.get_data(as_text=True))
    assert "choose again if it should change" in body
    assert _swapped(response) == ["flowchart-figure"]
    assert db.session.scalar(select(StepMark.mark)) == "achieved"


@pytest.mark.parametrize("action", ["marks", "notes", "arrows", "steps", "undo"])
def test_another_studys_voice_is_still_not_found(client, ta_voice, make_setting, make_user, action):
    own_other = make_setting(project=None)  # a study of someone else: not a member
    mine = _other_study_of(ta_voice["owner"])
    interview = ta_voice["interview"]
    before = _count(StepMark) + _count(VoiceNote)
    for project_id in (own_other.project_id, mine):
        url = f"/studies/{project_id}/interviews/{interview.id}/voice/{action}"
        data = {"step_id": str(ta_voice["steps"][0].id), "mark": "achieved", "text": "x"}
        response = client.post(url, data=data, headers=LIVE)
        assert response.status_code == 404, (project_id, response.status_code)
        assert "HX-Trigger" not in response.headers
    assert _count(StepMark) + _count(VoiceNote) == before


def _other_study_of(owner) -> int:
    from tocapp.services.studies import ProjectFields, create_project

    project = create_project(db.session, owner, ProjectFields(title="Another", focus="f"))
    db.session.commit()
    return project.id


def test_a_note_on_a_step_no_longer_there_keeps_its_words_in_a_new_thread(client, ta_voice):
    """The step was undone meanwhile (another tab, a colleague) or the id is made up: the note is
    refused with the reason, and the words typed come back in the new-thread form."""
    staff = ta_voice["setting"].project.groups[0].id
    data = {"newstep-theme": "situation", "newstep-group_id": str(staff), "newstep-text": "Early"}
    client.post(ta_voice["url"] + "/steps", data=data, headers=LIVE)
    gone = db.session.scalar(select(Step.id).where(Step.text == "Early"))
    client.post(ta_voice["url"] + "/undo", headers=LIVE)
    assert db.session.get(Step, gone) is None
    words = "Half-typed <note> “Ŵ مرحبا 🌱”"
    for step_id in (str(gone), "abc", "99999999999999999999"):
        note = {"text": words, "step_id": step_id}
        live = client.post(ta_voice["url"] + "/notes", data=note, headers=LIVE)
        assert live.status_code == 400 and live.headers["HX-Retarget"] == "#thread-form", step_id
        body = _assert_fragment(live)
        assert words in body.split('id="thread-text"')[1] and "may have just been undone" in body
        # The page is behind (the step went in another tab): its steps and drawing catch up.
        assert {"voice-steps", "undo-form"} <= set(_swapped(live))
        assert _said(live).startswith("Not saved: that step is no longer on the chart")
        assert "Early" not in body
        plain = client.post(ta_voice["url"] + "/notes", data=note)
        page = html.unescape(plain.get_data(as_text=True))
        assert plain.status_code == 400 and "may have just been undone" in page
        assert words in page.split('id="thread-text"')[1].split("</textarea>")[0]
    assert _count(VoiceNote) == 0
