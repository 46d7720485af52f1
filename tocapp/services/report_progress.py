"""A report job's progress: what its page shows, written beside the long read of the study.

The worker reads the study in one long read-only transaction; its progress goes to the job's row
in short transactions of its own (:class:`JobProgress`), so the page can poll it meanwhile.

The bar is a share of the whole job, ``STEPS`` steps, and only ever moves forward: reading the
study (and comparing the settings) takes the first share (``READING_SHARE``, as measured), and
writing the document the rest. Before a PDF is written, the worker tells each chart it has drawn;
then a child process tells each part begun, each page laid out and drawn, and the join
(:class:`~tocapp.exports.comparison_document.WritingEvent`); :class:`PdfWriting` turns these into
a share and words such as "Writing the PDF: part 3 of 8 (page 41)".
"""

from __future__ import annotations

import logging
import os
import socket
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from tocapp.models import ReportJob
from tocapp.models.base import utcnow
from tocapp.services import audit

if TYPE_CHECKING:
    from tocapp.exports.comparison_document import WritingEvent

log = logging.getLogger(__name__)

STEPS = 10_000  # the bar's length: fine enough that every setting and every page moves it
# The share of the bar that reading the study takes, by format and whether each setting's detail
# is in: at fifty settings the full PDF spends about 2% of its time reading, the summary 6%
# (bench/comparison_report.py). A Word file is not told page by page: half.
READING_SHARE = {("pdf", True): 0.02, ("pdf", False): 0.06}
WORD_READING_SHARE = 0.5
# Pages at most this often (seconds); parts and WeasyPrint's slow steps always.
PAGES_EVERY = 1.0

WEASYPRINT_STEPS = {3: "applying the styles", 4: "building the pages' boxes"}
# Within a part of the PDF (a share of the part): styles and boxes before the first page, then
# the pages laid out (how many is only estimated), then each drawn into the file (now known).
_PART_BEGUN, _STEP_SHARES, _LAYOUT, _DRAWING, _PART_DONE = 0.01, {3: 0.05, 4: 0.12}, 0.2, 0.6, 0.98
# Of writing a PDF in several parts: the join (every page given its header and footer) at the end.
_JOIN_SHARE = 0.1
# Of writing a PDF whose charts are drawn first (each told): the charts. Drawn anew after marks
# change, the fifty-setting summary's 21 overview pictures take about as long as laying it out;
# found in the chart cache, they pass in a moment and the bar jumps this far.
_CHARTS_SHARE = 0.4


def failed_columns(problem: str, stage: str = "Failed") -> dict[str, object]:
    """The columns of a job that has failed, for whatever reason: its page offers to try again."""
    return {"state": "failed", "stage": stage, "problem": problem, "finished_at": utcnow()}


def this_worker() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass
class PdfWriting:
    """Where the PDF process is, from what it tells: ``event`` gives the share of the writing
    done (0 to 1, never reached) and the words for the job's page. ``pages`` is the estimate."""

    pages: int = 1
    parts: int = 1
    part: int = 1
    first_page: int = 1  # of the current part, counted from the report's start
    laid: int = 0  # pages laid out so far, in every part
    joining: bool = False
    share: float = 0.0
    charts: float = 0.0  # the share the charts take, once the first is told

    def event(self, event: WritingEvent) -> tuple[float, str]:
        """The share done after ``event`` (never less than before) and what to say."""
        if event.phase == "chart":  # ``number`` of ``parts`` charts drawn (or found drawn)
            self.charts = _CHARTS_SHARE
            return self._kept(self.charts * event.number / max(1, event.parts)), (
                f"Writing the PDF: drawing the charts ({event.number} of {event.parts})"
            )
        if event.phase == "part":
            self.part, self.parts = event.number, max(1, event.parts)
            self.first_page = self.laid + 1
            return self._within(_PART_BEGUN), self._words()
        if event.phase == "step" and event.number in WEASYPRINT_STEPS:
            return self._within(_STEP_SHARES[event.number]), self._words(
                WEASYPRINT_STEPS[event.number]
            )
        if event.phase == "step" and self.parts > 1:  # 7: the parent joins the parts
            self.joining = True
            return self._joined(0), f"Writing the PDF: joining the {self.parts} parts"
        if event.phase == "step":
            return self._within((1 + _PART_DONE) / 2), "Writing the PDF: finishing the file"
        if event.phase == "layout":
            self.laid = max(self.laid, event.number)
            # The part's pages are only estimated: the share rises fast, then ever more slowly
            # (two thirds at the estimate), so a page more than expected still moves it.
            expected = max(1.0, self.pages / self.parts)
            done = self.laid - self.first_page + 1
            curve = done / (done + expected / 2)
            return self._within(_LAYOUT + (_DRAWING - _LAYOUT) * curve), self._words(
                f"page {self.laid}"
            )
        if event.phase == "drawing":
            of = max(1, self.laid - self.first_page + 1)
            done = min(of, event.number - self.first_page + 1)
            return self._within(_DRAWING + (_PART_DONE - _DRAWING) * done / of), self._words(
                f"drawing page {event.number} of {self.laid}"
            )
        if event.phase == "joining":
            return self._joined(event.number / max(1, self.laid)), (
                f"Writing the PDF: joining the {self.parts} parts (page {event.number} of "
                f"{self.laid})"
            )
        return self.share, ""

    def _words(self, what: str = "") -> str:
        if self.parts > 1:
            where = f"part {self.part} of {self.parts}"
            return f"Writing the PDF: {where} ({what})" if what else f"Writing the PDF: {where}"
        return f"Writing the PDF: {what}" if what else "Writing the PDF"

    def _within(self, of_part: float) -> float:
        parts_share = 1 - _JOIN_SHARE if self.parts > 1 else 1.0
        share = parts_share * (self.part - 1 + of_part) / self.parts
        return self._kept(self._after_charts(share))

    def _joined(self, of_join: float) -> float:
        share = 1 - _JOIN_SHARE + _JOIN_SHARE * (0.02 + 0.96 * min(1.0, of_join))
        return self._kept(self._after_charts(share))

    def _after_charts(self, share: float) -> float:
        return self.charts + (1 - self.charts) * share

    def _kept(self, share: float) -> float:
        self.share = max(self.share, share)
        return self.share


@dataclass
class JobProgress:
    """Writes a job's state in short transactions of its own, beside the long read."""

    engine: Engine
    job_id: int
    reading_share: float = 0.15
    writing_what: str = "document"
    _done: int = 0  # steps written: the bar never goes back, and nothing is written twice
    _noted_at: float = 0.0
    _pdf: PdfWriting = field(default_factory=PdfWriting)

    def start(self) -> tuple[int, str, dict[str, list[int | str]]] | None:
        """Take the queued job (None if it is gone or taken): its study, format and choice."""
        with Session(self.engine) as session:
            job = session.get(ReportJob, self.job_id)
            if job is None or job.state != "queued":
                return None
            taken = job.project_id, job.fmt, dict(job.choice)
            job.state, job.started_at, job.stage = "running", utcnow(), "Reading the study"
            job.steps_done, job.steps_total = 0, STEPS
            job.worker = this_worker()
            session.commit()
            return taken

    def comparing(self, done: int, total: int) -> None:
        """build_report's callback: ``done`` of its ``total`` steps (the last draws the charts)."""
        stage = (
            f"Comparing settings: {done} of {total - 1}" if done < total else "Drawing the charts"
        )
        self.advance(self.reading_share * done / (total + 1), stage)

    def writing_started(self, what: str, pages: int = 0) -> None:
        """The study is read; the document is being written (a PDF of about ``pages`` pages)."""
        self.writing_what = what
        self._pdf = PdfWriting(pages=max(1, pages))
        self.advance(self.reading_share, f"Writing the {what}")

    def writing(self, event: WritingEvent) -> None:
        """comparison_document's callback. Pages are written at most every ``PAGES_EVERY``
        seconds (a page takes a tenth of that); each part begun and each slow step at once."""
        share, stage = self._pdf.event(event)
        if event.phase in ("chart", "layout", "drawing", "joining"):
            now = time.monotonic()
            if now - self._noted_at < PAGES_EVERY:
                return
            self._noted_at = now
        self.advance(self.reading_share + (1 - self.reading_share) * 0.99 * share, stage)

    def advance(self, fraction: float, stage: str) -> None:
        """Move the bar to ``fraction`` of the job, saying ``stage``; a step that would not move
        it forward is not written. On the way, a busy database skips it: not worth failing for."""
        done = min(STEPS - 1, round(fraction * STEPS))
        if done <= self._done:
            return
        try:
            self.update(done, stage)
        except SQLAlchemyError:
            log.warning("report job %s: progress not saved (database busy)", self.job_id)
            return
        self._done = done

    def update(self, done: int, stage: str, *, only_running: bool = False, **values: object) -> int:
        """Write the job's progress; returns how many rows changed (0: the job is gone, or with
        ``only_running``, it is no longer running — withdrawn while it was being built)."""
        query = update(ReportJob).where(ReportJob.id == self.job_id)
        if only_running:
            query = query.where(ReportJob.state == "running")
        with Session(self.engine) as session:
            changed = session.execute(
                query.values(steps_done=done, steps_total=STEPS, stage=stage, **values)
            ).rowcount
            session.commit()
        return int(changed)

    def fail(self, problem: str) -> None:
        try:
            self.update(0, **failed_columns(problem))
        except SQLAlchemyError:
            log.exception("report job %s: could not record its failure", self.job_id)

    def finish(self, file_name: str, size: int) -> bool:
        """Mark the job done — and, in the same transaction, record in the audit trail that its
        file was built for the person who asked for it."""
        query = (
            update(ReportJob)
            .where(ReportJob.id == self.job_id, ReportJob.state == "running")
            .values(
                steps_done=STEPS,
                steps_total=STEPS,
                stage="Ready",
                state="done",  # a job withdrawn meanwhile stays withdrawn; its file goes
                file_name=file_name,
                file_bytes=size,
                finished_at=utcnow(),
            )
        )
        with Session(self.engine) as session:
            changed = session.execute(query).rowcount
            job = session.get(ReportJob, self.job_id) if changed else None
            if job is not None:
                asker = job.requested_by
                audit.record(
                    session,
                    asker,  # whose report it is: the person filter finds it under them
                    "report.built",
                    project_id=job.project_id,
                    target=job,
                    summary=f"{job.download_name} built ({size:,} bytes)",
                    actor_text="the report worker, for "
                    + (audit.actor_label(asker) if asker else "an account since removed"),
                )
            session.commit()
        return bool(changed)
