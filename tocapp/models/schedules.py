"""Interview schedules stored as data, so an owner can add one."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tocapp.extensions import db


class Schedule(db.Model):  # type: ignore[name-defined,misc]
    """A schedule of questions; project_id None means built in and shared by every study."""

    __tablename__ = "schedules"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int | None] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), nullable=True
    )
    key: Mapped[str] = mapped_column(String(60), default="")
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")

    questions: Mapped[list[ScheduleQuestion]] = relationship(
        back_populates="schedule", cascade="all, delete-orphan", order_by="ScheduleQuestion.number"
    )


class ScheduleQuestion(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "schedule_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    schedule_id: Mapped[int] = mapped_column(ForeignKey("schedules.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    stimulus: Mapped[str] = mapped_column(Text, default="")

    schedule: Mapped[Schedule] = relationship(back_populates="questions")
