"""With CSRF protection on (as in production), a POST without a valid token is refused."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.conftest import PASSWORD


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    return {**app_config, "WTF_CSRF_ENABLED": True}


def _token(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, "page has no CSRF token"
    return match.group(1)


def test_login_without_token_is_refused(client, make_user):
    user = make_user()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400
    assert "_user_id" not in (client.get_cookie("session") or "")


def test_login_with_token_works(client, make_user):
    user = make_user()
    token = _token(client.get("/login").get_data(as_text=True))
    response = client.post(
        "/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_state_changing_post_without_token_is_refused(client, make_user, make_project):
    user = make_user()
    project = make_project(owner=user)
    token = _token(client.get("/login").get_data(as_text=True))
    client.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    response = client.post(f"/studies/{project.id}/rounds/new", data={"title": "Round three"})
    assert response.status_code == 400
    assert len(project.rounds) == 2
    logout = client.post("/logout")
    assert logout.status_code == 400
