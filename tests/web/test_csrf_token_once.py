"""The CSRF token signed once per session secret (``web.csrf_token``): every page of a session
carries the same token, it is accepted, another session's is refused, and with a time limit on
tokens each page is signed anew."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest

from tests.conftest import PASSWORD
from tocapp.extensions import db


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    return {**app_config, "WTF_CSRF_ENABLED": True}


@pytest.fixture
def served(app_config):
    """A second app on the same database, whose requests each get their own app context as in
    production (the test app's shared one would keep ``g``, and its token, between requests)."""
    from tocapp import create_app

    return create_app(app_config)


@pytest.fixture
def client(served):
    return served.test_client()


def _token(html: bytes) -> str:
    match = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, "page has no CSRF token"
    return match.group(1).decode()


@pytest.fixture
def email(make_user) -> str:
    """An account's address, read once: the test's own session then lets go of SQLite's write
    lock so that the served app's requests can write."""
    address = make_user().email
    db.session.rollback()
    return address


def _log_in(client, email: str) -> None:
    token = _token(client.get("/login").data)
    response = client.post(
        "/login", data={"email": email, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302


def test_a_sessions_pages_carry_one_token_and_it_is_accepted(client, email, monkeypatch):
    _log_in(client, email)
    start, tokens = time.time(), set()
    for seconds in (0, 5, 3600):  # Flask-WTF alone would sign each with a new timestamp
        monkeypatch.setattr(time, "time", lambda seconds=seconds: start + seconds)
        tokens.add(_token(client.get("/").data))
    assert len(tokens) == 1
    assert client.post("/logout", data={"csrf_token": tokens.pop()}).status_code == 302
    assert client.get("/").status_code == 302  # logged out


def test_another_sessions_token_is_refused(served, client, email):
    _log_in(client, email)
    other = served.test_client()
    _log_in(other, email)
    theirs = _token(other.get("/").data)
    assert theirs != _token(client.get("/").data)
    assert client.post("/logout", data={"csrf_token": theirs}).status_code == 400
    assert client.get("/").status_code == 200  # still logged in


def test_with_a_time_limit_each_page_is_signed_anew(served, client, email, monkeypatch):
    served.config["WTF_CSRF_TIME_LIMIT"] = 3600
    _log_in(client, email)
    first = _token(client.get("/").data)
    now = time.time() + 5  # a later second: a new signature's timestamp differs
    monkeypatch.setattr(time, "time", lambda: now)
    second = _token(client.get("/").data)
    assert first != second
    assert client.post("/logout", data={"csrf_token": second}).status_code == 302
