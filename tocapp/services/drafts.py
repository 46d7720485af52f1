"""Drafts: what someone is typing into a long form, kept so that nothing typed is ever lost.

An hour of round-1 notes or a note half-written at a return interview survives a closed tab, a
crashed laptop, a lost connection or an expired login: the page's script keeps the fields in the
browser and sends them here every few seconds. A draft belongs to its author alone (another
person's key finds nothing) and to one form, named by its key:

- ``interview:<id>`` — the edit form of an interview;
- ``interview:new:<setting>:<form token>`` — a new interview's form (its token makes each form
  its own; a reopened form is offered the newest draft of the setting);
- ``voice-note:<interview>:<step id>`` or ``voice-note:<interview>:thread`` — a note at a return
  interview;
- ``voice-note-edit:<interview>:<note number>`` — the edit form of one of its notes.

Drafts are not audit entries (``audit.NOT_AUDITED``): they are autosaves of words being typed,
and the save of the real form is audited. They are the author's own words in progress, so
pseudonymisation does not apply; but erasing the study, a participant's withdrawal (for the
drafts about their interviews) and 30 days without a save delete them. A draft whose words are
already saved (the same notes, an interview recorded from that form, a note with that text) is
*settled*: it is deleted rather than kept, so a late autosave never brings back what was saved.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from tocapp.domain.errors import DomainError
from tocapp.domain.voices import MAX_NOTE
from tocapp.models import Draft, Interview, Setting, User, VoiceNote
from tocapp.models.base import utcnow
from tocapp.models.users import Role
from tocapp.services.access import load_in
from tocapp.services.errors import NotFoundError

KEEP_FOR = timedelta(days=30)
MAX_FIELDS = 300  # far more than any interview form has boxes

_NEW_INTERVIEW = re.compile(r"interview:new:(\d{1,18}):([0-9a-f]{8,64})")
_INTERVIEW = re.compile(r"interview:(\d{1,18})")
_VOICE_NOTE = re.compile(r"voice-note:(\d{1,18}):(\d{1,18}|thread)")
_VOICE_NOTE_EDIT = re.compile(r"voice-note-edit:(\d{1,18}):(\d{1,9})")

Rules = tuple[tuple[re.Pattern[str], int, str], ...]


def _interview_fields() -> Rules:
    """Each field an interview form's draft may hold: its name, and how long it may be (the
    form's own limit)."""
    # Imported here: services.interviews deletes a form's draft when it is saved.
    from tocapp.services.interviews import MAX_INTERVIEWER, MAX_NOTES, MAX_ROLE_LABEL

    return (
        (re.compile(r"notes_(\d{1,4})"), MAX_NOTES, "The notes for question {0}"),
        (re.compile(r"role_(\d{1,18})"), MAX_ROLE_LABEL, "A role label"),
        (re.compile(r"interviewer"), MAX_INTERVIEWER, "The interviewer's name"),
        (
            re.compile(r"(?:person|perspective)_\d{1,18}|mode|held_on|round_id|schedule"),
            40,
            "A choice",
        ),
    )


_NOTE_FIELDS: Rules = (
    (re.compile(r"text"), MAX_NOTE, "The note"),
    (re.compile(r"verbatim"), 10, "A choice"),
)


def interview_key(interview_id: int) -> str:
    return f"interview:{interview_id}"


def new_interview_key(setting_id: int, form_token: str) -> str:
    return f"interview:new:{setting_id}:{form_token}"


def voice_note_key(interview_id: int, step_id: int | None) -> str:
    return f"voice-note:{interview_id}:{step_id if step_id is not None else 'thread'}"


def voice_note_edit_key(interview_id: int, note_number: int) -> str:
    return f"voice-note-edit:{interview_id}:{note_number}"


@dataclass(frozen=True)
class DraftPlace:
    """What a key names, once the author may write there: the form's object and its limits."""

    key: str
    setting: Setting
    interview: Interview | None
    form_token: str = ""
    step: str = ""  # a voice note's step id, or "thread"
    note_number: int = 0  # the note an edit form changes

    @property
    def is_note(self) -> bool:
        return bool(self.step) or bool(self.note_number)


def place_of(session: Session, user: User, project_id: int, key: str) -> DraftPlace:
    """Check the key names a form this user may fill in, in this study: 404 otherwise (403 for
    a member who may not record)."""
    return places_of(session, user, project_id, [key])[key]


def places_of(
    session: Session, user: User, project_id: int, keys: list[str]
) -> dict[str, DraftPlace]:
    """``place_of`` for every key of a page, each object they name loaded and checked once: a
    voice page's note boxes (one a step) all name one interview, so however many steps it has,
    this is a fixed number of statements."""
    loaded: dict[tuple[type, int], Any] = {}

    def checked(model: type[Setting] | type[Interview], object_id: int) -> Any:
        if (model, object_id) not in loaded:
            found, _ = load_in(session, user, model, object_id, project_id, Role.INTERVIEWER)
            loaded[model, object_id] = found
        return loaded[model, object_id]

    places: dict[str, DraftPlace] = {}
    for key in keys:
        if match := _NEW_INTERVIEW.fullmatch(key):
            setting = checked(Setting, int(match[1]))
            places[key] = DraftPlace(key, setting, None, form_token=match[2])
        elif match := _INTERVIEW.fullmatch(key):
            interview = checked(Interview, int(match[1]))
            places[key] = DraftPlace(key, interview.setting, interview)
        elif match := _VOICE_NOTE.fullmatch(key):
            interview = checked(Interview, int(match[1]))
            places[key] = DraftPlace(key, interview.setting, interview, step=match[2])
        elif match := _VOICE_NOTE_EDIT.fullmatch(key):
            interview = checked(Interview, int(match[1]))
            number = int(match[2])
            if not any(n.number == number for n in interview.notes):
                raise NotFoundError("Note")
            places[key] = DraftPlace(key, interview.setting, interview, note_number=number)
        else:
            raise NotFoundError("Draft")
    return places


def draft_for(session: Session, owner: User, place: DraftPlace) -> Draft | None:
    """The author's draft of this form, if one was saved in the last 30 days. A new interview's
    form is offered the newest draft of any new-interview form of the setting: reopening the
    page makes a new form, and the words typed into the last one must not be lost."""
    query = select(Draft).where(Draft.owner_id == owner.id, Draft.saved_at >= _oldest_kept())
    if place.form_token:
        prefix = new_interview_key(place.setting.id, "")
        exact = session.scalar(query.where(Draft.key == place.key))
        return exact or session.scalar(
            query.where(Draft.key.startswith(prefix, autoescape=True))
            .order_by(Draft.saved_at.desc(), Draft.id.desc())
            .limit(1)
        )
    return session.scalar(query.where(Draft.key == place.key))


def drafts_for(
    session: Session, owner: User, places: dict[str, DraftPlace]
) -> dict[str, Draft | None]:
    """``draft_for`` every place of a page: one statement for all the forms named by their key
    (and the newest-of-the-setting fallback only for a new interview's form)."""
    exact = {
        d.key: d
        for d in session.scalars(
            select(Draft).where(
                Draft.owner_id == owner.id,
                Draft.saved_at >= _oldest_kept(),
                Draft.key.in_(list(places)),
            )
        )
    }
    return {
        key: exact.get(key) or (draft_for(session, owner, place) if place.form_token else None)
        for key, place in places.items()
    }


def save_draft(
    session: Session, owner: User, place: DraftPlace, fields: dict[str, Any]
) -> Draft | None:
    """Keep the fields as typed; None when they hold nothing that is not already saved (and any
    earlier draft of the form is deleted). DomainError names a field that is too long."""
    checked = _checked_fields(fields, _NOTE_FIELDS if place.is_note else _interview_fields())
    prune_old_drafts(session)
    if _settled(session, place, checked):
        forget(session, owner, place.key)
        return None
    draft = session.scalar(select(Draft).where(Draft.owner_id == owner.id, Draft.key == place.key))
    if draft is None:
        draft = Draft(
            owner_id=owner.id,
            key=place.key,
            project_id=place.setting.project_id,
            setting_id=place.setting.id,
            interview_id=place.interview.id if place.interview else None,
        )
        session.add(draft)
    draft.fields = checked
    draft.saved_at = utcnow()
    session.flush()
    return draft


def forget(session: Session, owner: User | None, key: str) -> None:
    """Delete the author's draft of a form: they discarded it, or the form itself was saved."""
    if owner is not None:
        session.execute(delete(Draft).where(Draft.owner_id == owner.id, Draft.key == key))


def prune_old_drafts(session: Session, now: datetime | None = None) -> int:
    """Delete every draft not saved for 30 days: unsaved words are not kept for ever."""
    oldest = (now or utcnow()) - KEEP_FOR
    result = session.execute(delete(Draft).where(Draft.saved_at < oldest))
    return int(getattr(result, "rowcount", 0) or 0)


def delete_study_drafts(session: Session, project_id: int) -> None:
    """(Erasure) Every draft of the study, whoever wrote it."""
    session.execute(delete(Draft).where(Draft.project_id == project_id))


def delete_withdrawn_drafts(
    session: Session, setting_id: int, participant_id: int, interview_ids: list[int]
) -> None:
    """(Withdrawal) Drafts about the participant's removed interviews, and every new-interview
    draft of their setting that has them ticked: nobody may go on to record their words."""
    if interview_ids:
        session.execute(delete(Draft).where(Draft.interview_id.in_(interview_ids)))
    ticked = f"person_{participant_id}"
    unsaved = session.scalars(
        select(Draft).where(Draft.setting_id == setting_id, Draft.interview_id.is_(None))
    )
    for draft in unsaved:
        if draft.fields.get(ticked):
            session.delete(draft)
    session.flush()


def _oldest_kept() -> datetime:
    return utcnow() - KEEP_FOR


def _checked_fields(fields: dict[str, Any], allowed: Rules) -> dict[str, str]:
    if len(fields) > MAX_FIELDS:
        raise DomainError(f"A draft can hold at most {MAX_FIELDS} fields.")
    checked: dict[str, str] = {}
    for name, value in fields.items():
        if not isinstance(name, str) or not isinstance(value, str):
            raise DomainError("A draft's fields must be text.")
        rule = next(((p, n, w) for p, n, w in allowed if p.fullmatch(name)), None)
        if rule is None:
            raise DomainError(f"This form has no field “{name[:40]}”.")
        pattern, limit, what = rule
        if len(value) > limit:
            match = pattern.fullmatch(name)
            named = what.format(*(match.groups() if match else ()))
            raise DomainError(
                f"{named} is longer than {limit:,} characters ({len(value):,}), so this draft "
                "was not kept. Shorten it: the form will not save it either."
            )
        checked[name] = value.replace("\r\n", "\n")
    return checked


def _settled(session: Session, place: DraftPlace, fields: dict[str, str]) -> bool:
    """True when the draft holds no words that are not saved already."""
    if place.note_number:
        assert place.interview is not None
        saved = next(n for n in place.interview.notes if n.number == place.note_number)
        text = fields.get("text", saved.text).replace("\r\n", "\n")
        verbatim = bool(fields.get("verbatim", "y" if saved.verbatim else ""))
        return text == saved.text and verbatim == saved.verbatim
    if place.is_note:
        text = fields.get("text", "").strip()
        if not text or place.interview is None:
            return not text
        step_id = None if place.step == "thread" else int(place.step)
        same = select(VoiceNote.id).where(
            VoiceNote.interview_id == place.interview.id,
            VoiceNote.step_id.is_(None) if step_id is None else VoiceNote.step_id == step_id,
            VoiceNote.text == text,
        )
        return session.scalar(same.limit(1)) is not None
    if place.form_token:
        recorded = select(Interview.id).where(Interview.form_token == place.form_token)
        if session.scalar(recorded) is not None:
            return True
        return not any(v.strip() for k, v in fields.items() if k.startswith("notes_"))
    interview = place.interview
    assert interview is not None
    saved = {f"notes_{a.number}": a.notes or "" for a in interview.answers}
    saved["interviewer"] = interview.interviewer or ""
    saved["mode"] = interview.mode or ""
    saved["held_on"] = interview.held_on.isoformat() if interview.held_on else ""
    saved["round_id"] = str(interview.round_id or "")
    return all(fields[name] == value for name, value in saved.items() if name in fields)
