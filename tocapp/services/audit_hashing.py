"""The audit chain's hashes: each entry's keyed hash covers the one before it, and the chain's
head row carries a keyed MAC of its length and head, so ``flask --app tocapp audit verify`` finds
an entry edited, inserted or deleted, or entries cut off the end. The key is derived from the
instance's secret key (:func:`configure`, at start-up), which is not in the database."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from tocapp.models.audit import SYSTEM_CHAIN, AuditEntry


def chain_key(project_id: int | None) -> str:
    return SYSTEM_CHAIN if project_id is None else f"study:{project_id}"


_KEY = b""  # set by configure() when the app starts


def configure(secret: str | bytes) -> None:
    """Key the chain's hashes with a key derived from the app's secret key."""
    global _KEY
    raw = secret.encode("utf-8") if isinstance(secret, str) else secret
    _KEY = hmac.new(raw, b"tocapp audit trail", hashlib.sha256).digest()


def entry_hash(key: str, entry: AuditEntry) -> str:
    payload = [
        key,
        entry.seq,
        entry.at.isoformat(timespec="microseconds"),
        entry.user_id,
        entry.actor,
        entry.address,
        entry.project_id,
        entry.action,
        entry.kind,
        entry.object_type,
        entry.object_id,
        entry.interview_id,
        entry.participant_id,
        entry.changes_digest,
        entry.prev_hash,
    ]
    return _mac(canonical(payload))


def details_digest(summary: str, changes: str | None) -> str:
    """The digest of what a withdrawal may remove (summary and changes), which the chain covers
    in their place, so the trail still verifies once they are gone."""
    return digest(canonical([summary, changes]))


def head_mac(key: str, length: int, head: str) -> str:
    """What makes the chain's head row itself unforgeable: cutting entries off the end and moving
    the head back needs the key."""
    return _mac(canonical(["head", key, length, head]))


def _mac(text: str) -> str:
    return hmac.new(_KEY, text.encode("utf-8"), hashlib.sha256).hexdigest()


def canonical(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
