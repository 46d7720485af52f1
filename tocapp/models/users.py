"""People who log in, and what they may do in each study."""

from __future__ import annotations

import secrets
from datetime import datetime
from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from tocapp.extensions import db
from tocapp.models.base import utcnow


class Role(StrEnum):
    """A member's role in one study; each role can do everything the ones after it can."""

    OWNER = "owner"
    INTERVIEWER = "interviewer"
    VIEWER = "viewer"

    @property
    def rank(self) -> int:
        return {Role.VIEWER: 0, Role.INTERVIEWER: 1, Role.OWNER: 2}[self]

    def at_least(self, other: Role) -> bool:
        return self.rank >= other.rank

    @property
    def can_manage_study(self) -> bool:
        return self is Role.OWNER

    @property
    def can_record(self) -> bool:
        return self.at_least(Role.INTERVIEWER)

    @property
    def can_see_real_names(self) -> bool:
        return self.at_least(Role.INTERVIEWER)


class User(UserMixin, db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(256))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    memberships: Mapped[list[Membership]] = relationship(back_populates="user")

    # The login this request belongs to (set at login, and by the user loader): not a column.
    login_token: str = ""

    def get_id(self) -> str:
        """What Flask-Login keeps in the session and the remember-me cookie: the account and the
        token of this one login, which logout deletes."""
        return f"{self.id}:{self.login_token}"

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)


class Membership(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("project_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(20))

    user: Mapped[User] = relationship(back_populates="memberships")
    project: Mapped["Project"] = relationship(back_populates="memberships")  # noqa: F821, UP037

    @property
    def role_enum(self) -> Role:
        return Role(self.role)


class LoginSession(db.Model):  # type: ignore[name-defined,misc]
    """One login (one browser): its token is in that browser's session and remember-me cookies.

    Logging out deletes it, so a copy of those cookies stops working; changing the password
    deletes every one of the account's. Each login has a new token, so the remember-me cookie
    is never the same twice.
    """

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token: Mapped[str] = mapped_column(
        String(64), unique=True, default=lambda: secrets.token_hex(24)
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
