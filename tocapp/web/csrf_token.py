"""The CSRF token every page's forms carry (the logout button is on every page), signed once per
session secret rather than on every page.

Flask-WTF signs the session's CSRF secret anew for each request (a key derivation and an HMAC
with a timestamp). Tokens have no time limit here (``WTF_CSRF_TIME_LIMIT`` is None: a long
interview must not expire its form), so the timestamp is never checked and the token first signed
for a secret is exactly as valid as a new one: this process remembers it, by signing key and
secret, and the page's forms use it too. A session only ever gets the token of its own secret,
and with a time limit configured every request signs anew, as Flask-WTF does.
"""

from __future__ import annotations

import threading

from flask import current_app, g, session
from flask_wtf.csrf import generate_csrf

MAX_REMEMBERED = 4096
_signed: dict[tuple[object, str], str] = {}
_lock = threading.Lock()


def csrf_token() -> str:
    """The signed CSRF token for this session (Jinja's ``csrf_token()``)."""
    config = current_app.config
    field = config.get("WTF_CSRF_FIELD_NAME") or "csrf_token"
    secret = session.get(field)
    if config.get("WTF_CSRF_TIME_LIMIT") is not None or not isinstance(secret, str):
        return generate_csrf()  # signs (and makes the session's secret when it is new)
    key = (config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key, secret)
    token = _signed.get(key)
    if token is None:
        token = generate_csrf()
        with _lock:
            if len(_signed) >= MAX_REMEMBERED:
                _signed.clear()
            _signed[key] = token
    elif field not in g:
        setattr(g, field, token)  # where Flask-WTF's forms look for this request's token
    return token
