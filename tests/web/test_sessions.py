"""Sessions end for real: logging out or changing a password makes every earlier cookie useless,
copies included; remember-me is opt-in, lasts 30 days and is Secure with the session; passwords
must be hard to guess; an unknown e-mail is refused as slowly as a wrong password."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import PASSWORD
from tocapp.domain.errors import DomainError
from tocapp.extensions import db
from tocapp.models import User
from tocapp.services import users

NEW_PASSWORD = "maple lantern orbit quietly"


@pytest.fixture
def served(app_config):
    """A second app on the same database, whose requests each get their own app context as in
    production (the test app's shared one would keep Flask-Login's user between clients)."""
    from tocapp import create_app

    return create_app(app_config)


@pytest.fixture
def client(served):
    return served.test_client()


@pytest.fixture
def app(served, app):  # noqa: F811  (the test app stays set up; the clients use ``served``)
    return served


class Account:
    """An account's e-mail and id, read once: the test's own session then lets go of SQLite's
    write lock so that the served app's requests can write."""

    def __init__(self, user: User) -> None:
        self.email, self.id = user.email, user.id
        db.session.rollback()


class Login:
    def __init__(self, client) -> None:
        self.client = client

    def login(self, account: Account, password: str = PASSWORD):
        return self.client.post("/login", data={"email": account.email, "password": password})

    def logout(self):
        return self.client.post("/logout")


@pytest.fixture
def auth(client):
    return Login(client)


@pytest.fixture
def account(make_user):
    return lambda: Account(make_user())


def _copy_cookies(source, target, names=("session", "remember_token")) -> None:
    for name in names:
        cookie = source.get_cookie(name)
        if cookie is not None:
            target.set_cookie(name, cookie.value)


def test_a_copied_session_cookie_stops_working_after_logout(app, client, auth, account):
    auth.login(account())
    thief = app.test_client()
    _copy_cookies(client, thief)
    assert thief.get("/").status_code == 200  # the copy works while the session lasts
    auth.logout()
    assert client.get("/").status_code == 302
    assert thief.get("/").status_code == 302  # and not after it ended, on the server


def test_remember_me_is_opt_in_lasts_30_days_and_dies_at_logout(app, client, account):
    """…and its value is new at every login, so an old one is worthless once logged out."""
    user = account()
    client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert client.get_cookie("remember_token") is None
    other = app.test_client()
    other.post("/login", data={"email": user.email, "password": PASSWORD, "remember": "y"})
    cookie = other.get_cookie("remember_token")
    assert cookie is not None
    lasts = cookie.expires - datetime.now(UTC)
    assert timedelta(days=29) < lasts <= timedelta(days=30)
    later = app.test_client()  # a browser that kept only the remember-me cookie
    later.set_cookie("remember_token", cookie.value)
    assert later.get("/").status_code == 200
    again = app.test_client()
    again.post("/login", data={"email": user.email, "password": PASSWORD, "remember": "y"})
    assert again.get_cookie("remember_token").value != cookie.value  # it rotates
    other.post("/logout")
    assert again.get("/").status_code == 200  # logging out one browser leaves the other
    fresh = app.test_client()
    fresh.set_cookie("remember_token", cookie.value)
    assert fresh.get("/").status_code == 302


def test_remember_me_is_secure_when_sessions_are(app_config):
    from tocapp import create_app

    secure = create_app({**app_config, "SESSION_COOKIE_SECURE": True})
    assert secure.config["REMEMBER_COOKIE_SECURE"] is True


def test_changing_the_password_ends_the_other_sessions(app, client, auth, account):
    user = account()
    auth.login(user)
    elsewhere = app.test_client()
    elsewhere.post("/login", data={"email": user.email, "password": PASSWORD})
    assert elsewhere.get("/").status_code == 200

    wrong = client.post(
        "/account/password",
        data={"current": "not it", "new": NEW_PASSWORD, "again": NEW_PASSWORD},
    )
    assert wrong.status_code == 400 and "current password is not right" in wrong.get_data(True)
    weak = client.post(
        "/account/password",
        data={"current": PASSWORD, "new": "password123", "again": "password123"},
    )
    assert weak.status_code == 400 and "easy to guess" in weak.get_data(True)
    done = client.post(
        "/account/password", data={"current": PASSWORD, "new": NEW_PASSWORD, "again": NEW_PASSWORD}
    )
    assert done.status_code == 302
    assert client.get("/").status_code == 200  # this session goes on
    assert elsewhere.get("/").status_code == 302  # the other one has ended
    auth.logout()
    assert auth.login(user, NEW_PASSWORD).status_code == 302
    assert client.get("/").status_code == 200


@pytest.mark.parametrize("password", ["12345678", "short1!", "password123", "qwertyuiop"])
def test_common_or_short_passwords_are_refused(app, password):
    with pytest.raises(DomainError):
        users.create_user(db.session, None, "new@school.test", "New Person", password)


def test_a_password_made_of_the_person_s_name_is_refused(app):
    with pytest.raises(DomainError, match="easy to guess"):
        users.check_new_password(
            "annabelle-fitzgerald", "afitz@school.test", "Annabelle Fitzgerald"
        )


def test_an_unknown_address_is_checked_against_a_hash_like_a_known_one(app, make_user, monkeypatch):
    """No shortcut for an unknown address: the time to refuse tells nobody who has an account."""
    user = make_user()
    checked: list[str] = []
    real = users.check_password_hash

    def counting(hashed: str, password: str) -> bool:
        checked.append(hashed)
        return real(hashed, password)

    monkeypatch.setattr(users, "check_password_hash", counting)
    assert users.authenticate(db.session, "nobody@school.test", "whatever") is None
    assert len(checked) == 1 and checked[0].startswith("scrypt:")
    assert users.authenticate(db.session, user.email, PASSWORD) is not None


def test_an_administrator_resets_a_password_from_the_command_line(app, make_user):
    from tocapp.models import LoginSession

    user = make_user()
    users.start_login(db.session, user)
    db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["user", "password", "--email", user.email],
        input=f"{NEW_PASSWORD}\n{NEW_PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    changed = db.session.get(User, user.id)
    assert changed.check_password(NEW_PASSWORD)
    assert db.session.query(LoginSession).filter_by(user_id=user.id).count() == 0
    refused = runner.invoke(args=["user", "password", "--email", user.email], input="abc\nabc\n")
    assert refused.exit_code != 0 and "at least 10 characters" in refused.output
