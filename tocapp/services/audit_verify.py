"""Checking the audit trail: every chain unbroken, every entry as it was written.

An entry edited in the database no longer matches its hash; one deleted leaves a gap in the
sequence or a chain head that names a later entry; one inserted does not follow its predecessor.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from tocapp.models import AuditChain, AuditEntry
from tocapp.services.audit import details_digest, entry_hash


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
        if (chain.length, chain.head) != (seq, head):
            problems.append(
                Problem(
                    chain.key,
                    None,
                    None,
                    f"the chain says it has {chain.length} entries but {seq} follow each other: "
                    "entries were deleted at its end",
                )
            )
    return Verdict(len(chains), total, problems)


def _check(key: str, entry: AuditEntry, seq: int, head: str) -> str | None:
    if entry.seq != seq + 1:
        return f"entries #{seq + 1}–#{entry.seq - 1} are missing (deleted)"
    if entry.prev_hash != head:
        return "it does not follow the entry before it (inserted or reordered)"
    if entry.redacted_at is None and (
        details_digest(entry.summary, entry.changes) != entry.changes_digest
    ):
        return "its summary or what changed was edited after it was written"
    if entry_hash(key, entry) != entry.hash:
        return "it was edited after it was written (its hash no longer matches)"
    return None
