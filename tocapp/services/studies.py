"""Setting up a study: the project, its groups, members and settings (participants and rounds:
``services.participants``, ``services.rounds``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tocapp.domain.people import DEFAULT_MIN_GROUP
from tocapp.domain.theory import DEFAULT_GROUPS
from tocapp.models import Membership, Project, ProjectGroup, Round, Setting, User
from tocapp.models.users import Role
from tocapp.services import audit
from tocapp.services.audit import Actor
from tocapp.services.errors import FieldError, NotFoundError
from tocapp.services.rounds import RETURN_INTERVAL_DAYS
from tocapp.services.users import find_user_by_email

MAX_GROUP_NAME = 60  # ProjectGroup.name
MAX_SETTING_CODE = 12  # Setting.code


@dataclass
class ProjectFields:
    title: str
    focus: str = ""
    partner: str = ""
    intervention: str = ""
    min_group_size: int = DEFAULT_MIN_GROUP
    personal_data_until: date | None = None


def studies_for(session: Session, user: User) -> list[tuple[Project, Role]]:
    """The studies a user is a member of, newest first, with their role in each."""
    rows = session.execute(
        select(Project, Membership.role)
        .join(Membership, Membership.project_id == Project.id)
        .where(Membership.user_id == user.id)
        .order_by(Project.created_at.desc(), Project.id.desc())
    ).all()
    return [(project, Role(role)) for project, role in rows]


def create_project(
    session: Session,
    user: User,
    fields: ProjectFields,
    groups: list[str] | None = None,
    first_round_on: date | None = None,
) -> Project:
    """Create a study owned by the user, with its groups and the two default rounds."""
    _require_title(fields.title)
    project = Project(
        title=fields.title.strip(),
        focus=fields.focus.strip(),
        partner=fields.partner.strip(),
        intervention=fields.intervention.strip(),
        min_group_size=_min_group(fields.min_group_size),
        personal_data_until=fields.personal_data_until,
    )
    session.add(project)
    session.add(Membership(project=project, user_id=user.id, role=Role.OWNER.value))
    set_groups(project, groups if groups else list(DEFAULT_GROUPS))
    start = first_round_on or date.today()
    project.rounds.append(
        Round(
            number=1, title="Initial theory of change interviews", kind="initial", planned_on=start
        )
    )
    project.rounds.append(
        Round(
            number=2,
            title="Return interviews",
            kind="return",
            planned_on=start + timedelta(days=RETURN_INTERVAL_DAYS),
        )
    )
    # Seed the shared schedules here (a POST), so listing them later never writes on a GET.
    from tocapp.services.schedules import ensure_built_in_schedules  # schedules imports us

    ensure_built_in_schedules(session)
    session.flush()
    audit.record(
        session,
        user,
        "study.create",
        project_id=project.id,
        target=project,
        summary=f"Study created: {project.title}",
        changes=audit.created(project, *PROJECT_FIELDS),
    )
    return project


PROJECT_FIELDS = (
    "title",
    "focus",
    "partner",
    "intervention",
    "min_group_size",
    "personal_data_until",
)


def update_project(session: Session, actor: Actor, project: Project, fields: ProjectFields) -> None:
    """Change the study's title, focus, partner and intervention."""
    _require_title(fields.title)
    before = audit.snapshot(project, *PROJECT_FIELDS)
    project.title = fields.title.strip()
    project.focus = fields.focus.strip()
    project.partner = fields.partner.strip()
    project.intervention = fields.intervention.strip()
    project.min_group_size = _min_group(fields.min_group_size)
    project.personal_data_until = fields.personal_data_until
    audit.record(
        session,
        actor,
        "study.edit",
        project_id=project.id,
        target=project,
        summary="Study details edited",
        changes=audit.diff(before, project),
    )
    session.flush()


def _min_group(size: int) -> int:
    """Fewer than two would show one person's marks to their leaders as a "group"."""
    if not 2 <= size <= 50:
        raise FieldError("min_group_size", "Use a number from 2 to 50.")
    return size


def update_study(
    session: Session, actor: Actor, project: Project, fields: ProjectFields, groups: list[str]
) -> None:
    """The edit page's one write: groups first (they may refuse), then the study's fields."""
    before = project.group_names
    set_groups(project, groups)
    update_project(session, actor, project, fields)
    if project.group_names != before:
        audit.record(
            session,
            actor,
            "study.edit",
            project_id=project.id,
            target=project,
            summary="Groups changed",
            changes={"groups": [before, project.group_names]},
        )


def _require_title(title: str) -> None:
    if not title.strip():
        raise FieldError("title", "Give the study a title.")


def parse_groups(text: str) -> list[str]:
    """Groups typed one per line (or comma-separated): trimmed, blank and repeated ones dropped."""
    return _distinct(part for line in text.splitlines() for part in line.split(","))


def _distinct(names: Iterable[str]) -> list[str]:
    """Trimmed names without blanks or repeats (ignoring case), in the order first given."""
    seen: list[str] = []
    for name in (n.strip() for n in names):
        if name and name.casefold() not in {s.casefold() for s in seen}:
            seen.append(name)
    return seen


def set_groups(project: Project, names: list[str]) -> None:
    """Make the study's groups these names in this order; a group that already has steps on a
    flowchart cannot be removed (its steps would lose their lane)."""
    names = _distinct(names)
    if not names:
        raise FieldError("groups", "A study needs at least one group, for example Staff.")
    too_long = [n for n in names if len(n) > MAX_GROUP_NAME]
    if too_long:
        raise FieldError(
            "groups",
            f"A group name can be at most {MAX_GROUP_NAME} characters: “{too_long[0][:20]}…” is "
            "longer.",
        )
    existing = {g.name.casefold(): g for g in project.groups}
    wanted = {n.casefold() for n in names}
    from tocapp.models import Step  # local: avoids a cycle in type-checking imports

    for key, group in existing.items():
        if key not in wanted and group.id is not None:
            session = Session.object_session(project)
            used = session and session.scalar(
                select(func.count()).select_from(Step).where(Step.group_id == group.id)
            )
            if used:
                raise FieldError(
                    "groups",
                    f"The group “{group.name}” has steps on a flowchart, so it cannot be removed.",
                )
    for key, group in list(existing.items()):
        if key not in wanted:
            project.groups.remove(group)
    for position, name in enumerate(names):
        group = existing.get(name.casefold())
        if group is None:
            project.groups.append(ProjectGroup(name=name, position=position))
        else:
            group.name = name
            group.position = position
    # The relationship is ordered only when loaded: reorder it now so this request sees the change.
    project.groups[:] = sorted(project.groups, key=lambda g: g.position)


def add_member(
    session: Session, actor: Actor, project: Project, email: str, role: Role
) -> Membership:
    """Give an existing account a role in the study, or change the role it has."""
    user = find_user_by_email(session, email)
    if user is None:
        raise FieldError(
            "email",
            f"There is no account for {email.strip()}. Ask whoever runs tocapp to create one, "
            "then add it here.",
        )
    membership = session.scalar(
        select(Membership).where(Membership.project_id == project.id, Membership.user_id == user.id)
    )
    before = None if membership is None else membership.role
    if membership is None:
        membership = Membership(project_id=project.id, user_id=user.id, role=role.value)
        session.add(membership)
    else:
        if membership.role == Role.OWNER.value and role is not Role.OWNER:
            _keep_an_owner(session, project)
        membership.role = role.value
    session.flush()
    if before != role.value:
        audit.record(
            session,
            actor,
            "member.add" if before is None else "member.role",
            project_id=project.id,
            target=membership,
            summary=f"{user.name} <{user.email}>: {role.value}",
            changes={"role": [before, role.value]},
        )
    return membership


def remove_member(session: Session, actor: Actor, project: Project, user_id: int) -> User:
    """Take someone out of the study (their past work and its audit entries stay); the study
    keeps at least one owner."""
    membership = session.scalar(
        select(Membership).where(Membership.project_id == project.id, Membership.user_id == user_id)
    )
    if membership is None:
        raise NotFoundError("Membership")
    if membership.role == Role.OWNER.value:
        _keep_an_owner(session, project)
    user = membership.user
    audit.record(
        session,
        actor,
        "member.remove",
        project_id=project.id,
        target=membership,
        summary=f"{user.name} <{user.email}> removed",
        changes={"role": [membership.role, None]},
    )
    session.delete(membership)
    session.flush()
    return user


def _keep_an_owner(session: Session, project: Project) -> None:
    owners = session.scalar(
        select(func.count())
        .select_from(Membership)
        .where(Membership.project_id == project.id, Membership.role == Role.OWNER.value)
    )
    if (owners or 0) <= 1:
        raise FieldError(
            "role", "A study needs at least one owner: make someone else an owner first."
        )


def members_of(session: Session, project: Project) -> list[tuple[User, Role]]:
    """The study's members with their roles: owners first, then by name."""
    rows = session.execute(
        select(User, Membership.role)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.project_id == project.id)
    ).all()
    members = [(user, Role(role)) for user, role in rows]
    return sorted(members, key=lambda m: (-m[1].rank, m[0].name.casefold(), m[0].email))


@dataclass
class SettingFields:
    name: str
    code: str
    kind: str = ""


def add_setting(session: Session, actor: Actor, project: Project, fields: SettingFields) -> Setting:
    """Add a school, nursery or college; its code must be unique in the study."""
    code = normalise_code(fields.code)
    _check_code_free(session, project, code, None)
    _require_setting_name(fields.name)
    setting = Setting(
        project=project, name=fields.name.strip(), code=code, kind=fields.kind.strip()
    )
    session.add(setting)
    session.flush()
    audit.record(
        session,
        actor,
        "setting.create",
        project_id=project.id,
        target=setting,
        summary=f"Setting {setting.code} added",
        changes=audit.created(setting, *SETTING_FIELDS),
    )
    return setting


SETTING_FIELDS = ("name", "code", "kind")


def update_setting(session: Session, actor: Actor, setting: Setting, fields: SettingFields) -> None:
    """Rename a setting or change its code or type; the code stays unique in the study."""
    code = normalise_code(fields.code)
    _check_code_free(session, setting.project, code, setting.id)
    _require_setting_name(fields.name)
    before = audit.snapshot(setting, *SETTING_FIELDS)
    setting.name = fields.name.strip()
    setting.code = code
    setting.kind = fields.kind.strip()
    audit.record(
        session,
        actor,
        "setting.edit",
        project_id=setting.project_id,
        target=setting,
        summary=f"Setting {setting.code} edited",
        changes=audit.diff(before, setting),
    )
    session.flush()


def normalise_code(code: str) -> str:
    """The code as stored: trimmed and upper case; letters, digits, - and _ only."""
    cleaned = code.strip().upper()
    if not cleaned or not all(c.isalnum() or c in "-_" for c in cleaned):
        raise FieldError(
            "code", "A setting code uses letters, digits, - or _ only, for example NUR or S01."
        )
    if len(cleaned) > MAX_SETTING_CODE:
        raise FieldError("code", f"A setting code can be at most {MAX_SETTING_CODE} characters.")
    return cleaned


def _require_setting_name(name: str) -> None:
    if not name.strip():
        raise FieldError("name", "Give the setting's name, for example Hillside Nursery.")


def _check_code_free(session: Session, project: Project, code: str, own_id: int | None) -> None:
    clash = session.scalar(
        select(Setting.id).where(Setting.project_id == project.id, Setting.code == code)
    )
    if clash is not None and clash != own_id:
        raise FieldError("code", f"Another setting in this study already uses the code {code}.")
