"""The login check every request runs (``users.find_login``, one statement built once): it finds
the account only while that very login lasts, for that account, and never another's."""

from __future__ import annotations

from tocapp.extensions import db
from tocapp.services import users


def test_a_live_login_finds_its_account_and_carries_the_token(make_user):
    user = make_user()
    token = users.start_login(db.session, user)
    db.session.commit()
    user_id = user.id
    db.session.expunge_all()  # read from the database, not the session's identity map
    found = users.find_login(db.session, user_id, token)
    assert found is not None and found.id == user_id and found.login_token == token


def test_a_logged_out_token_is_refused_and_the_others_go_on(make_user):
    user = make_user()
    first = users.start_login(db.session, user)
    second = users.start_login(db.session, user)
    db.session.commit()
    user.login_token = first
    users.end_login(db.session, user)
    db.session.commit()
    assert users.find_login(db.session, user.id, first) is None
    assert users.find_login(db.session, user.id, second) is not None  # another browser


def test_a_token_only_opens_its_own_account(make_user):
    alice, bob = make_user(), make_user()
    token = users.start_login(db.session, alice)
    db.session.commit()
    assert users.find_login(db.session, bob.id, token) is None
    assert users.find_login(db.session, alice.id, token + "0") is None
    assert users.find_login(db.session, alice.id, "") is None


def test_a_password_change_ends_every_login(make_user):
    user = make_user()
    tokens = [users.start_login(db.session, user) for _ in range(2)]
    db.session.commit()
    users.end_all_logins(db.session, user)
    db.session.commit()
    assert all(users.find_login(db.session, user.id, t) is None for t in tokens)
