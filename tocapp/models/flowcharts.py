"""A setting's flowchart versions, their steps and the arrows between them."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tocapp.extensions import db
from tocapp.models.base import utcnow

if TYPE_CHECKING:
    from tocapp.models.interviews import Answer
    from tocapp.models.studies import ProjectGroup, Setting


class FlowchartVersion(db.Model):  # type: ignore[name-defined,misc]
    """One version of a setting's map; once shown at a return interview it is frozen."""

    __tablename__ = "flowchart_versions"
    __table_args__ = (UniqueConstraint("setting_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    setting_id: Mapped[int] = mapped_column(ForeignKey("settings.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    frozen_at: Mapped[datetime | None] = mapped_column(nullable=True)

    setting: Mapped[Setting] = relationship(back_populates="versions")
    steps: Mapped[list[Step]] = relationship(
        back_populates="version", cascade="all, delete-orphan", order_by="Step.position"
    )
    links: Mapped[list[Link]] = relationship(
        back_populates="version", cascade="all, delete-orphan", order_by="Link.id"
    )

    @property
    def is_frozen(self) -> bool:
        return self.frozen_at is not None


class Step(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("flowchart_versions.id", ondelete="CASCADE")
    )
    theme: Mapped[str] = mapped_column(String(20))
    group_id: Mapped[int] = mapped_column(ForeignKey("project_groups.id", ondelete="RESTRICT"))
    text: Mapped[str] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer, default=0)
    source_answer_id: Mapped[int | None] = mapped_column(
        ForeignKey("answers.id", ondelete="SET NULL"), nullable=True
    )
    source_quote: Mapped[str] = mapped_column(Text, default="")

    version: Mapped[FlowchartVersion] = relationship(back_populates="steps")
    group: Mapped[ProjectGroup] = relationship()
    source_answer: Mapped[Answer | None] = relationship()


class Link(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "links"
    __table_args__ = (
        UniqueConstraint("source_step_id", "target_step_id"),
        CheckConstraint("source_step_id <> target_step_id", name="no_self_loop"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("flowchart_versions.id", ondelete="CASCADE")
    )
    source_step_id: Mapped[int] = mapped_column(ForeignKey("steps.id", ondelete="CASCADE"))
    target_step_id: Mapped[int] = mapped_column(ForeignKey("steps.id", ondelete="CASCADE"))
    label: Mapped[str] = mapped_column(String(200), default="")

    version: Mapped[FlowchartVersion] = relationship(back_populates="links")
    source: Mapped[Step] = relationship(foreign_keys=[source_step_id])
    target: Mapped[Step] = relationship(foreign_keys=[target_step_id])
