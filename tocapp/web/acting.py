"""Who is acting in this request, for the services and the audit trail."""

from __future__ import annotations

from typing import Any

from flask import g, request
from flask_login import current_user

from tocapp.models import User
from tocapp.services import audit


def acting_user() -> User:
    """The logged-in account, as the plain model object the services record."""
    user: User = current_user._get_current_object()
    return user


def audit_later(action: str, **fields: Any) -> None:
    """Record what this request served (a download, an identified export) or a failed login.

    Written by the request wrapper after the request's own transaction has ended: a GET's
    transaction only reads, and a failed login's is rolled back.
    """
    if request.method == "HEAD":
        return  # nothing was served
    # Whose words a download may name (a voice's file name holds their reference): a withdrawal
    # must find the entry to redact it.
    for name in ("interview_id", "participant_id"):
        if name in (request.view_args or {}):
            fields.setdefault(name, request.view_args[name])  # type: ignore[index]
    user = current_user._get_current_object() if current_user.is_authenticated else None
    audit.record_after(g.setdefault("audit_queue", []), user, action, **fields)
