"""Load-then-authorise: every object is reached through its study's membership."""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from tocapp.models import (
    FlowchartVersion,
    Interview,
    Link,
    Membership,
    Participant,
    Project,
    ReportJob,
    Round,
    Setting,
    Step,
    User,
)
from tocapp.models.users import Role
from tocapp.services.errors import ForbiddenError, NotFoundError

T = TypeVar("T")


# Run by nearly every request: built once, since building a SELECT costs more than running it,
# and on the table's columns, which spares the ORM's work per statement.
_MEMBERS = Membership.__table__
_ROLE = select(_MEMBERS.c.role).where(
    _MEMBERS.c.project_id == bindparam("project_id"), _MEMBERS.c.user_id == bindparam("user_id")
)


def role_in(session: Session, user: User, project_id: int) -> Role | None:
    """The user's role in a study, or None for a non-member."""
    role = session.scalar(_ROLE, {"project_id": project_id, "user_id": user.id})
    return Role(role) if role else None


def _project_id_of(obj: object) -> int:
    match obj:
        case Project():
            return obj.id
        case Setting() | Round() | ReportJob():
            return obj.project_id
        case Participant() | Interview():
            return obj.setting.project_id
        case FlowchartVersion():
            return obj.setting.project_id
        case Step() | Link():
            return obj.version.setting.project_id
    raise TypeError(f"no study path for {type(obj).__name__}")


def load(
    session: Session, user: User, model: type[T], object_id: int, need: Role = Role.VIEWER
) -> tuple[T, Role]:
    """Fetch an object the user may see: 404 for unknown ids and non-members, 403 for low roles."""
    obj = session.get(model, object_id)
    if obj is None:
        raise NotFoundError(model.__name__)
    role = role_in(session, user, _project_id_of(obj))
    if role is None:
        raise NotFoundError(model.__name__)
    if not role.at_least(need):
        raise ForbiddenError(f"{need.value} role needed")
    return obj, role


def load_in(
    session: Session,
    user: User,
    model: type[T],
    object_id: int,
    parent_id: int,
    need: Role = Role.VIEWER,
) -> tuple[T, Role]:
    """Like load, but also 404 when the object is not inside the study named in the URL."""
    obj, role = load(session, user, model, object_id, need)
    if _project_id_of(obj) != parent_id:
        raise NotFoundError(model.__name__)
    return obj, role
