"""Drafts: kept for their author only, given back, deleted when the form is saved, when the
participant withdraws or the study is erased, after 30 days; too long is refused plainly."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from tocapp.domain.voices import MAX_NOTE
from tocapp.extensions import db
from tocapp.models import AuditEntry, Draft, Membership
from tocapp.models.base import utcnow
from tocapp.services import drafts
from tocapp.services.erasure import delete_study
from tocapp.services.interviews import MAX_NOTES
from tocapp.services.withdrawals import WithdrawalRequest, withdraw_participant

TOKEN = "0123456789abcdef0123456789abcdef"


@pytest.fixture
def study(auth: Any, make_user: Any, make_project: Any, make_setting: Any, make_interview: Any):
    """An interviewer's study with a round-1 interview, the owner logged in."""
    owner = make_user()
    project = make_project(owner=owner)
    setting = make_setting(project=project)
    interview = make_interview(participant=_participant(setting))
    auth.login(owner)
    return {"owner": owner, "project": project, "setting": setting, "interview": interview}


def _participant(setting: Any) -> Any:
    from tocapp.services import participants

    person = participants.add_participant(
        db.session,
        None,
        setting,
        participants.ParticipantFields(
            role_label="Headteacher", consent_participate=True, perspective="leadership"
        ),
    )
    db.session.commit()
    return person


def _url(project: Any) -> str:
    return f"/studies/{project.id}/drafts"


def _save(client: Any, project: Any, key: str, fields: dict[str, Any]) -> Any:
    return client.post(_url(project), json={"key": key, "fields": fields})


def _get(client: Any, project: Any, key: str) -> dict[str, Any]:
    answer = client.get(_url(project), query_string={"key": key}).get_json()
    return {"draft": answer["drafts"][key]}


def _drafts() -> list[Draft]:
    db.session.expire_all()
    return list(db.session.scalars(select(Draft).order_by(Draft.id)))


def test_a_draft_is_kept_and_given_back_to_its_author(client, study):
    project, interview = study["project"], study["interview"]
    key = f"interview:{interview.id}"
    entries = db.session.scalar(select(func.count()).select_from(AuditEntry))
    saved = _save(client, project, key, {"notes_1": "Half an hour of notes", "notes_2": ""})
    assert saved.status_code == 200, saved.get_json()
    assert saved.get_json()["settled"] is False
    # Autosaves of words being typed are not audit entries (the real save is).
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == entries

    again = _save(client, project, key, {"notes_1": "Half an hour of notes, and more"})
    assert again.status_code == 200
    [draft] = _drafts()  # one row per author and form, replaced as they type
    assert draft.interview_id == interview.id and draft.project_id == project.id

    got = _get(client, project, key)
    assert got["draft"]["fields"] == {"notes_1": "Half an hour of notes, and more"}
    assert got["draft"]["key"] == key and got["draft"]["saved_at"].endswith("Z")


def test_nobody_else_gets_a_draft(client, auth, study, make_user):
    project, interview = study["project"], study["interview"]
    key = f"interview:{interview.id}"
    _save(client, project, key, {"notes_1": "Mine alone"})
    colleague = make_user()
    db.session.add(Membership(project=project, user_id=colleague.id, role="interviewer"))
    viewer = make_user()
    db.session.add(Membership(project=project, user_id=viewer.id, role="viewer"))
    outsider = make_user()
    db.session.commit()

    auth.logout()
    auth.login(colleague)
    assert _get(client, project, key) == {"draft": None}
    auth.logout()
    auth.login(viewer)  # may read the interview, may not write notes: no drafts either
    assert client.get(_url(project), query_string={"key": key}).status_code == 403
    assert _save(client, project, key, {"notes_1": "x"}).status_code == 403
    auth.logout()
    auth.login(outsider)
    assert client.get(_url(project), query_string={"key": key}).status_code == 404
    assert _save(client, project, key, {"notes_1": "x"}).status_code == 404
    [draft] = _drafts()
    assert draft.fields == {"notes_1": "Mine alone"}


@pytest.mark.parametrize(
    "key",
    ["interview:", "interview:abc", "voice-note:1:", "something:1", "interview:new:1:XYZ", ""],
)
def test_a_key_that_names_no_form_is_404(client, study, key):
    assert client.get(_url(study["project"]), query_string={"key": key}).status_code == 404
    assert _save(client, study["project"], key, {"notes_1": "x"}).status_code == 404


def test_another_study_s_object_under_this_study_s_url_is_404(client, study, make_project):
    mine = make_project(owner=study["owner"])
    key = f"interview:{study['interview'].id}"
    assert _save(client, mine, key, {"notes_1": "x"}).status_code == 404


def test_one_request_asks_about_every_note_box_of_a_page(client, study):
    project, later = study["project"], _voice(study)
    step = f"voice-note:{later.id}:{later.version.steps[0].id}"
    thread = f"voice-note:{later.id}:thread"
    _save(client, project, thread, {"text": "A thread"})
    answer = client.get(_url(project), query_string=[("key", step), ("key", thread)]).get_json()
    assert answer["drafts"][step] is None
    assert answer["drafts"][thread]["fields"] == {"text": "A thread"}


def test_too_long_is_refused_with_a_clear_message(client, study):
    project, interview = study["project"], study["interview"]
    too_long = _save(
        client, project, f"interview:{interview.id}", {"notes_3": "x" * (MAX_NOTES + 1)}
    )
    assert too_long.status_code == 400
    message = too_long.get_json()["error"]
    assert "question 3" in message and f"{MAX_NOTES:,}" in message
    later = _voice(study)
    note = _save(client, project, f"voice-note:{later.id}:thread", {"text": "y" * (MAX_NOTE + 1)})
    assert note.status_code == 400 and f"{MAX_NOTE:,}" in note.get_json()["error"]
    unknown = _save(client, project, f"interview:{interview.id}", {"password": "x"})
    assert unknown.status_code == 400 and "no field" in unknown.get_json()["error"]
    not_json = client.post(_url(project), data="notes", content_type="text/plain")
    assert not_json.status_code == 400 and "JSON" in not_json.get_json()["error"]
    assert _drafts() == []


def test_saving_the_interview_deletes_its_draft(client, study):
    project, interview = study["project"], study["interview"]
    key = f"interview:{interview.id}"
    _save(client, project, key, {"notes_1": "Typed, then saved"})
    page = client.get(f"/studies/{project.id}/interviews/{interview.id}/edit")
    assert f'data-draft-key="{key}"'.encode() in page.data
    form = _form_values(page.get_data(as_text=True))
    form["notes_1"] = "Typed, then saved"
    saved = client.post(f"/studies/{project.id}/interviews/{interview.id}/edit", data=form)
    assert saved.status_code == 303
    assert _drafts() == []
    # An autosave arriving late holds nothing new: it is settled, not kept.
    late = _save(client, project, key, {"notes_1": "Typed, then saved"})
    assert late.get_json() == {"settled": True}
    assert _drafts() == []


def test_recording_a_new_interview_deletes_the_draft_of_its_form(client, study):
    project, setting = study["project"], study["setting"]
    head = setting.participants[0]
    key = f"interview:new:{setting.id}:{TOKEN}"
    _save(client, project, key, {"notes_1": "New words", f"person_{head.id}": "y"})
    # A reopened page is a new form: it is offered the newest draft of the setting.
    other = f"interview:new:{setting.id}:{'f' * 32}"
    offered = _get(client, project, other)["draft"]
    assert offered["key"] == key and offered["fields"]["notes_1"] == "New words"

    page = client.get(f"/studies/{project.id}/settings/{setting.id}/interviews/new")
    form = _form_values(page.get_data(as_text=True))
    form.update({"form_token": TOKEN, f"person_{head.id}": "y", "notes_1": "New words"})
    assert client.post(page.request.path, data=form).status_code == 303
    assert _drafts() == []
    assert _save(client, project, key, {"notes_1": "New words"}).get_json() == {"settled": True}


def test_a_draft_with_no_new_words_is_not_kept(client, study):
    project, interview, setting = study["project"], study["interview"], study["setting"]
    saved_notes = interview.answers[0].notes
    same = _save(client, project, f"interview:{interview.id}", {"notes_1": saved_notes})
    assert same.get_json() == {"settled": True}
    empty = _save(client, project, f"interview:new:{setting.id}:{TOKEN}", {"notes_1": " "})
    assert empty.get_json() == {"settled": True}
    assert _drafts() == []


def test_saving_a_voice_note_deletes_its_draft(client, study):
    project, later = study["project"], _voice(study)
    step_id = later.version.steps[0].id
    key = f"voice-note:{later.id}:{step_id}"
    _save(client, project, key, {"text": "What she said about it", "verbatim": "y"})
    thread = _save(client, project, f"voice-note:{later.id}:thread", {"text": "Another"})
    assert thread.status_code == 200
    page = client.get(f"/studies/{project.id}/interviews/{later.id}/voice")
    assert f'data-draft-key="{key}"'.encode() in page.data
    saved = client.post(
        f"/studies/{project.id}/interviews/{later.id}/voice/notes",
        data={"text": "What she said about it", "verbatim": "y", "step_id": str(step_id)},
    )
    assert saved.status_code == 303
    assert [d.key for d in _drafts()] == [f"voice-note:{later.id}:thread"]
    assert _save(client, project, key, {"text": "What she said about it"}).get_json() == {
        "settled": True
    }


def test_discard_deletes_only_one_s_own_draft(client, auth, study, make_user):
    project, interview = study["project"], study["interview"]
    key = f"interview:{interview.id}"
    colleague = make_user()
    db.session.add(Membership(project=project, user_id=colleague.id, role="interviewer"))
    db.session.commit()
    auth.logout()
    auth.login(colleague)
    _save(client, project, key, {"notes_1": "The colleague's words"})
    auth.logout()
    auth.login(study["owner"])
    _save(client, project, key, {"notes_1": "The owner's words"})
    response = client.post(_url(project) + "/discard", json={"key": key})
    assert response.get_json() == {"discarded": True}
    [left] = _drafts()
    assert left.owner_id == colleague.id


def test_drafts_older_than_30_days_are_deleted(client, study):
    project, interview = study["project"], study["interview"]
    key = f"interview:{interview.id}"
    _save(client, project, key, {"notes_1": "Long ago"})
    [draft] = _drafts()
    draft.saved_at = utcnow() - timedelta(days=31)
    db.session.commit()
    assert _get(client, project, key) == {"draft": None}
    _save(client, project, f"interview:new:{study['setting'].id}:{TOKEN}", {"notes_1": "Today"})
    assert [d.key for d in _drafts()] == [f"interview:new:{study['setting'].id}:{TOKEN}"]
    assert drafts.prune_old_drafts(db.session, utcnow() + timedelta(days=31)) == 1


def test_a_withdrawal_deletes_the_drafts_about_the_participant(client, study, make_participant):
    project, setting, interview = study["project"], study["setting"], study["interview"]
    head = interview.people[0].participant
    other = make_participant(setting=setting, role_label="Teacher")
    _save(client, project, f"interview:{interview.id}", {"notes_1": "About the head"})
    _save(
        client,
        project,
        f"interview:new:{setting.id}:{TOKEN}",
        {f"person_{head.id}": "y", "notes_1": "A second interview with the head"},
    )
    kept = f"interview:new:{setting.id}:{'e' * 32}"
    _save(client, project, kept, {f"person_{other.id}": "y", "notes_1": "The teacher's"})
    withdraw_participant(
        db.session, study["owner"], head, WithdrawalRequest(withdrawn_on=date(2026, 3, 1))
    )
    db.session.commit()
    assert [d.key for d in _drafts()] == [kept]


def test_erasing_the_study_deletes_every_draft_of_it(client, study, tmp_path):
    project, interview = study["project"], study["interview"]
    _save(client, project, f"interview:{interview.id}", {"notes_1": "Words"})
    _save(client, project, f"voice-note:{_voice(study).id}:thread", {"text": "More"})
    assert len(_drafts()) == 2
    delete_study(
        db.session,
        study["owner"],
        project,
        project.title,
        reports_dir=tmp_path,
        render_cache_dir=tmp_path / "cache",
    )
    db.session.commit()
    assert _drafts() == []


def _voice(study: dict[str, Any]) -> Any:
    """A return interview in the study (its chart has one step)."""
    from tocapp.services import flowcharts, interviews, voices

    setting, project = study["setting"], study["project"]
    version = flowcharts.current_version(db.session, setting)
    if not version.steps:
        flowcharts.add_step(
            db.session,
            None,
            version,
            flowcharts.StepFields("situation", project.groups[0].id, "A step"),
        )
    teacher = _participant(setting)
    later = voices.start_return_interview(
        db.session,
        None,
        setting,
        interviews.InterviewFields(
            project.rounds[1].id, date(2026, 7, 1), "video", people=[(teacher.id, "Teacher")]
        ),
    )
    db.session.commit()
    return later


def _form_values(html: str) -> dict[str, str]:
    """The interview form's fields as a browser would send them."""
    import lxml.html

    doc = lxml.html.fromstring(html)
    form = next(f for f in doc.forms if "interview-form" in (f.get("class") or ""))
    return {name: value for name, value in form.form_values()}
