"""The web layer: blueprints that parse, authorise, call one service and respond."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, redirect, render_template, request, url_for
from flask_login import current_user

from tocapp.extensions import db, login_manager
from tocapp.models import User
from tocapp.models.sqlite import READ_ONLY
from tocapp.services.errors import ForbiddenError, NotFoundError

# Deny by default: every endpoint needs a logged-in user except these.
PUBLIC_ENDPOINTS = frozenset({"auth.login", "static"})


def register_web(app: Flask) -> None:
    from tocapp.web import (
        auth,
        comparisons,
        coverage,
        every_voice,
        exports,
        flowcharts,
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
    app.register_blueprint(withdrawals.bp)
    app.register_blueprint(every_voice.bp)
    app.register_blueprint(coverage.bp)
    app.register_blueprint(comparisons.bp)
    app.register_blueprint(report_jobs.bp)
    app.register_blueprint(exports.bp)

    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please log in to continue."
    login_manager.login_message_category = "info"
    login_manager.user_loader(_load_user)

    app.before_request(_read_only_when_safe)
    app.before_request(_require_login)
    app.after_request(_commit_request)
    app.teardown_request(_rollback_on_error)
    app.register_error_handler(NotFoundError, _not_found)
    app.register_error_handler(ForbiddenError, _forbidden)
    app.register_error_handler(404, _not_found)
    app.register_error_handler(403, _forbidden)

    from tocapp.web.filters import register_filters

    register_filters(app)


def _load_user(user_id: str) -> User | None:
    return db.session.get(User, int(user_id))


def _read_only_when_safe() -> None:
    """GET and HEAD only read, so on SQLite they take no write lock (models/sqlite.py).

    A slow page (a comparison across fifty settings, a PDF built in the request) then never keeps
    anyone else's save waiting. Writing in a GET would fail loudly under contention, which is
    the point: GETs must not write.
    """
    # (A session already in a transaction — only in tests, which share theirs — is left as it is.)
    if request.method in ("GET", "HEAD") and not db.session().in_transaction():
        db.session.connection(execution_options={READ_ONLY: True})


def _require_login() -> Any:
    if request.endpoint in PUBLIC_ENDPOINTS or current_user.is_authenticated:
        return None
    if request.endpoint is None:
        return None  # let Flask answer 404 for unknown URLs (after login, same as elsewhere)
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _commit_request(response: Response) -> Response:
    """One commit per request: services only flush; failed requests are rolled back, and so is
    every GET, HEAD and OPTIONS, whatever a view did — on every database, safe requests change
    nothing."""
    if response.status_code < 400 and request.method not in SAFE_METHODS:
        db.session.commit()
    else:
        db.session.rollback()
    return response


def _rollback_on_error(exc: BaseException | None) -> None:
    if exc is not None:
        db.session.rollback()


def _not_found(_error: Exception) -> tuple[str, int]:
    return render_template("errors/404.html"), 404


def _forbidden(_error: Exception) -> tuple[str, int]:
    return render_template("errors/403.html"), 403
