"""Text being typed and not yet saved: one row per author and form (``key``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tocapp.extensions import db
from tocapp.models.base import utcnow


class Draft(db.Model):  # type: ignore[name-defined,misc]
    """An autosave of one person's form: the fields as typed, private to ``owner``.

    ``project_id``, ``setting_id`` and ``interview_id`` say what the words are about, so that
    erasing the study and a participant's withdrawal can delete them.
    """

    __tablename__ = "drafts"
    __table_args__ = (UniqueConstraint("owner_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # interview:<id>, interview:new:<setting>:<form token>, voice-note:<interview>:<step|thread>
    key: Mapped[str] = mapped_column(String(120))
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    setting_id: Mapped[int] = mapped_column(ForeignKey("settings.id", ondelete="CASCADE"))
    interview_id: Mapped[int | None] = mapped_column(
        ForeignKey("interviews.id", ondelete="CASCADE"), nullable=True, index=True
    )
    fields: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    saved_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
