"""GET and HEAD change nothing: every route of the route table, driven with real ids of a
populated study by its owner, leaves every row of every table as it was."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import text

from tocapp.extensions import db
from tocapp.services import flowcharts, interviews, versions, voices


def _snapshot() -> dict[str, list[tuple[Any, ...]]]:
    db.session.expire_all()
    return {
        table.name: sorted(
            (
                tuple(str(v) for v in row)
                for row in db.session.execute(text(f'SELECT * FROM "{table.name}"'))
            ),
        )
        for table in db.metadata.sorted_tables
    }


def test_get_and_head_on_every_route_change_nothing(
    app, client, auth, make_user, make_project, make_setting, make_participant, make_interview
):
    owner = make_user()
    project = make_project(owner=owner)
    setting = make_setting(project=project)
    head = make_participant(setting=setting)
    teacher = make_participant(setting=setting, role_label="Teacher")
    first = make_interview(participant=head)
    version = flowcharts.current_version(db.session, setting)
    group = project.groups[0].id
    a = flowcharts.add_step(db.session, version, flowcharts.StepFields("situation", group, "A"))
    b = flowcharts.add_step(db.session, version, flowcharts.StepFields("action", group, "B"))
    link = flowcharts.add_link(db.session, version, a.id, b.id)
    later = voices.start_return_interview(
        db.session,
        setting,
        interviews.InterviewFields(
            project.rounds[1].id, date(2026, 7, 1), "video", people=[(teacher.id, "Teacher")]
        ),
    )
    voices.set_mark(db.session, later, a.id, "achieved")
    voices.add_note(db.session, later, "A note", step_id=a.id)
    # An open version after the frozen one, so its steps and arrows could really be deleted.
    editable = versions.start_next_version(db.session, setting)
    db.session.commit()
    b, link = editable.steps[1], editable.links[0]
    auth.login(owner)
    client.post(f"/studies/{project.id}/comparison/reports", data={"fmt": "pdf"})
    from tocapp.models import ReportJob

    job = db.session.query(ReportJob).one()
    ids = {
        "project_id": project.id,
        "setting_id": setting.id,
        "participant_id": teacher.id,
        "round_id": project.rounds[1].id,
        "interview_id": later.id,
        "version_id": editable.id,
        "step_id": b.id,
        "link_id": link.id,
        "note_number": 1,
        "job_id": job.id,
        "fmt": "svg",
    }
    before = _snapshot()
    driven = 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint in ("static", "auth.logout"):
            continue
        url = rule.build({name: ids[name] for name in rule.arguments})[1]
        for method in ("GET", "HEAD"):
            response = client.open(url, method=method)
            response.close()  # a download streams a file: let it go
            assert response.status_code < 500, f"{method} {url}: {response.status_code}"
            driven += 1
        after = _snapshot()
        changed = {t for t in before if before[t] != after[t]}
        assert not changed, f"GET or HEAD of {url} changed {changed}"
    assert driven > 80
    # The step a HEAD once deleted is still there; and a POST does change the database, so the
    # comparison above is able to fail.
    assert db.session.get(type(b), b.id) is not None and first.id
    note = client.post(
        f"/studies/{project.id}/interviews/{later.id}/voice/notes", data={"text": "x"}
    )
    assert note.status_code == 303
    assert _snapshot()["voice_notes"] != before["voice_notes"]
