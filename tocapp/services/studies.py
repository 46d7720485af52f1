"""Setting up a study: the project, its groups, members, settings, participants and rounds."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tocapp.domain.errors import DomainError
from tocapp.domain.people import DEFAULT_MIN_GROUP, Perspective, participant_reference
from tocapp.domain.theory import DEFAULT_GROUPS
from tocapp.models import Membership, Participant, Project, ProjectGroup, Round, Setting, User
from tocapp.models.users import Role
from tocapp.services import audit
from tocapp.services.audit import Actor
from tocapp.services.errors import NotFoundError
from tocapp.services.users import find_user_by_email

RETURN_INTERVAL_DAYS = 182  # "about six months later"
MAX_GROUP_NAME = 60  # ProjectGroup.name
MAX_SETTING_CODE = 12  # Setting.code
ROUND_KINDS = {"initial": "Initial", "return": "Return"}


class FieldError(DomainError):
    """A refusal about one form field, so the page can show it beside that field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


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


@dataclass
class ParticipantFields:
    role_label: str
    perspective: str = ""  # domain.people.Perspective's value; required
    pseudonym: str = ""
    real_name: str = ""
    email: str = ""
    consent_participate: bool = False
    consent_record: bool = False
    consent_quote: bool = False
    consent_date: date | None = None


def add_participant(
    session: Session, actor: Actor, setting: Setting, fields: ParticipantFields
) -> Participant:
    """Add someone who may be interviewed in a setting, with their consent and a reference that
    stays theirs in every round ("NUR-P02")."""
    participant = Participant()
    _apply_participant(participant, fields)
    # Numbers are "max + 1": lock the setting so two people added at once take turns.
    session.execute(select(Setting.id).where(Setting.id == setting.id).with_for_update())
    number = (
        session.scalar(
            select(func.max(Participant.number)).where(Participant.setting_id == setting.id)
        )
        or 0
    ) + 1
    taken = set(
        session.scalars(
            select(Participant.reference)
            .join(Setting, Setting.id == Participant.setting_id)
            .where(Setting.project_id == setting.project_id)
        )
    )
    # A setting whose code was changed may have left references that the new code would repeat.
    while participant_reference(setting.code, number) in taken:
        number += 1
    participant.number = number
    participant.reference = participant_reference(setting.code, number)
    participant.setting = setting
    session.add(participant)
    session.flush()
    audit.record(
        session,
        actor,
        "participant.create",
        project_id=setting.project_id,
        target=participant,
        participant_id=participant.id,
        summary=f"Participant {participant.reference} added",
        changes=_without_identity(audit.created(participant, *PARTICIPANT_FIELDS)),
    )
    return participant


PARTICIPANT_FIELDS = (
    "role_label",
    "perspective",
    "pseudonym",
    "real_name",
    "email",
    "consent_participate",
    "consent_record",
    "consent_quote",
    "consent_date",
)
CONSENT_FIELDS = ("consent_participate", "consent_record", "consent_quote", "consent_date")
# Kept out of the trail: it says that they changed, never what they are or were.
IDENTIFYING_FIELDS = ("real_name", "email")


def _without_identity(changes: dict[str, list[object]]) -> dict[str, list[object]]:
    return {
        name: ["(given)" if v else None for v in pair] if name in IDENTIFYING_FIELDS else pair
        for name, pair in changes.items()
    }


def update_participant(
    session: Session, actor: Actor, participant: Participant, fields: ParticipantFields
) -> None:
    """Correct a participant's details or record a change in their consent.

    A consent taken back also takes back the study's built comparison reports, which may quote
    this participant: they are no longer served, and their files are deleted within the hour.
    """
    had_consent = participant.consent_participate, participant.consent_quote
    before = audit.snapshot(participant, *PARTICIPANT_FIELDS)
    _apply_participant(participant, fields)
    changes = _without_identity(audit.diff(before, participant))
    consent = {k: v for k, v in changes.items() if k in CONSENT_FIELDS}
    details = {k: v for k, v in changes.items() if k not in CONSENT_FIELDS}
    for action, part in (("participant.edit", details), ("consent.change", consent)):
        if part:
            audit.record(
                session,
                actor,
                action,
                project_id=participant.setting.project_id,
                target=participant,
                participant_id=participant.id,
                summary=f"{participant.reference}: {', '.join(sorted(part))}",
                changes=part,
            )
    has_consent = participant.consent_participate, participant.consent_quote
    if any(before and not now for before, now in zip(had_consent, has_consent, strict=True)):
        from tocapp.services.report_jobs import withdraw_built_reports  # it imports us, indirectly

        withdraw_built_reports(session, participant.setting.project)
    session.flush()


def _apply_participant(participant: Participant, fields: ParticipantFields) -> None:
    if not fields.role_label.strip():
        raise FieldError(
            "role_label", "Give the participant's role, for example Headteacher or Teacher."
        )
    try:
        perspective = Perspective(fields.perspective)
    except ValueError:
        raise FieldError(
            "perspective",
            "Say whether this person speaks for leadership or from practice, or is not "
            "interviewed.",
        ) from None
    if participant.withdrawn_on is not None and fields.consent_participate:
        raise FieldError(
            "consent_participate",
            "This participant has withdrawn; their consent to take part cannot be given again.",
        )
    participant.perspective = perspective.value
    participant.role_label = fields.role_label.strip()
    participant.pseudonym = fields.pseudonym.strip()
    participant.real_name = fields.real_name.strip()
    participant.email = fields.email.strip()
    participant.consent_participate = fields.consent_participate
    participant.consent_record = fields.consent_record
    participant.consent_quote = fields.consent_quote
    participant.consent_date = fields.consent_date


@dataclass
class RoundFields:
    title: str
    kind: str = "return"
    planned_on: date | None = None


def add_round(session: Session, actor: Actor, project: Project, fields: RoundFields) -> Round:
    """Add the next round; rounds are numbered in order and any number may be added."""
    session.execute(select(Project.id).where(Project.id == project.id).with_for_update())
    number = (
        session.scalar(select(func.max(Round.number)).where(Round.project_id == project.id)) or 0
    ) + 1
    round_ = Round(project=project, number=number)
    _apply_round(round_, fields)
    session.add(round_)
    session.flush()
    audit.record(
        session,
        actor,
        "round.create",
        project_id=project.id,
        target=round_,
        summary=f"Round {number} added",
        changes=audit.created(round_, *ROUND_FIELDS),
    )
    return round_


ROUND_FIELDS = ("title", "kind", "planned_on")


def next_round_defaults(project: Project) -> RoundFields:
    """What the form for a new round suggests: a return round about six months after the last."""
    dates = [r.planned_on for r in project.rounds if r.planned_on is not None]
    planned = max(dates) + timedelta(days=RETURN_INTERVAL_DAYS) if dates else None
    return RoundFields(title="Return interviews", kind="return", planned_on=planned)


def update_round(session: Session, actor: Actor, round_: Round, fields: RoundFields) -> None:
    """Change a round's title, kind or planned date; its number stays."""
    before = audit.snapshot(round_, *ROUND_FIELDS)
    _apply_round(round_, fields)
    audit.record(
        session,
        actor,
        "round.edit",
        project_id=round_.project_id,
        target=round_,
        summary=f"Round {round_.number} edited",
        changes=audit.diff(before, round_),
    )
    session.flush()


def _apply_round(round_: Round, fields: RoundFields) -> None:
    if fields.kind not in ROUND_KINDS:
        raise FieldError("kind", "A round is either initial or a return round.")
    if not fields.title.strip():
        raise FieldError("title", "Give the round a title, for example Return interviews.")
    round_.title = fields.title.strip()
    round_.kind = fields.kind
    round_.planned_on = fields.planned_on
