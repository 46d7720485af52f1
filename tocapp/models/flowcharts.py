"""A setting's flowchart versions, their steps and the arrows between them."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING
from uuid import uuid4

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    and_,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tocapp.extensions import db
from tocapp.models.base import utcnow

if TYPE_CHECKING:
    from tocapp.models.interviews import Answer, Interview
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
    # The study's groups (ids) in their order when this version was frozen: its lanes, and so its
    # step numbers, stay as they were shown even if the study's groups are reordered later.
    # ``None`` while the version is open: it follows the study's order.
    group_order: Mapped[list[int] | None] = mapped_column(JSON(none_as_null=True), nullable=True)

    setting: Mapped[Setting] = relationship(back_populates="versions")
    # The leader's map only: steps and arrows a voice added at a return interview carry that
    # interview's id and are reached through the interview, so they can never merge into it.
    steps: Mapped[list[Step]] = relationship(
        primaryjoin=lambda: and_(
            Step.version_id == FlowchartVersion.id, Step.interview_id.is_(None)
        ),
        back_populates="version",
        cascade="all, delete-orphan",
        order_by="Step.position",
    )
    links: Mapped[list[Link]] = relationship(
        primaryjoin=lambda: and_(
            Link.version_id == FlowchartVersion.id, Link.interview_id.is_(None)
        ),
        back_populates="version",
        cascade="all, delete-orphan",
        order_by="Link.id",
    )

    @property
    def is_frozen(self) -> bool:
        return self.frozen_at is not None


class Step(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("flowchart_versions.id", ondelete="CASCADE"), index=True
    )
    theme: Mapped[str] = mapped_column(String(20))
    group_id: Mapped[int] = mapped_column(ForeignKey("project_groups.id", ondelete="RESTRICT"))
    text: Mapped[str] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer, default=0)
    source_answer_id: Mapped[int | None] = mapped_column(
        ForeignKey("answers.id", ondelete="SET NULL"), nullable=True
    )
    source_quote: Mapped[str] = mapped_column(Text, default="")
    # The same step across versions shares a lineage, so versions can be compared.
    lineage: Mapped[str] = mapped_column(String(32), default=lambda: uuid4().hex)
    # Set when a voice added this step at a return interview; None for the leader's map.
    interview_id: Mapped[int | None] = mapped_column(
        ForeignKey("interviews.id", ondelete="CASCADE"), nullable=True, index=True
    )

    version: Mapped[FlowchartVersion] = relationship(back_populates="steps")
    interview: Mapped[Interview | None] = relationship(back_populates="added_steps")
    group: Mapped[ProjectGroup] = relationship()
    source_answer: Mapped[Answer | None] = relationship()


class Link(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "links"
    __table_args__ = (
        UniqueConstraint("source_step_id", "target_step_id", "interview_id"),
        CheckConstraint("source_step_id <> target_step_id", name="no_self_loop"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("flowchart_versions.id", ondelete="CASCADE"), index=True
    )
    source_step_id: Mapped[int] = mapped_column(ForeignKey("steps.id", ondelete="CASCADE"))
    target_step_id: Mapped[int] = mapped_column(ForeignKey("steps.id", ondelete="CASCADE"))
    label: Mapped[str] = mapped_column(String(200), default="")
    # Set when a voice drew this arrow at a return interview, with its note on why they connect.
    interview_id: Mapped[int | None] = mapped_column(
        ForeignKey("interviews.id", ondelete="CASCADE"), nullable=True, index=True
    )
    note: Mapped[str] = mapped_column(Text, default="")
    verbatim: Mapped[bool] = mapped_column(Boolean, default=False)

    version: Mapped[FlowchartVersion] = relationship(back_populates="links")
    interview: Mapped[Interview | None] = relationship(back_populates="added_links")
    source: Mapped[Step] = relationship(foreign_keys=[source_step_id])
    target: Mapped[Step] = relationship(foreign_keys=[target_step_id])
