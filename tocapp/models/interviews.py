"""Interviews: who was asked what, when and how, and the notes taken per question."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tocapp.extensions import db
from tocapp.models.base import utcnow

if TYPE_CHECKING:
    from tocapp.models.annotations import AnnotationAction, StepMark, VoiceNote
    from tocapp.models.flowcharts import FlowchartVersion, Link, Step
    from tocapp.models.schedules import Schedule
    from tocapp.models.studies import Participant, Round, Setting

INTERVIEW_MODES = ("face-to-face", "telephone", "video")


class Interview(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "interviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    setting_id: Mapped[int] = mapped_column(
        ForeignKey("settings.id", ondelete="CASCADE"), index=True
    )
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"))
    schedule_id: Mapped[int | None] = mapped_column(
        ForeignKey("schedules.id", ondelete="SET NULL"), nullable=True
    )
    # At a return interview: the frozen flowchart version the interviewee was shown.
    version_id: Mapped[int | None] = mapped_column(
        ForeignKey("flowchart_versions.id", ondelete="RESTRICT"), nullable=True
    )
    held_on: Mapped[date] = mapped_column(Date)
    mode: Mapped[str] = mapped_column(String(20))
    interviewer: Mapped[str] = mapped_column(String(120), default="")
    # A token from the form that created this interview: a second submit of the same form
    # finds the interview instead of recording it twice.
    form_token: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    setting: Mapped[Setting] = relationship(back_populates="interviews")
    round: Mapped[Round] = relationship()
    schedule: Mapped[Schedule | None] = relationship()
    people: Mapped[list[InterviewParticipant]] = relationship(
        back_populates="interview", cascade="all, delete-orphan", order_by="InterviewParticipant.id"
    )
    answers: Mapped[list[Answer]] = relationship(
        back_populates="interview", cascade="all, delete-orphan", order_by="Answer.number"
    )
    version: Mapped[FlowchartVersion | None] = relationship()
    marks: Mapped[list[StepMark]] = relationship(
        back_populates="interview", cascade="all, delete-orphan", order_by="StepMark.id"
    )
    notes: Mapped[list[VoiceNote]] = relationship(
        back_populates="interview", cascade="all, delete-orphan", order_by="VoiceNote.number"
    )
    added_steps: Mapped[list[Step]] = relationship(
        back_populates="interview", cascade="all, delete-orphan", order_by="Step.id"
    )
    added_links: Mapped[list[Link]] = relationship(
        back_populates="interview", cascade="all, delete-orphan", order_by="Link.id"
    )
    actions: Mapped[list[AnnotationAction]] = relationship(
        cascade="all, delete-orphan", order_by="AnnotationAction.id"
    )


class InterviewParticipant(db.Model):  # type: ignore[name-defined,misc]
    """A participant in an interview, with the role label they held at that time."""

    __tablename__ = "interview_participants"
    __table_args__ = (UniqueConstraint("interview_id", "participant_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    interview_id: Mapped[int] = mapped_column(ForeignKey("interviews.id", ondelete="CASCADE"))
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"))
    role_label: Mapped[str] = mapped_column(String(120))
    # The perspective spoken from in this interview: the participant's, unless it differed then.
    perspective: Mapped[str] = mapped_column(String(20))

    interview: Mapped[Interview] = relationship(back_populates="people")
    participant: Mapped[Participant] = relationship()


class Answer(db.Model):  # type: ignore[name-defined,misc]
    """The notes taken for one question; the question text is kept as it was asked."""

    __tablename__ = "answers"
    __table_args__ = (UniqueConstraint("interview_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    interview_id: Mapped[int] = mapped_column(ForeignKey("interviews.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    question_text: Mapped[str] = mapped_column(Text)
    stimulus: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[str] = mapped_column(Text, default="")

    interview: Mapped[Interview] = relationship(back_populates="answers")
