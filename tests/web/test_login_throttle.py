"""Guessing passwords is slowed down: after a few failed logins for one account, or many from one
address, the login waits and says for how long. Successful logins never count."""

from __future__ import annotations

from tests.conftest import PASSWORD


def _try(client, email: str, password: str):
    return client.post("/login", data={"email": email, "password": password})


def test_an_account_waits_after_five_wrong_passwords_and_says_how_long(client, make_user):
    target, bystander = make_user(), make_user()
    for _ in range(5):
        response = _try(client, target.email, "wrong password")
        assert response.status_code == 200 and "do not match" in response.get_data(as_text=True)
    blocked = _try(client, target.email.upper(), PASSWORD)  # even the right one, any case
    page = blocked.get_data(as_text=True)
    assert blocked.status_code == 429
    assert "Try again in 5 minutes" in page and 60 <= int(blocked.headers["Retry-After"]) <= 300
    assert _try(client, bystander.email, PASSWORD).status_code == 302  # others are not held up


def test_an_address_waits_after_many_failures_across_accounts(app, client, make_user):
    app.config["LOGIN_LIMIT_PER_ADDRESS"] = "3 per minute"
    accounts = [make_user() for _ in range(4)]
    for user in accounts[:3]:
        assert _try(client, user.email, "wrong password").status_code == 200
    assert _try(client, accounts[3].email, PASSWORD).status_code == 429


def test_successful_logins_never_count(client, make_user):
    user = make_user()
    for _ in range(12):
        assert _try(client, user.email, PASSWORD).status_code == 302
        client.post("/logout")


def test_the_counts_live_in_the_configured_redis_so_servers_count_together(app_config):
    from tocapp import create_app

    alone = create_app(app_config)
    assert alone.config["RATELIMIT_STORAGE_URI"] == "memory://"
    shared = create_app({**app_config, "JOBS_REDIS_URL": "redis://127.0.0.1:6390/0"})
    assert shared.config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6390/0"
