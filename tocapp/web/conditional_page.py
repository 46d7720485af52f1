"""Conditional GET for a page kept by its study's revision: an ETag, and 304 Not Modified.

A browser that still has the page sends its ETag back (``If-None-Match``); when nothing the page
shows has changed, the answer is an empty 304 and the browser shows what it has. The ETag covers
everything the page holds: the key its HTML is kept under (the study's revision, the setting, the
version, what the reader may do, the application's code), and what the page around it shows of
the reader — their account, name and login, and the session's CSRF secret the page's forms are
signed with. A page with a message to flash is always sent whole, as is one whose drawing failed
(it is not kept, so it has no ETag). ``Cache-Control: private, no-cache`` makes the browser ask
every time, and keeps the page out of shared caches.
"""

from __future__ import annotations

import hashlib

from flask import Response, current_app, request, session
from flask_login import current_user

from tocapp.web.csrf_token import csrf_token

REVALIDATE = "private, no-cache"


def page_etag(kept_key: str) -> str:
    """The page's entity tag for this reader (weak: the CSRF token's text differs each time)."""
    csrf_token()  # the secret the page's forms are signed with, made now if it is new
    reader = (
        kept_key,
        current_user.id,
        current_user.name,
        getattr(current_user, "login_token", ""),
        session.get(current_app.config["WTF_CSRF_FIELD_NAME"], ""),
    )
    return hashlib.sha256(repr(reader).encode("utf-8")).hexdigest()[:40]


def not_modified(etag: str) -> Response | None:
    """An empty 304 when the browser already has this page; None when it must be sent."""
    if "_flashes" in session or not request.if_none_match.contains_weak(etag):
        return None
    response = Response(status=304)
    return with_etag(response, etag)


def with_etag(response: Response, etag: str) -> Response:
    response.set_etag(etag, weak=True)
    response.headers["Cache-Control"] = REVALIDATE
    return response
