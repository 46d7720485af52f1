"""The record left when a participant withdraws: when, by whom, how much was removed.

It holds none of the participant's words: only their reference, the role they last held, dates,
the choices made and counts.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from tocapp.extensions import db
from tocapp.models.base import utcnow


class Withdrawal(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "withdrawals"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    setting_code: Mapped[str] = mapped_column(String(12))
    participant_reference: Mapped[str] = mapped_column(String(40))
    role_label: Mapped[str] = mapped_column(String(120))
    withdrawn_on: Mapped[date] = mapped_column(Date)
    # "everything", or "after" (keep what was contributed before keep_before)
    scope: Mapped[str] = mapped_column(String(20))
    keep_before: Mapped[date | None] = mapped_column(Date, nullable=True)
    # Map steps whose source was their round-1 answers: "keep" as the evaluator's wording, "remove"
    source_steps: Mapped[str] = mapped_column(String(20), default="keep")
    removed: Mapped[dict[str, int]] = mapped_column(JSON)
    recorded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    recorded_by: Mapped[str] = mapped_column(
        String(300)
    )  # name and e-mail, kept if the account goes
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
