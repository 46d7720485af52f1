"""Every response carries the security headers, set once by Flask-Talisman: a Content Security
Policy without inline script or style or outside origins, no framing, no sniffing, a referrer
policy; and HSTS when the app is served over HTTPS with secure cookies."""

from __future__ import annotations

from datetime import date

from tocapp.extensions import db
from tocapp.services import flowcharts, interviews, voices


def _check(response, where: str) -> None:
    policy = response.headers.get("Content-Security-Policy", "")
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert directives.get("default-src") == "'self'", where
    assert directives.get("script-src") == "'self'" and directives.get("style-src") == "'self'"
    assert directives.get("frame-ancestors") == "'none'", where
    assert "unsafe-inline" not in policy and "http" not in policy, where
    assert response.headers.get("X-Content-Type-Options") == "nosniff", where
    assert response.headers.get("X-Frame-Options") == "DENY", where
    assert response.headers.get("Referrer-Policy") == "same-origin", where


def test_every_route_answers_with_the_headers(
    app, client, auth, make_user, make_project, make_setting, make_participant, make_interview
):
    owner = make_user()
    project = make_project(owner=owner)
    setting = make_setting(project=project)
    head = make_participant(setting=setting)
    teacher = make_participant(setting=setting, role_label="Teacher")
    make_interview(participant=head)
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
    voices.add_note(db.session, later, "A note", step_id=a.id)
    db.session.commit()
    _check(client.get("/login"), "/login (anonymous)")
    auth.login(owner)
    ids = {
        "project_id": project.id,
        "setting_id": setting.id,
        "participant_id": teacher.id,
        "round_id": project.rounds[1].id,
        "interview_id": later.id,
        "version_id": version.id,
        "step_id": b.id,
        "link_id": link.id,
        "note_number": 1,
        "job_id": 1,
        "fmt": "svg",
    }
    checked = 0
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        url = rule.build({name: ids[name] for name in rule.arguments})[1]
        response = client.get(url)
        response.close()
        _check(response, url)
        checked += 1
    assert checked > 40
    comparison = client.get(f"/studies/{project.id}/comparison").get_data(as_text=True)
    assert "<svg" in comparison and 'style="' not in comparison and "<style" not in comparison


def test_hsts_only_over_https_with_secure_cookies(app_config):
    from tocapp import create_app

    plain = create_app(app_config).test_client().get("/login")
    assert "Strict-Transport-Security" not in plain.headers
    secure = create_app({**app_config, "SESSION_COOKIE_SECURE": True})
    response = secure.test_client().get("/login", base_url="https://tocapp.school.test")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    assert secure.config["SESSION_COOKIE_SECURE"] and secure.config["REMEMBER_COOKIE_SECURE"]
