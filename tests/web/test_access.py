"""Deny by default: anonymous users are sent to log in, non-members see 404 on every object."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tocapp.extensions import db
from tocapp.models import ReportJob
from tocapp.services import flowcharts

PUBLIC = {"auth.login", "static"}


def _rules(app: Flask) -> list[Any]:
    return [rule for rule in app.url_map.iter_rules() if rule.endpoint not in PUBLIC]


def _method(rule: Any) -> str:
    return "GET" if "GET" in rule.methods else "POST"


def test_every_route_but_login_and_static_redirects_anonymous_users(app, client):
    rules = _rules(app)
    assert len(rules) > 10, "the route table looks empty"
    for rule in rules:
        url = rule.build({name: 1 for name in rule.arguments})[1]
        response = client.open(url, method=_method(rule))
        assert response.status_code == 302, f"{rule.endpoint} answered {response.status_code}"
        assert "/login" in response.headers["Location"], rule.endpoint


@pytest.fixture
def other_study(app, make_user, make_project, make_setting, make_participant, make_interview):
    """A complete study that belongs to someone else, with one object of every kind."""
    owner = make_user()
    project = make_project(owner=owner)
    setting = make_setting(project=project)
    participant = make_participant(setting=setting)
    interview = make_interview(participant=participant)
    version = flowcharts.current_version(db.session, setting)
    group_id = project.groups[0].id
    a = flowcharts.add_step(
        db.session, None, version, flowcharts.StepFields("situation", group_id, "A")
    )
    b = flowcharts.add_step(
        db.session, None, version, flowcharts.StepFields("action", group_id, "B")
    )
    link = flowcharts.add_link(db.session, None, version, a.id, b.id)
    # A finished report whose file is really there, so only the access check can refuse it.
    job = ReportJob(project=project, fmt="pdf", state="done", file_name="x.pdf")
    reports = Path(app.config["REPORTS_DIR"])
    reports.mkdir(parents=True, exist_ok=True)
    (reports / "x.pdf").write_bytes(b"%PDF-1.7 another study's report")
    db.session.add(job)
    db.session.commit()
    return {
        "project_id": project.id,
        "setting_id": setting.id,
        "participant_id": participant.id,
        "round_id": project.rounds[0].id,
        "interview_id": interview.id,
        "version_id": version.id,
        "step_id": a.id,
        "link_id": link.id,
        "note_number": 1,
        "job_id": job.id,
        "user_id": owner.id,  # a member of that study
        "fmt": "svg",  # downloads: the format is part of the rule, not an object
    }


def test_non_member_gets_404_on_every_object_url(app, client, auth, make_user, other_study):
    auth.login(make_user())
    checked = 0
    for rule in _rules(app):
        if not rule.arguments:
            continue
        missing = set(rule.arguments) - set(other_study)
        assert not missing, f"{rule.endpoint} takes {missing}: add it to the fixture"
        url = rule.build({name: other_study[name] for name in rule.arguments})[1]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method)
            assert response.status_code == 404, f"{method} {url} answered {response.status_code}"
            checked += 1
    assert checked > 10


def test_a_member_of_two_studies_cannot_reach_one_study_s_objects_through_the_other_s_urls(
    app, client, auth, make_user, make_project, other_study
):
    """Every object URL names its study; an object of study B under study A's URL is a 404."""
    from tocapp.models import Membership, Project

    owner = make_user()
    mine = make_project(owner=owner)
    theirs = db.session.get(Project, other_study["project_id"])
    db.session.add(Membership(project=theirs, user_id=owner.id, role="viewer"))
    db.session.commit()
    auth.login(owner)
    job_url = f"/studies/{theirs.id}/comparison/reports/{other_study['job_id']}"
    assert client.get(job_url).status_code == 200  # a member of both can see it in its own study
    for suffix in ("", ".json", "/download"):
        wrong = f"/studies/{mine.id}/comparison/reports/{other_study['job_id']}{suffix}"
        assert client.get(wrong).status_code == 404, wrong
