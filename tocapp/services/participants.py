"""The people of a setting who may be interviewed: their role, the perspective they speak from,
their consent, and a reference that stays theirs in every round ("NUR-P02")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tocapp.domain.people import Perspective, participant_reference
from tocapp.models import Participant, Setting
from tocapp.services import audit
from tocapp.services.after_commit import empty_after_commit
from tocapp.services.audit import Actor
from tocapp.services.errors import FieldError


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
    session: Session,
    actor: Actor,
    participant: Participant,
    fields: ParticipantFields,
    *,
    render_cache_dir: str | None = None,
) -> None:
    """Correct a participant's details or record a change in their consent.

    A consent taken back also takes back the study's built comparison reports, which may quote
    this participant: they are no longer served, and their files are deleted within the hour.
    It also empties ``render_cache_dir`` once committed: its drawings and kept pages may hold
    their words (pages shown afterwards leave them out, but the old files stay until pruned).
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
        if render_cache_dir is not None:
            empty_after_commit(session, Path(render_cache_dir))
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
