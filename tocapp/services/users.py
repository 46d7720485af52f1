"""Accounts: creating users and checking passwords."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tocapp.domain.errors import DomainError
from tocapp.models import User


def find_user_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def authenticate(session: Session, email: str, password: str) -> User | None:
    user = find_user_by_email(session, email)
    if user is None or not user.check_password(password):
        return None
    return user


def create_user(session: Session, email: str, name: str, password: str) -> User:
    """Create an account; the e-mail address must be new."""
    if find_user_by_email(session, email) is not None:
        raise DomainError(f"An account for {email} already exists.")
    if len(password) < 8:
        raise DomainError("A password needs at least 8 characters.")
    user = User(email=email.strip().lower(), name=name.strip() or email)
    user.set_password(password)
    session.add(user)
    session.flush()
    return user
