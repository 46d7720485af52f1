"""Session cookies verified once per process (``web.cookie_session``): a remembered cookie is
recognised only by its exact signed text, expires as it would have, and each request gets its
own copy of what it holds."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tocapp.web import cookie_session
from tocapp.web.cookie_session import VerifiedCookieSessions


def _cookie(app, data: dict) -> str:
    serializer = app.session_interface.get_signing_serializer(app)
    return serializer.dumps(data)


def _open(app, value: str):
    name = app.config["SESSION_COOKIE_NAME"]
    with app.test_request_context(headers={"Cookie": f"{name}={value}"}) as context:
        return app.session_interface.open_session(app, context.request)


def test_the_app_uses_it(app):
    assert isinstance(app.session_interface, VerifiedCookieSessions)


def test_a_remembered_cookie_gives_the_same_session_and_a_copy_each_time(app):
    value = _cookie(app, {"_user_id": "7:token", "_fresh": True})
    first = _open(app, value)
    assert dict(first) == {"_user_id": "7:token", "_fresh": True}
    first["_user_id"] = "8:other"  # a change in one request …
    assert dict(_open(app, value)) == {"_user_id": "7:token", "_fresh": True}  # … stays there


def test_a_cookie_changed_by_one_character_is_refused_after_the_real_one_was_remembered(app):
    value = _cookie(app, {"_user_id": "7:token"})
    assert _open(app, value)["_user_id"] == "7:token"
    # Not the last character: of the signature's 27 base64 characters the last carries 2 bits
    # and 4 unused ones, so some changes to it decode to the same signature (not a forgery).
    at = len(value) - 5
    changed = value[:at] + ("A" if value[at] != "A" else "B") + value[at + 1 :]
    for forged in (changed, value + "x", value[1:]):
        assert dict(_open(app, forged)) == {}


def test_a_remembered_cookie_still_expires(app, monkeypatch):
    app.permanent_session_lifetime = timedelta(hours=1)
    value = _cookie(app, {"_user_id": "7:token"})
    assert _open(app, value)["_user_id"] == "7:token"  # remembered now
    later = cookie_session.time.time() + 2 * 3600
    monkeypatch.setattr(cookie_session.time, "time", lambda: later)
    monkeypatch.setattr("itsdangerous.timed.time.time", lambda: later)
    assert dict(_open(app, value)) == {}


def test_a_session_with_messages_is_read_every_time_and_not_shared(app):
    value = _cookie(app, {"_flashes": [["info", "Saved."]]})
    first = _open(app, value)
    first["_flashes"].append(["info", "Again."])
    assert _open(app, value)["_flashes"] == [["info", "Saved."]]


@pytest.mark.parametrize("value", ["", "not-a-signed-cookie"])
def test_no_cookie_or_a_bad_one_is_an_empty_session(app, value):
    assert dict(_open(app, value)) == {}
