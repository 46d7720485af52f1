"""What one return interview (one voice) said about a frozen flowchart version.

Marks and notes live here; the arrows and steps a voice adds are rows of ``links`` and ``steps``
carrying the interview's id, which the leader's map never includes (see FlowchartVersion.steps).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tocapp.extensions import db
from tocapp.models.base import utcnow

if TYPE_CHECKING:
    from tocapp.models.flowcharts import Link, Step
    from tocapp.models.interviews import Interview


class StepMark(db.Model):  # type: ignore[name-defined,misc]
    """Achieved, partly achieved or elusive: one voice's mark on one step."""

    __tablename__ = "step_marks"
    __table_args__ = (UniqueConstraint("interview_id", "step_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    interview_id: Mapped[int] = mapped_column(ForeignKey("interviews.id", ondelete="CASCADE"))
    step_id: Mapped[int] = mapped_column(ForeignKey("steps.id", ondelete="CASCADE"))
    mark: Mapped[str] = mapped_column(String(20))
    # SQLAlchemy's version counter: every UPDATE says "WHERE revision = <the one read>", so two
    # saves of the same mark can never silently overwrite each other.
    revision: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    __mapper_args__ = {"version_id_col": revision}

    interview: Mapped[Interview] = relationship(back_populates="marks")
    step: Mapped[Step] = relationship()


class VoiceNote(db.Model):  # type: ignore[name-defined,misc]
    """A numbered note on a step, on an arrow, or on a new thread of the conversation."""

    __tablename__ = "voice_notes"
    __table_args__ = (UniqueConstraint("interview_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    interview_id: Mapped[int] = mapped_column(ForeignKey("interviews.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    step_id: Mapped[int | None] = mapped_column(
        ForeignKey("steps.id", ondelete="CASCADE"), nullable=True
    )
    link_id: Mapped[int | None] = mapped_column(
        ForeignKey("links.id", ondelete="CASCADE"), nullable=True
    )
    text: Mapped[str] = mapped_column(Text)
    verbatim: Mapped[bool] = mapped_column(default=False)
    revision: Mapped[int] = mapped_column(Integer, default=1)  # a version counter, as above
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    __mapper_args__ = {"version_id_col": revision}

    interview: Mapped[Interview] = relationship(back_populates="notes")
    step: Mapped[Step | None] = relationship()
    link: Mapped[Link | None] = relationship()


class AnnotationAction(db.Model):  # type: ignore[name-defined,misc]
    """One saved action of a voice, with what is needed to undo it."""

    __tablename__ = "annotation_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    interview_id: Mapped[int] = mapped_column(ForeignKey("interviews.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(String(300))
    undo: Mapped[dict[str, object]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
