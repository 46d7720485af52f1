"""Flask's signed-cookie session, without verifying the same cookie again on every request.

A browser sends the same session cookie with every request until its session changes. Checking
its signature (a key derivation and an HMAC), decompressing and decoding it took a tenth of a
small page's time. This process remembers the cookies it has verified, by their exact text —
signature included — so only a cookie that verified before is recognised; its age is checked
against the session lifetime every time, exactly as the signature check would, and each request
gets its own copy of what it holds. Only flat sessions (text, numbers, flags: the login, the CSRF
secret) are remembered; one holding messages to flash is read the ordinary way.

Nothing here decides who is logged in: the cookie names a login, and ``services.users.find_login``
still checks on every request that the login has not ended.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from itsdangerous import BadSignature

_FLAT = (str, int, float, bool, type(None))


class VerifiedCookieSessions(SecureCookieSessionInterface):
    """Flask's own cookie sessions, remembering up to ``MAX_REMEMBERED`` verified cookies."""

    MAX_REMEMBERED = 4096

    def __init__(self) -> None:
        self._verified: dict[tuple[Any, str], tuple[int, dict[str, Any]]] = {}
        self._lock = threading.Lock()

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        value = request.cookies.get(self.get_cookie_name(app))
        if not value or not app.secret_key:
            return super().open_session(app, request)
        max_age = int(app.permanent_session_lifetime.total_seconds())
        key = (app.secret_key, value)
        known = self._verified.get(key)
        if known is not None:
            signed_at, data = known
            if 0 <= int(time.time()) - signed_at <= max_age:
                return self.session_class(data)  # a new dict: changes stay in this request
        serializer = self.get_signing_serializer(app)
        assert serializer is not None
        try:
            data, signed = serializer.loads(value, max_age=max_age, return_timestamp=True)
        except BadSignature:  # tampered with, or expired
            return self.session_class()
        if isinstance(data, dict) and all(isinstance(v, _FLAT) for v in data.values()):
            with self._lock:
                if len(self._verified) >= self.MAX_REMEMBERED:
                    self._verified.clear()
                self._verified[key] = (int(signed.timestamp()), dict(data))
        return self.session_class(data)
