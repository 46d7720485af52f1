"""Writing the audit trail: every change, identified export, download and login, by whom.

A service that changes data takes the acting user (``actor``; ``None`` is the command line) and
calls :func:`record` in the same transaction as the change, so the entry and the change are
committed together or not at all. What a GET serves (a download, an identified export) and a
failed login are not changes: the web layer queues them with :func:`record_after` and writes them
in a short transaction of their own once the request's (read-only or rolled-back) one has ended.

Entries are appended to one chain per study (the system chain for logins and accounts): the chain
row is locked while appending, and each entry's hash covers the one before it, so
``flask --app tocapp audit verify`` finds any entry edited, inserted or deleted in the database.
The hashes are keyed (HMAC) with a key derived from the instance's secret key, which is not in
the database: whoever can change the database but not read that key cannot write a chain that
verifies.
What changed is kept as before → after per field. Interview words can be in it; when the
participant withdraws, :func:`redact` removes those changes (the chain keeps their digest, so the
trail still verifies) — the entry itself, who and when, stays.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tocapp.models import User
from tocapp.models.audit import AuditChain, AuditEntry
from tocapp.models.base import utcnow
from tocapp.services.audit_actions import ACTIONS, READING_KINDS
from tocapp.services.audit_hashing import canonical, chain_key, details_digest, entry_hash, head_mac

Actor = User | None

SYSTEM_ACTOR = "system (command line)"


def actor_label(actor: Actor) -> str:
    return SYSTEM_ACTOR if actor is None else f"{actor.name} <{actor.email}>"


def record(
    session: Session,
    actor: Actor,
    action: str,
    *,
    project_id: int | None = None,
    target: Any = None,
    object_type: str | None = None,
    object_id: int | None = None,
    interview_id: int | None = None,
    participant_id: int | None = None,
    summary: str = "",
    changes: dict[str, Any] | None = None,
    address: str = "",
    actor_text: str | None = None,
) -> AuditEntry:
    """Append one entry to the study's chain (or the system chain), in the caller's transaction.

    ``target`` is the model instance acted on (its table and id are kept, flushing it first if it
    is new); ``changes`` is ``{field: [before, after]}`` (see :func:`diff`). ``actor_text``
    names someone without an account here (a failed login).
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    if target is not None:
        if getattr(target, "id", None) is None:
            session.flush()
        object_type = object_type or target.__tablename__
        object_id = object_id if object_id is not None else target.id
    chain = _locked_chain(session, actor, project_id)
    body = canonical(changes) if changes else None
    entry = AuditEntry(
        chain_id=chain.id,
        seq=chain.length + 1,
        at=utcnow(),
        user_id=None if actor is None else actor.id,
        actor=(actor_text or actor_label(actor))[:400],
        address=address[:64],
        project_id=project_id,
        action=action,
        kind=ACTIONS[action][0],
        object_type=object_type or "",
        object_id=object_id,
        interview_id=interview_id,
        participant_id=participant_id,
        summary=summary[:500],
        changes=body,
        changes_digest=details_digest(summary[:500], body),
        prev_hash=chain.head,
    )
    entry.hash = entry_hash(chain.key, entry)
    chain.length = entry.seq
    chain.head = entry.hash
    chain.head_mac = head_mac(chain.key, chain.length, chain.head)
    if entry.kind not in READING_KINDS:
        chain.content_length, chain.content_head = chain.length, chain.head
    session.add(entry)
    session.info["audited"] = True
    return entry


@dataclass(frozen=True)
class Queued:
    """An entry for something a request served rather than changed (see module docstring)."""

    actor: Actor
    action: str
    fields: dict[str, Any]


def record_after(queue: list[Queued], actor: Actor, action: str, **fields: Any) -> None:
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    queue.append(Queued(actor, action, fields))


def write_queued(session: Session, queue: list[Queued]) -> None:
    """Write queued entries in a transaction of their own (the caller commits)."""
    for item in queue:
        actor = item.actor
        if actor is not None:
            actor = session.get(User, actor.id)
        record(session, actor, item.action, **item.fields)


def snapshot(obj: Any, *fields: str) -> dict[str, Any]:
    """The fields' values now, to compare with after an edit."""
    return {name: jsonable(getattr(obj, name)) for name in fields}


def diff(before: dict[str, Any], obj: Any) -> dict[str, list[Any]]:
    """``{field: [before, after]}`` for the fields of ``before`` that an edit changed."""
    out: dict[str, list[Any]] = {}
    for name, old in before.items():
        new = jsonable(getattr(obj, name))
        if new != old:
            out[name] = [old, new]
    return out


def created(obj: Any, *fields: str) -> dict[str, list[Any]]:
    """A new object's fields as changes from nothing."""
    return {name: [None, jsonable(getattr(obj, name))] for name in fields}


def removed(obj: Any, *fields: str) -> dict[str, list[Any]]:
    return {name: [jsonable(getattr(obj, name)), None] for name in fields}


def redact(
    session: Session,
    project_id: int,
    *,
    interview_ids: set[int],
    participant_ids: set[int],
    step_ids: set[int],
) -> int:
    """Remove the summary and what changed (their words, their reference) from a withdrawn
    participant's entries; returns how many.

    Who did what and when stays, and so does the chain: it covers their digest, not the words.
    """
    chain_id = session.scalar(select(AuditChain.id).where(AuditChain.project_id == project_id))
    if chain_id is None:
        return 0
    about = []
    if interview_ids:
        about.append(AuditEntry.interview_id.in_(interview_ids))
    if participant_ids:
        about.append(AuditEntry.participant_id.in_(participant_ids))
    if step_ids:
        about.append((AuditEntry.object_type == "steps") & AuditEntry.object_id.in_(step_ids))
    if not about:
        return 0
    result = session.execute(
        update(AuditEntry)
        .where(AuditEntry.chain_id == chain_id, AuditEntry.redacted_at.is_(None), or_(*about))
        .values(summary="", changes=None, redacted_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def jsonable(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return str(value)


def _locked_chain(session: Session, actor: Actor, project_id: int | None) -> AuditChain:
    """The chain's head row, locked until commit so entries are appended one at a time.

    A study's chain starts with an ``audit.start`` entry in the system chain, so a study chain
    deleted whole from the database is missed by ``audit verify`` (unless the study was deleted).
    """
    key = chain_key(project_id)
    query = (
        select(AuditChain)
        .where(AuditChain.key == key)
        .with_for_update()
        .execution_options(populate_existing=True)  # the row as it is once the lock is ours
    )
    chain = session.scalar(query)
    if chain is not None:
        return chain
    created = False
    try:
        with session.begin_nested():
            session.add(
                AuditChain(
                    key=key,
                    project_id=project_id,
                    length=0,
                    head="",
                    head_mac=head_mac(key, 0, ""),
                )
            )
        created = True
    except IntegrityError:  # created at the same moment by another request: use theirs
        pass
    if created and project_id is not None:
        record(
            session,
            actor,
            "audit.start",
            object_type="projects",
            object_id=project_id,
            summary=f"Audit trail of study {project_id} started",
        )
    chain = session.scalar(query)
    assert chain is not None
    return chain


# Tables whose rows change as a side effect (the report queue, logins' rows) or are the trail;
# and drafts: autosaves of text being typed (services/drafts.py), private to their author, while
# the save of the real form (interview.create / .edit, voice.note) is what the trail records.
NOT_AUDITED = frozenset(
    {"report_jobs", "login_sessions", "audit_entries", "audit_chains", "drafts"}
)


def note_changes(session: Session, _context: Any, _instances: Any) -> None:
    """(``before_flush``) Remember that this transaction changed audited data, so the request
    wrapper can refuse to commit a change that left no audit entry."""
    if session.info.get("changed"):
        return
    for obj in (*session.new, *session.deleted):
        if getattr(obj, "__tablename__", "") not in NOT_AUDITED:
            session.info["changed"] = True
            return
    for obj in session.dirty:
        if getattr(obj, "__tablename__", "") not in NOT_AUDITED and session.is_modified(obj):
            session.info["changed"] = True
            return


def forget_changes(session: Session, transaction: Any) -> None:
    """(``after_transaction_end``) A new transaction starts with nothing changed or audited."""
    if transaction.parent is None:
        session.info.pop("changed", None)
        session.info.pop("audited", None)


def unaudited_change(session: Session) -> bool:
    return bool(session.info.get("changed")) and not session.info.get("audited")


def install_guard() -> None:
    from sqlalchemy import event
    from sqlalchemy.orm import Session as AnySession

    if not event.contains(AnySession, "before_flush", note_changes):
        event.listen(AnySession, "before_flush", note_changes)
        event.listen(AnySession, "after_transaction_end", forget_changes)
