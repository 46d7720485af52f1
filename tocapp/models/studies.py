"""A study (project) with its groups, settings, participants and rounds."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tocapp.extensions import db
from tocapp.models.base import utcnow

if TYPE_CHECKING:
    from tocapp.models.flowcharts import FlowchartVersion
    from tocapp.models.interviews import Interview
    from tocapp.models.users import Membership


class Project(db.Model):  # type: ignore[name-defined,misc]
    """A study of one intervention across several settings."""

    __tablename__ = "projects"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    focus: Mapped[str] = mapped_column(String(200), default="")
    partner: Mapped[str] = mapped_column(String(120), default="")
    intervention: Mapped[str] = mapped_column(Text, default="")
    # The setting's leadership never sees a group of fewer practitioners than this (PRODUCT.md).
    min_group_size: Mapped[int] = mapped_column(Integer, default=3, server_default="3")
    # From the study's ethics approval: personal data must be deleted after this date.
    personal_data_until: Mapped[date | None] = mapped_column(Date, nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="project", cascade="all, delete-orphan"
    )
    groups: Mapped[list[ProjectGroup]] = relationship(
        back_populates="project", cascade="all, delete-orphan", order_by="ProjectGroup.position"
    )
    settings: Mapped[list[Setting]] = relationship(
        back_populates="project", cascade="all, delete-orphan", order_by="Setting.code"
    )
    rounds: Mapped[list[Round]] = relationship(
        back_populates="project", cascade="all, delete-orphan", order_by="Round.number"
    )

    @property
    def group_names(self) -> list[str]:
        return [g.name for g in self.groups]

    @property
    def group_ids_and_names(self) -> list[tuple[int, str]]:
        return [(g.id, g.name) for g in self.groups]


class ProjectGroup(db.Model):  # type: ignore[name-defined,misc]
    """A group in the settings' communities (Staff, Children, Parents …): one lane of a chart."""

    __tablename__ = "project_groups"
    __table_args__ = (UniqueConstraint("project_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(60))
    position: Mapped[int] = mapped_column(Integer, default=0)

    project: Mapped[Project] = relationship(back_populates="groups")


class Setting(db.Model):  # type: ignore[name-defined,misc]
    """A school, nursery or college: the unit that has one flowchart."""

    __tablename__ = "settings"
    __table_args__ = (UniqueConstraint("project_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    code: Mapped[str] = mapped_column(String(12))
    kind: Mapped[str] = mapped_column(String(200), default="")

    project: Mapped[Project] = relationship(back_populates="settings")
    participants: Mapped[list[Participant]] = relationship(
        back_populates="setting", cascade="all, delete-orphan", order_by="Participant.id"
    )
    interviews: Mapped[list[Interview]] = relationship(
        back_populates="setting", cascade="all, delete-orphan", order_by="Interview.held_on"
    )
    versions: Mapped[list[FlowchartVersion]] = relationship(
        back_populates="setting", cascade="all, delete-orphan", order_by="FlowchartVersion.number"
    )


class Participant(db.Model):  # type: ignore[name-defined,misc]
    """One person across every round of a study, with consent; exports show the role label and
    the reference, never the name."""

    __tablename__ = "participants"
    __table_args__ = (UniqueConstraint("setting_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    setting_id: Mapped[int] = mapped_column(ForeignKey("settings.id", ondelete="CASCADE"))
    # Numbered within the setting; the reference ("NUR-P02") is fixed when the person is added,
    # so it stays the same key in every round, export and CSV even if the setting's code changes.
    number: Mapped[int] = mapped_column(Integer)
    reference: Mapped[str] = mapped_column(String(40))
    # "leadership", "practice" or "not interviewed" (domain.people.Perspective): said, not guessed.
    perspective: Mapped[str] = mapped_column(String(20))
    real_name: Mapped[str] = mapped_column(String(120), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    pseudonym: Mapped[str] = mapped_column(String(120), default="")
    role_label: Mapped[str] = mapped_column(String(120))
    consent_participate: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_record: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_quote: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    # Set when the participant withdrew but asked to keep what they said before a date.
    withdrawn_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    setting: Mapped[Setting] = relationship(back_populates="participants")

    @property
    def can_be_interviewed(self) -> bool:
        return self.consent_participate and self.withdrawn_on is None

    @property
    def label(self) -> str:
        """How the participant appears in pseudonymised views: pseudonym, else role label."""
        return participant_label(self.pseudonym, self.role_label)


def participant_label(pseudonym: str | None, role_label: str) -> str:
    """``Participant.label``'s rule, for a participant read as columns rather than an object."""
    return pseudonym or role_label


class Round(db.Model):  # type: ignore[name-defined,misc]
    """A round of interviews across the study's settings (initial, return, …)."""

    __tablename__ = "rounds"
    __table_args__ = (UniqueConstraint("project_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20), default="return")  # "initial" or "return"
    planned_on: Mapped[date | None] = mapped_column(Date, nullable=True)

    project: Mapped[Project] = relationship(back_populates="rounds")
