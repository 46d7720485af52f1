"""Conditional GET on the flowchart page: the browser's copy is confirmed with an empty 304 while
nothing the page shows has changed — for that reader, with the security headers — and never
across readers, after a change, with a message to flash, or for a drawing that failed."""

from __future__ import annotations

from typing import Any

import pytest

from tocapp.extensions import db
from tocapp.models.users import Role
from tocapp.services import flowcharts, studies
from tocapp.web import chart_images
from tocapp.web.chart_images import InlineChart, PendingChart


@pytest.fixture
def study(make_user, make_project, make_setting, auth) -> dict[str, Any]:
    owner = make_user()
    project = make_project(owner=owner)
    setting = make_setting(project=project, code="OAK")
    version = flowcharts.current_version(db.session, setting)
    staff = project.groups[0].id
    flowcharts.add_step(
        db.session, None, version, flowcharts.StepFields("situation", staff, "Quiet rooms")
    )
    db.session.commit()
    auth.login(owner)
    return {
        "project": project,
        "setting": setting,
        "page": f"/studies/{project.id}/settings/{setting.id}/flowchart",
    }


def _again(client, page: str, etag: str):
    return client.get(page, headers={"If-None-Match": etag})


def test_an_unchanged_page_is_confirmed_with_an_empty_304(client, study):
    first = client.get(study["page"])
    etag = first.headers["ETag"]
    assert first.status_code == 200 and etag.startswith('W/"')
    assert first.headers["Cache-Control"] == "private, no-cache"
    again = _again(client, study["page"], etag)
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == etag
    assert "Content-Security-Policy" in again.headers and again.headers["X-Frame-Options"]


def test_without_the_header_the_page_is_sent_whole(client, study):
    client.get(study["page"])
    again = client.get(study["page"])
    assert again.status_code == 200 and b"Quiet rooms" in again.data


def test_a_change_in_the_study_sends_the_new_page(client, study):
    etag = client.get(study["page"]).headers["ETag"]
    setting = study["setting"]
    studies.update_setting(
        db.session, None, setting, studies.SettingFields(setting.name, "ELM", setting.kind)
    )
    db.session.commit()
    changed = _again(client, study["page"], etag)
    assert changed.status_code == 200 and b"ELM" in changed.data
    assert changed.headers["ETag"] != etag


def test_another_readers_tag_is_never_confirmed(client, study, make_user, auth):
    owners = client.get(study["page"]).headers["ETag"]
    viewer = make_user()
    studies.add_member(db.session, None, study["project"], viewer.email, Role.VIEWER)
    db.session.commit()
    auth.login(viewer)
    page = _again(client, study["page"], owners)
    assert page.status_code == 200 and b"Map the interview notes" not in page.data
    assert page.headers["ETag"] != owners


def test_a_non_member_gets_404_whatever_tag_they_send(client, study, make_user, auth):
    etag = client.get(study["page"]).headers["ETag"]
    auth.login(make_user())
    assert _again(client, study["page"], etag).status_code == 404


def test_a_message_to_flash_sends_the_page_whole(client, study):
    etag = client.get(study["page"]).headers["ETag"]
    with client.session_transaction() as session:
        session["_flashes"] = [("info", "Version 2 is started.")]
    page = _again(client, study["page"], etag)
    assert page.status_code == 200 and b"Version 2 is started." in page.data


def test_a_failed_drawing_has_no_tag(client, study, monkeypatch):
    monkeypatch.setattr(
        chart_images,
        "start_inline_chart",
        lambda *_a, **_k: PendingChart(InlineChart(None, "Too slow.")),
    )
    page = client.get(study["page"])
    assert b"could not be made" in page.data and "ETag" not in page.headers
