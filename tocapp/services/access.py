"""Load-then-authorise: every object is reached through its study's membership."""

from __future__ import annotations

from typing import Any, TypeVar, cast

from sqlalchemy import Select, and_, bindparam, select
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


def _with_role(model: Any) -> Select[Any]:
    """An object whose own row names its study, and the user's role there, in one statement."""
    project_id = model.id if model is Project else model.project_id
    member = and_(_MEMBERS.c.project_id == project_id, _MEMBERS.c.user_id == bindparam("user_id"))
    return (
        select(model, _MEMBERS.c.role)
        .outerjoin(_MEMBERS, member)
        .where(model.id == bindparam("object_id"))
    )


# What most pages load first: read with the role, one statement instead of two.
_WITH_ROLE = {model: _with_role(model) for model in (Project, Setting, Round, ReportJob)}


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
    """Fetch an object the user may see: 404 for unknown ids and non-members, 403 for low roles.

    A study, setting, round or report job is read with the role in one statement, from the
    database (so the session flushes first): call it before changing anything, as views do."""
    role: Role | None
    with_role = _WITH_ROLE.get(model)
    if with_role is not None:
        row = session.execute(with_role, {"object_id": object_id, "user_id": user.id}).first()
        if row is None:
            raise NotFoundError(model.__name__)
        obj, value = cast(T, row[0]), row[1]
        role = Role(value) if value else None
    else:
        found = session.get(model, object_id)
        if found is None:
            raise NotFoundError(model.__name__)
        obj, role = found, role_in(session, user, _project_id_of(found))
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
