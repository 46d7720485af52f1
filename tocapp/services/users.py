"""Accounts: creating users, checking passwords, changing them."""

from __future__ import annotations

import re
import secrets

from sqlalchemy import bindparam, delete, func, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash
from zxcvbn import zxcvbn

from tocapp.domain.errors import DomainError
from tocapp.models import LoginSession, User
from tocapp.services import audit
from tocapp.services.audit import Actor


def find_user_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


# A hash of a password nobody has: checked when the e-mail matches no account, so an unknown
# address takes as long to refuse as a wrong password (no way to tell which accounts exist).
_NOBODY = generate_password_hash(secrets.token_hex(16))
MIN_PASSWORD = 10


def authenticate(session: Session, email: str, password: str) -> User | None:
    user = find_user_by_email(session, email)
    if user is None:
        check_password_hash(_NOBODY, password)
        return None
    return user if user.check_password(password) else None


def check_new_password(password: str, *about: str) -> None:
    """Refuse a short or guessable password: one built on the person's own name or address, or
    one zxcvbn (common passwords, words, keyboard patterns, dates) finds easy to guess."""
    if len(password) < MIN_PASSWORD:
        raise DomainError(f"A password needs at least {MIN_PASSWORD} characters.")
    # zxcvbn's own "user inputs" live in a module-wide dictionary shared between threads, so the
    # person's words are checked here instead.
    own = [text.split("@")[0] for text in about]  # a name, and an address before its @
    words = {w for text in own for w in re.split(r"[\W_]+", text.lower()) if len(w) > 3}
    if any(word in password.lower() for word in words):
        raise DomainError(
            "That password would be easy to guess: it contains your name or e-mail address. "
            "A few unrelated words together work well."
        )
    verdict = zxcvbn(password[:100])
    if verdict["score"] < 3:
        feedback = verdict["feedback"]
        hint = feedback.get("warning") or " ".join(feedback.get("suggestions", []))
        raise DomainError(
            "That password would be easy to guess. "
            + (f"{hint} " if hint else "")
            + "A few unrelated words together work well."
        )


def change_password(session: Session, user: User, current: str, new: str) -> None:
    """Change a password knowing the current one; every other session of the account ends."""
    if not user.check_password(current):
        raise DomainError("The current password is not right.")
    check_new_password(new, user.email, user.name)
    set_password(session, user, user, new)


def set_password(session: Session, actor: Actor, user: User, new: str) -> None:
    """Set a password (an administrator's reset, or after the check above): ends all sessions."""
    check_new_password(new, user.email, user.name)
    user.set_password(new)
    end_all_logins(session, user)
    audit.record(
        session,
        actor,
        "password.change",
        target=user,
        summary=f"Password of {user.email} changed; every login of the account ended",
    )


def start_login(session: Session, user: User, address: str = "") -> str:
    """A new login of this account (one browser); returns its token, also set on ``user``."""
    login = LoginSession(user_id=user.id)
    session.add(login)
    session.flush()
    user.login_token = login.token
    audit.record(session, user, "login.success", target=user, address=address)
    return login.token


# Every request of a logged-in browser runs this, so it is built once: constructing a SELECT and
# computing its cache key cost more than running it (SQLAlchemy memoises both on the object).
_LOGIN = (
    select(User)
    .join(LoginSession, LoginSession.user_id == User.id)
    .where(User.id == bindparam("user_id"), LoginSession.token == bindparam("token"))
)


def find_login(session: Session, user_id: int, token: str) -> User | None:
    """The account a cookie names, if that login has not ended: one indexed statement, read on
    every request, so a logout or a password change in any worker ends the login at once."""
    user = session.scalar(_LOGIN, {"user_id": user_id, "token": token})
    if user is not None:
        user.login_token = token
    return user


def end_login(session: Session, user: User) -> None:
    """Log out this one login: its cookies, and any copy of them, stop working."""
    audit.record(session, user, "logout", target=user)
    session.execute(
        delete(LoginSession).where(
            LoginSession.user_id == user.id, LoginSession.token == user.login_token
        )
    )


def end_all_logins(session: Session, user: User) -> None:
    session.execute(delete(LoginSession).where(LoginSession.user_id == user.id))
    session.flush()


def create_user(
    session: Session,
    actor: Actor,
    email: str,
    name: str,
    password: str,
    *,
    public_demo: bool = False,
) -> User:
    """Create an account; the e-mail address must be new and the password hard to guess (except
    the demo's, which is printed for everyone on purpose)."""
    if find_user_by_email(session, email) is not None:
        raise DomainError(f"An account for {email} already exists.")
    if not public_demo:
        check_new_password(password, email, name)
    user = User(email=email.strip().lower(), name=name.strip() or email)
    user.set_password(password)
    session.add(user)
    session.flush()
    audit.record(
        session, actor, "user.create", target=user, summary=f"Account {user.email} created"
    )
    return user
