"""The flowchart page's body kept as HTML by the study's revision: a repeat view reads no chart,
and any change in the study — a step, the setting's code, a return interview — is seen at once."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from tocapp.extensions import db
from tocapp.models.users import Role
from tocapp.services import flowcharts, interviews, studies, voices
from tocapp.web import chart_images, flowchart_body
from tocapp.web.chart_images import InlineChart


@pytest.fixture
def study(make_user, make_project, make_setting, make_participant, auth) -> dict[str, Any]:
    owner = make_user()
    project = make_project(owner=owner)
    setting = make_setting(project=project, code="HIL")
    teacher = make_participant(setting=setting, role_label="Teacher")
    version = flowcharts.current_version(db.session, setting)
    staff = project.groups[0].id
    fields = flowcharts.StepFields
    a = flowcharts.add_step(db.session, None, version, fields("situation", staff, "Quiet rooms"))
    b = flowcharts.add_step(db.session, None, version, fields("action", staff, "Coach the TAs"))
    flowcharts.add_link(db.session, None, version, a.id, b.id)
    db.session.commit()
    auth.login(owner)
    return {
        "project": project,
        "setting": setting,
        "teacher": teacher,
        "page": f"/studies/{project.id}/settings/{setting.id}/flowchart",
    }


def _forbid_reading_the_chart(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: Any, **_kwargs: Any) -> Any:
        raise AssertionError("the chart was read again")

    monkeypatch.setattr(flowchart_body, "flowchart_page", refuse)


def test_a_repeat_view_reads_no_chart_and_shows_the_same_page(client, study, monkeypatch):
    first = client.get(study["page"]).data
    _forbid_reading_the_chart(monkeypatch)
    again = client.get(study["page"])
    assert again.status_code == 200 and again.data == first
    assert b"Quiet rooms" in again.data and b"<svg" in again.data


def test_a_change_anywhere_in_the_study_is_seen(client, study):
    assert b"HIL theory of change" in client.get(study["page"]).data
    setting = study["setting"]
    studies.update_setting(
        db.session, None, setting, studies.SettingFields(setting.name, "HILL", setting.kind)
    )
    db.session.commit()
    page = client.get(study["page"]).data
    assert b"HILL theory of change" in page and b"shown at 0 return" not in page
    voices.start_return_interview(
        db.session,
        None,
        setting,
        interviews.InterviewFields(
            study["project"].rounds[1].id,
            date(2026, 7, 1),
            "video",
            people=[(study["teacher"].id, "Teacher")],
        ),
    )
    db.session.commit()
    assert b"shown at 1 return interview," in client.get(study["page"]).data


def test_a_reader_who_may_not_map_gets_no_mapping_link(client, study, make_user, auth):
    viewer = make_user()
    studies.add_member(db.session, None, study["project"], viewer.email, Role.VIEWER)
    db.session.commit()
    assert b"Map the interview notes" in client.get(study["page"]).data  # the owner's, kept
    auth.login(viewer)
    page = client.get(study["page"]).data
    assert b"Quiet rooms" in page and b"Map the interview notes" not in page


def test_a_failed_drawing_is_not_kept(client, study, monkeypatch):
    with monkeypatch.context() as patched:
        patched.setattr(
            chart_images, "inline_chart", lambda *_a, **_k: InlineChart(None, "Too slow.")
        )
        assert b"The drawing could not be made: Too slow." in client.get(study["page"]).data
    page = client.get(study["page"]).data
    assert b"<svg" in page and b"could not be made" not in page
