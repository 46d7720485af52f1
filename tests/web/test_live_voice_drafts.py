"""Drafts on the voice page and the note edit form: the page's one question about its note
boxes costs the same few statements on a chart of 4 or 40 steps, and the edit form of a note
keeps a draft that goes when the note is saved."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from tests.web import test_drafts
from tests.web.statements import statements_of
from tocapp.extensions import db
from tocapp.models import Draft, VoiceNote
from tocapp.services import voices

study = test_drafts.study  # an interviewer's study with a round-1 interview, its owner logged in


def _drafts_url(project: Any, keys: list[str]) -> str:
    return f"/studies/{project.id}/drafts?" + "&".join(f"key={k}" for k in keys)


def test_the_voice_pages_drafts_are_read_in_a_fixed_number_of_statements(client, study):
    project, later = study["project"], test_drafts._voice(study)
    few = [f"voice-note:{later.id}:{n}" for n in range(1, 4)] + [f"voice-note:{later.id}:thread"]
    many = [f"voice-note:{later.id}:{n}" for n in range(1, 40)] + [f"voice-note:{later.id}:thread"]
    test_drafts._save(client, project, many[-1], {"text": "A thread half typed"})
    small, _ = statements_of(client, _drafts_url(project, few))
    large, sent = statements_of(client, _drafts_url(project, many))
    assert small == large, sent
    assert large <= 8, sent
    answer = client.get(_drafts_url(project, many)).get_json()["drafts"]
    assert len(answer) == 40 and answer[many[-1]]["fields"] == {"text": "A thread half typed"}
    assert all(answer[k] is None for k in many[:-1])


def test_editing_a_note_keeps_a_draft_until_it_is_saved(client, study):
    project, later = study["project"], test_drafts._voice(study)
    voices.add_note(db.session, None, later, "What was said first")
    db.session.commit()
    key = f"voice-note-edit:{later.id}:1"
    edit = f"/studies/{project.id}/interviews/{later.id}/voice/notes/1/edit"

    page = client.get(edit).get_data(as_text=True)
    assert f'data-draft-key="{key}"' in page and "js/drafts.js" in page

    saved = test_drafts._save(client, project, key, {"text": "What was said, corrected"})
    assert saved.status_code == 200 and saved.get_json()["settled"] is False
    answer = client.get(_drafts_url(project, [key])).get_json()["drafts"][key]
    assert answer["fields"] == {"text": "What was said, corrected"}

    # The same words as saved: nothing to keep.
    same = test_drafts._save(client, project, key, {"text": "What was said first", "verbatim": ""})
    assert same.get_json() == {"settled": True}
    test_drafts._save(client, project, key, {"text": "Corrected again"})

    revision = db.session.scalar(select(VoiceNote.revision))
    response = client.post(edit, data={"text": "Corrected again", "revision": str(revision)})
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.scalar(select(Draft).where(Draft.key == key)) is None


def test_a_note_edit_draft_names_a_note_of_a_voice_of_this_study(client, study, make_project):
    project, later = study["project"], test_drafts._voice(study)
    voices.add_note(db.session, None, later, "One note")
    db.session.commit()
    assert (
        test_drafts._save(
            client, project, f"voice-note-edit:{later.id}:9", {"text": "x"}
        ).status_code
        == 404
    )
    other = make_project(owner=study["owner"])
    assert (
        test_drafts._save(client, other, f"voice-note-edit:{later.id}:1", {"text": "x"}).status_code
        == 404
    )
    assert db.session.scalar(select(Draft)) is None
