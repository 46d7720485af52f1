"""The web layer: blueprints that parse, authorise, call one service and respond."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, current_app, g, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import text
from werkzeug.routing import IntegerConverter, Map

from tocapp.extensions import db, login_manager
from tocapp.models import User
from tocapp.models.sqlite import READ_ONLY
from tocapp.render import text_fit
from tocapp.services import audit
from tocapp.services.errors import ForbiddenError, NotFoundError
from tocapp.services.users import find_login

# Requests that only read: never committed, and read-only on the database.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# Deny by default: every endpoint needs a logged-in user except these.
PUBLIC_ENDPOINTS = frozenset({"auth.login", "static"})


# The largest id an id column holds (INTEGER, 32-bit on PostgreSQL).
MAX_DATABASE_ID = 2**31 - 1


def database_int(value: object) -> int:
    """A whole number from a query string or a form that an integer column can hold (an id, a
    version or revision number). Anything else is a ValueError, which ``request.args.get(name,
    type=database_int)`` reads as absent and a form field as invalid: a number too big for the
    database is unknown like any other, never a database error."""
    number = int(str(value))
    if not 0 <= number <= MAX_DATABASE_ID:
        raise ValueError("That is not one of the choices.")
    return number


class DatabaseId(IntegerConverter):
    """``<int:…>`` in every URL: a number too big for an id column (32-bit on PostgreSQL) is a
    404 like any other unknown id, not a database error."""

    def __init__(self, url_map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_DATABASE_ID)
        super().__init__(url_map, *args, **kwargs)


def register_web(app: Flask) -> None:
    app.url_map.converters["int"] = DatabaseId
    from tocapp.web import (
        activity,
        archives,
        auth,
        chart_images,
        comparisons,
        coverage,
        erasure,
        every_voice,
        exports,
        flowcharts,
        interviewee_screen,
        interviews,
        participants,
        report_jobs,
        rounds,
        settings,
        studies,
        voices,
        withdrawals,
    )

    for module in (auth, studies, settings, participants, rounds, interviews, flowcharts, voices):
        app.register_blueprint(module.bp)
    app.register_blueprint(activity.bp)
    app.register_blueprint(erasure.bp)
    app.register_blueprint(withdrawals.bp)
    app.register_blueprint(every_voice.bp)
    app.register_blueprint(coverage.bp)
    app.register_blueprint(comparisons.bp)
    app.register_blueprint(report_jobs.bp)
    app.register_blueprint(exports.bp)
    app.register_blueprint(archives.bp)
    app.register_blueprint(interviewee_screen.bp)

    from tocapp.web import drafts

    app.register_blueprint(drafts.bp)

    from tocapp.web.cookie_session import VerifiedCookieSessions

    app.session_interface = VerifiedCookieSessions()  # the same cookie is verified only once

    from tocapp.web.csrf_token import csrf_token

    # Signed once per session secret; Flask-WTF puts its own in the globals and, through a
    # context processor, in every template's context, which this one (run after it) replaces.
    app.jinja_env.globals["csrf_token"] = csrf_token
    app.context_processor(lambda: {"csrf_token": csrf_token})

    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please log in to continue."
    login_manager.login_message_category = "info"
    login_manager.user_loader(_load_user)

    audit.install_guard()
    app.before_request(chart_images.note_cache_stamp)  # before anything is read
    app.before_request(_read_only_when_safe)
    app.before_request(_require_login)
    app.after_request(_commit_request)
    app.teardown_request(_rollback_on_error)
    app.register_error_handler(NotFoundError, _not_found)
    app.register_error_handler(ForbiddenError, _forbidden)
    app.register_error_handler(404, _not_found)
    app.register_error_handler(403, _forbidden)
    app.register_error_handler(413, _too_large)
    app.register_error_handler(429, auth.too_many_attempts)
    app.register_error_handler(500, _server_error)

    from tocapp.web.filters import register_filters

    register_filters(app)


def _load_user(user_id: str) -> User | None:
    """The account a cookie names, only while that login has not ended (logout, password)."""
    number, _, token = user_id.partition(":")
    if not number.isdigit() or not token:
        return None
    return find_login(db.session, int(number), token)


def _read_only_when_safe() -> None:
    """GET and HEAD only read: their transaction says so to the database.

    On SQLite that is a deferred ``BEGIN`` (models/sqlite.py), so a slow page (a comparison
    across fifty settings, a PDF built in the request) takes no write lock and never keeps anyone
    else's save waiting. On PostgreSQL it is ``SET TRANSACTION READ ONLY``. Either way a write in
    a GET fails loudly, which is the point; and the request wrapper never commits one anyway.
    """
    if request.method in SAFE_METHODS:
        begin_read_only()


def begin_read_only() -> None:
    """Start the session's next transaction as one that only reads (also for a streamed
    response, which reads after the request's own transaction has ended)."""
    # (A session already in a transaction — only in tests, which share theirs — is left as it is.)
    if db.session().in_transaction():
        return
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("SET TRANSACTION READ ONLY"))
    else:
        db.session.connection(execution_options={READ_ONLY: True})


def _require_login() -> Any:
    if request.endpoint in PUBLIC_ENDPOINTS or current_user.is_authenticated:
        return None
    if request.endpoint is None:
        return None  # let Flask answer 404 for unknown URLs (after login, same as elsewhere)
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def _commit_request(response: Response) -> Response:
    """One commit per request: services only flush; failed requests are rolled back, and so is
    every GET, HEAD and OPTIONS, whatever a view did — on every database, safe requests change
    nothing. A change without an audit entry is a bug: it fails loudly under test and is logged
    in production. What the request served (``audit_later``) is then written on its own."""
    if response.status_code < 400 and request.method not in SAFE_METHODS:
        if audit.unaudited_change(db.session):
            if current_app.testing:
                raise RuntimeError(f"{request.endpoint} changed data without an audit entry")
            current_app.logger.error("%s changed data without an audit entry", request.endpoint)
        db.session.commit()
    else:
        db.session.rollback()
    queued = g.pop("audit_queue", None)
    if queued:
        audit.write_queued(db.session, queued)
        db.session.commit()
    return response


def _rollback_on_error(exc: BaseException | None) -> None:
    if exc is not None:
        db.session.rollback()
    text_fit.forget()  # the words measured for this request's charts are not kept after it


def _too_large(_error: Exception) -> tuple[str, int]:
    limit = current_app.config.get("MAX_CONTENT_LENGTH") or 0
    return render_template("errors/413.html", limit=f"{limit / 1024 / 1024:.0f} MB"), 413


def _server_error(_error: Exception) -> tuple[str, int]:
    """Our own page, not Werkzeug's; the request was rolled back (teardown) and logged."""
    db.session.rollback()
    try:
        return render_template("errors/500.html"), 500
    except Exception:  # noqa: BLE001  (a broken template must not hide the first error)
        return "Something went wrong, and nothing was saved. Please try again.", 500


def _not_found(_error: Exception) -> tuple[str, int]:
    return render_template("errors/404.html"), 404


def _forbidden(_error: Exception) -> tuple[str, int]:
    return render_template("errors/403.html"), 403
