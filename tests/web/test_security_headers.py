"""Every response carries the security headers, set once by Flask-Talisman: a Content Security
Policy without inline script or style or outside origins, no framing, no sniffing, a referrer
policy; and HSTS when the app is served over HTTPS with secure cookies."""

from __future__ import annotations


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


def test_every_route_answers_with_the_headers(app, client, owned_study):
    _check(app.test_client().get("/login"), "/login (anonymous)")
    ids, project = owned_study["ids"], owned_study["project"]
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
