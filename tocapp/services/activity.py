"""Reading a study's audit trail: the Activity page (filtered, newest first, a page at a time)
and its CSV. Entries are never changed here — there is no way to, on purpose."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from tocapp.models import AuditChain, AuditEntry, User
from tocapp.services.audit_actions import ACTIONS, KINDS

PER_PAGE = 50


@dataclass(frozen=True)
class ActivityFilter:
    user_id: int | None = None
    kind: str = ""
    since: date | None = None
    until: date | None = None

    @property
    def active(self) -> bool:
        return bool(self.user_id or self.kind or self.since or self.until)


@dataclass(frozen=True)
class ActivityRow:
    entry: AuditEntry
    label: str
    changes: list[tuple[str, Any, Any]]


@dataclass(frozen=True)
class ActivityPage:
    rows: list[ActivityRow]
    older: int | None  # the ``before`` of the next page, if there is one


def _chain_id(session: Session, project_id: int) -> int | None:
    return session.scalar(select(AuditChain.id).where(AuditChain.project_id == project_id))


def _query(chain_id: int, flt: ActivityFilter) -> Select[tuple[AuditEntry]]:
    query = select(AuditEntry).where(AuditEntry.chain_id == chain_id)
    if flt.user_id is not None:
        query = query.where(AuditEntry.user_id == flt.user_id)
    if flt.kind:
        query = query.where(AuditEntry.kind == flt.kind)
    if flt.since is not None:
        query = query.where(AuditEntry.at >= datetime.combine(flt.since, time.min))
    if flt.until is not None:
        query = query.where(
            AuditEntry.at < datetime.combine(flt.until + timedelta(days=1), time.min)
        )
    return query


def activity_page(
    session: Session, project_id: int, flt: ActivityFilter, before: int | None = None
) -> ActivityPage:
    """One page of entries, newest first; ``before`` is a sequence number (keyset paging, so
    page 2,000 costs what page 1 does)."""
    chain_id = _chain_id(session, project_id)
    if chain_id is None:
        return ActivityPage([], None)
    query = _query(chain_id, flt)
    if before is not None:
        query = query.where(AuditEntry.seq < before)
    entries = list(session.scalars(query.order_by(AuditEntry.seq.desc()).limit(PER_PAGE + 1)))
    older = entries[PER_PAGE - 1].seq if len(entries) > PER_PAGE else None
    return ActivityPage([_row(e) for e in entries[:PER_PAGE]], older)


def people_in_trail(session: Session, project_id: int) -> list[tuple[int, str]]:
    """Everyone who appears in the study's trail (also people no longer members): one
    statement, an index probe per account, whatever the length of the trail."""
    chain_id = _chain_id(session, project_id)
    if chain_id is None:
        return []
    appears = (
        select(AuditEntry.id)
        .where(AuditEntry.chain_id == chain_id, AuditEntry.user_id == User.id)
        .exists()
    )
    rows = session.execute(select(User.id, User.name, User.email).where(appears)).all()
    people = [(int(i), f"{name} <{email}>") for i, name, email in rows]
    return sorted(people, key=lambda p: p[1].casefold())


def activity_rows(session: Session, project_id: int, flt: ActivityFilter) -> Iterator[AuditEntry]:
    """Every matching entry, oldest first, read in batches (the CSV streams them)."""
    chain_id = _chain_id(session, project_id)
    if chain_id is None:
        return
    query = _query(chain_id, flt).order_by(AuditEntry.seq).execution_options(yield_per=500)
    yield from session.scalars(query)


CSV_HEADER = [
    "seq",
    "at_utc",
    "actor",
    "user_id",
    "address",
    "action",
    "kind",
    "object_type",
    "object_id",
    "summary",
    "changes",
    "details_removed_at",
    "hash",
]


def csv_row(entry: AuditEntry) -> list[Any]:
    return [
        entry.seq,
        entry.at.isoformat(timespec="seconds"),
        entry.actor,
        entry.user_id if entry.user_id is not None else "",
        entry.address,
        entry.action,
        entry.kind,
        entry.object_type,
        entry.object_id if entry.object_id is not None else "",
        entry.summary,
        entry.changes or "",
        entry.redacted_at.isoformat(timespec="seconds") if entry.redacted_at else "",
        entry.hash,
    ]


def _row(entry: AuditEntry) -> ActivityRow:
    changes: list[tuple[str, Any, Any]] = []
    if entry.changes:
        for name, pair in json.loads(entry.changes).items():
            before, after = (pair + [None, None])[:2] if isinstance(pair, list) else (None, pair)
            changes.append((name.replace("_", " "), before, after))
    label = ACTIONS.get(entry.action, (entry.kind, entry.action))[1]
    return ActivityRow(entry, label, changes)


def kind_choices() -> list[tuple[str, str]]:
    return list(KINDS.items())
