"""Logging in and out, and changing one's password.

Logging out ends the login on the server too (its LoginSession row is deleted), so a copy of its
cookies stops working; a password change ends every login of the account.
"""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response
from wtforms import BooleanField, EmailField, PasswordField
from wtforms.validators import DataRequired, EqualTo, Length

from tocapp.domain.errors import DomainError
from tocapp.extensions import db, limiter
from tocapp.services import audit
from tocapp.services.users import (
    authenticate,
    change_password,
    end_login,
    find_user_by_email,
    start_login,
)
from tocapp.web.forms.base import Form

bp = Blueprint("auth", __name__)


class LoginForm(Form):
    email = EmailField("E-mail address", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])
    remember = BooleanField("Keep me logged in on this computer")


def _failed(response: Response) -> bool:
    """Only failed logins count towards the limits (a success redirects)."""
    return response.status_code != 302


def _account() -> str:
    return "account:" + (request.form.get("email") or "").strip().lower()


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"],
    methods=["POST"],
    deduct_when=_failed,
    scope="login-address",
)
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"],
    key_func=_account,
    methods=["POST"],
    deduct_when=_failed,
    scope="login-account",
)
def login() -> str | Response:
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(db.session, form.email.data or "", form.password.data or "")
        if user is not None:
            start_login(db.session, user, address=request.remote_addr or "")
            login_user(user, remember=form.remember.data)
            return redirect(_safe_next(request.args.get("next")))
        _record_failure("wrong e-mail address or password")
        flash("That e-mail address and password do not match an account.", "error")
    return render_template("auth/login.html", form=form)


def _record_failure(why: str) -> None:
    """A failed login is in the trail under the address typed (the account, if there is one)."""
    typed = (request.form.get("email") or "").strip().lower()[:254]
    account = find_user_by_email(db.session, typed) if typed else None
    audit.record_after(
        g.setdefault("audit_queue", []),
        None,  # whoever typed it, even in a browser where someone is logged in
        "login.failure",
        object_type="users",
        object_id=account.id if account else None,
        actor_text=f"login as {typed or '(no e-mail address)'}",
        address=request.remote_addr or "",
        summary=why,
    )


def too_many_attempts(_error: Exception) -> tuple[str, int, dict[str, str]]:
    """The login waits: say for how long, in words and in Retry-After."""
    current = limiter.current_limit
    wait = max(60, int(current.reset_at - time.time())) if current else 300
    minutes = (wait + 59) // 60
    page = render_template("auth/too_many.html", minutes=minutes)
    _record_failure("refused: too many failed attempts")
    return page, 429, {"Retry-After": str(wait)}


@bp.post("/logout")
def logout() -> Response:
    if current_user.is_authenticated:
        end_login(db.session, current_user._get_current_object())
    logout_user()
    flash("You have logged out.", "info")
    return redirect(url_for("auth.login"))


class PasswordForm(Form):
    current = PasswordField("Current password", validators=[DataRequired(), Length(max=200)])
    new = PasswordField(
        "New password", validators=[DataRequired(), Length(max=200, message="At most 200.")]
    )
    again = PasswordField(
        "New password again",
        validators=[DataRequired(), EqualTo("new", message="The two new passwords differ.")],
    )


@bp.route("/account/password", methods=["GET", "POST"])
def password() -> tuple[str, int] | Response:
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            user = current_user._get_current_object()  # the account, not the request's proxy
            change_password(db.session, user, form.current.data or "", form.new.data or "")
        except DomainError as error:
            form.new.errors = [*form.new.errors, str(error)]
        else:
            start_login(
                db.session, user, address=request.remote_addr or ""
            )  # this browser goes on, under a new login; others end
            login_user(user)
            flash("Your password is changed. You are logged out everywhere else.", "success")
            return redirect(url_for("studies.index"))
    return render_template("auth/password.html", form=form), 400 if form.is_submitted() else 200


def _safe_next(target: str | None) -> str:
    """Only follow same-site relative paths after login."""
    if target and target.startswith("/") and not target.startswith("//"):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return url_for("studies.index")
