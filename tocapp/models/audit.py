"""The audit trail: who did what, when, in which study — in chains of hashes nobody can edit.

Each study has its own chain (erasing a study removes its chain whole and leaves one entry in the
system chain); logins, accounts and study deletions are in the system chain (``key = "system"``).
An entry's ``hash`` covers its fields, the digest of its changes and the previous entry's hash, so
editing, inserting or deleting an entry in the database breaks the chain (``audit verify``).

No column refers to the thing changed by a foreign key: the trail outlives what it describes.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tocapp.extensions import db

SYSTEM_CHAIN = "system"


class AuditChain(db.Model):  # type: ignore[name-defined,misc]
    """The head of one chain: locked (``FOR UPDATE``) while an entry is appended to it."""

    __tablename__ = "audit_chains"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)  # "system" or "study:<id>"
    project_id: Mapped[int | None] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), nullable=True, unique=True
    )
    length: Mapped[int] = mapped_column(Integer, default=0)
    head: Mapped[str] = mapped_column(String(64), default="")
    # HMAC of (key, length, head): the head cannot be moved back without the key.
    head_mac: Mapped[str] = mapped_column(String(64), default="")
    # Length and head at the last entry that changed what the study holds (not a download, an
    # export or a login): the study's revision, which kept pages are keyed by
    # (services.study_revision), so reading or downloading the study does not expire them.
    content_length: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    content_head: Mapped[str] = mapped_column(String(64), default="", server_default="")


class AuditEntry(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "audit_entries"
    __table_args__ = (
        UniqueConstraint("chain_id", "seq"),
        Index("ix_audit_entries_chain_user", "chain_id", "user_id", "seq"),
        Index("ix_audit_entries_chain_kind", "chain_id", "kind", "seq"),
        Index("ix_audit_entries_chain_at", "chain_id", "at"),
        Index("ix_audit_entries_chain_object", "chain_id", "object_type", "object_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    chain_id: Mapped[int] = mapped_column(ForeignKey("audit_chains.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column()
    user_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    actor: Mapped[str] = mapped_column(String(400))  # "Name <email>", kept if the account goes
    address: Mapped[str] = mapped_column(String(64), default="")
    project_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    action: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(20))
    object_type: Mapped[str] = mapped_column(String(40), default="")
    object_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # Whose words the entry may hold, so a withdrawal can remove them (``audit.redact``).
    interview_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    participant_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    summary: Mapped[str] = mapped_column(String(500), default="")
    # Canonical JSON {field: [before, after]}. A withdrawal empties it and the summary (their
    # words, their reference); the chain covers the digest of both, not the text itself.
    changes: Mapped[str | None] = mapped_column(Text, nullable=True)
    changes_digest: Mapped[str] = mapped_column(String(64))
    redacted_at: Mapped[datetime | None] = mapped_column(nullable=True)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
