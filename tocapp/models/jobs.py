"""A report built in the background: what was asked for, how far it has got, where the file is."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tocapp.extensions import db
from tocapp.models.base import utcnow

if TYPE_CHECKING:
    from tocapp.models.studies import Project
    from tocapp.models.users import User

JOB_STATES = ("queued", "running", "done", "failed")


class ReportJob(db.Model):  # type: ignore[name-defined,misc]
    """One comparison report (PDF or Word) asked for by one person, built by the job worker."""

    __tablename__ = "report_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    requested_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    fmt: Mapped[str] = mapped_column(String(10))
    # The choice of settings, rounds and roles: {"setting": [ids], "round": [ids], "role": [labels]}
    choice: Mapped[dict[str, list[int | str]]] = mapped_column(JSON, default=dict)
    state: Mapped[str] = mapped_column(String(10), default="queued")
    steps_done: Mapped[int] = mapped_column(Integer, default=0)
    steps_total: Mapped[int] = mapped_column(Integer, default=0)
    stage: Mapped[str] = mapped_column(String(200), default="")
    problem: Mapped[str] = mapped_column(Text, default="")
    download_name: Mapped[str] = mapped_column(String(255), default="")
    file_name: Mapped[str] = mapped_column(String(100), default="")  # in the reports folder
    file_bytes: Mapped[int] = mapped_column(Integer, default=0)
    # "host:pid" of the worker process building it, so a restarted worker can tell that a job
    # left "running" lost its process and say so at once, instead of 30 minutes later.
    worker: Mapped[str] = mapped_column(String(120), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(nullable=True)
    # The last time anything happened to it (progress included): how a lost job is noticed.
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(nullable=True)

    project: Mapped[Project] = relationship()
    requested_by: Mapped[User | None] = relationship()

    @property
    def finished(self) -> bool:
        return self.state in ("done", "failed")
