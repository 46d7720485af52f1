"""Checking the audit trail: every chain unbroken, every entry as it was written.

An entry edited in the database no longer matches its hash; one deleted leaves a gap in the
sequence, and entries cut off the end leave a head whose keyed MAC no longer matches; one inserted
does not follow its predecessor; a study's chain deleted whole is missed because the system chain
says it was started (and not that the study was deleted). A redacted entry (a withdrawal) may
only be one that could hold the participant's words, and must be empty.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from tocapp.models import AuditChain, AuditEntry
from tocapp.models.audit import SYSTEM_CHAIN
from tocapp.services.audit_hashing import details_digest, entry_hash, head_mac


@dataclass(frozen=True)
class Problem:
    chain: str
    entry_id: int | None
    seq: int | None
    reason: str

    def __str__(self) -> str:
        where = f"entry {self.entry_id} (#{self.seq})" if self.entry_id else "the chain's head"
        return f"{self.chain}: {where}: {self.reason}"


@dataclass(frozen=True)
class Verdict:
    chains: int
    entries: int
    problems: list[Problem]

    @property
    def intact(self) -> bool:
        return not self.problems


def verify_trail(session: Session) -> Verdict:
    problems: list[Problem] = []
    total = 0
    chains = list(session.scalars(select(AuditChain).order_by(AuditChain.id)))
    for chain in chains:
        seq, head = 0, ""
        query = (
            select(AuditEntry)
            .where(AuditEntry.chain_id == chain.id)
            .order_by(AuditEntry.seq)
            .execution_options(yield_per=1000)
        )
        for entry in session.scalars(query):
            total += 1
            problem = _check(chain.key, entry, seq, head)
            if problem:
                problems.append(Problem(chain.key, entry.id, entry.seq, problem))
            seq, head = entry.seq, entry.hash
        if (chain.length, chain.head) != (seq, head) or chain.head_mac != head_mac(
            chain.key, chain.length, chain.head
        ):
            problems.append(
                Problem(
                    chain.key,
                    None,
                    None,
                    f"its head names entry #{chain.length} but {seq} entries follow each other, "
                    "or the head was moved without the key: entries were deleted at its end",
                )
            )
    problems += _missing_chains(session, {c.project_id for c in chains})
    return Verdict(len(chains), total, problems)


def _missing_chains(session: Session, present: set[int | None]) -> list[Problem]:
    """Studies the system chain says were started and not deleted, whose chain is gone."""
    system = select(AuditChain.id).where(AuditChain.key == SYSTEM_CHAIN).scalar_subquery()
    rows = session.execute(
        select(AuditEntry.action, AuditEntry.object_id).where(
            AuditEntry.chain_id == system, AuditEntry.action.in_(("audit.start", "study.delete"))
        )
    ).all()
    started = {i for action, i in rows if action == "audit.start"}
    deleted = {i for action, i in rows if action == "study.delete"}
    return [
        Problem(f"study:{i}", None, None, "the study's whole audit trail is missing (deleted)")
        for i in sorted(started - deleted - present)
        if i is not None
    ]


def _check(key: str, entry: AuditEntry, seq: int, head: str) -> str | None:
    if entry.seq != seq + 1:
        return f"entries #{seq + 1}–#{entry.seq - 1} are missing (deleted)"
    if entry.prev_hash != head:
        return "it does not follow the entry before it (inserted or reordered)"
    if entry.redacted_at is not None:
        could_hold_words = (
            entry.interview_id or entry.participant_id or (entry.object_type == "steps")
        )
        if not could_hold_words or entry.summary or entry.changes is not None:
            return "it is marked as redacted at a withdrawal, but could not have been, or was not"
    elif details_digest(entry.summary, entry.changes) != entry.changes_digest:
        return "its summary or what changed was edited after it was written"
    if entry_hash(key, entry) != entry.hash:
        return "it was edited after it was written (its hash no longer matches)"
    return None
