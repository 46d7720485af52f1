"""The comparison report as PDF: the page's own report sections, laid out by WeasyPrint.

Rendered from the same macros as the web page (``templates/comparisons/_report.html``) by a
Jinja environment of our own, so no Flask app or request is needed: the job worker and the tests
call it as they are. Nothing about the person asking can reach the document, and rendering never
touches the database: the report is plain data (:mod:`tocapp.exports.comparison_model`).

In print the charts are PNG pictures (the same the Word file shows), served to WeasyPrint under
``CHART_BASE_URL`` by :class:`ChartImagesFetcher`: WeasyPrint draws matplotlib's SVG hatching once
per bar, which was four fifths of the time of a summary. :func:`comparison_pdf_in_process` lays
the PDF out in a child process, part by part (WeasyPrint keeps every laid-out page of a document
until it is written: 650 MB for 140 pages in one), so that the child stays under 500 MB, its memory
is given back to the system when it ends, and it tells each part, each page laid out and drawn, and
the join, as :class:`WritingEvent` s for the job's progress bar.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import jinja2

from tocapp.domain.comparison import MARK_COLUMNS, cell_text
from tocapp.exports.comparison_model import ComparisonReport
from tocapp.exports.comparison_pdf_process import (
    CHART_BASE_URL,
    DRAWN_LINE,
    JOINED_LINE,
    PAGE_LINE,
    PART_LINE,
    STEP_LINE,
    ChartImagesFetcher,
)
from tocapp.exports.pdf import html_to_pdf
from tocapp.render.mark_charts import stacked_mark_bars_png
from tocapp.render.overview_chart import overview_pngs

log = logging.getLogger(__name__)

_environment = jinja2.Environment(
    loader=jinja2.PackageLoader("tocapp", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
)
_environment.globals["cell_text"] = cell_text


@dataclass(frozen=True)
class WritingEvent:
    """One thing done towards the PDF: ``phase`` is "chart" (``number`` of ``parts`` charts
    drawn, by this process before the PDF process is given the report), "part" (``number`` of
    ``parts`` begun),
    "layout" or "drawing" (page ``number``, counted from the report's start, laid out or drawn
    into the file), "step" (WeasyPrint's slow step ``number``: 3 styles, 4 boxes, 7 the file) or
    "joining" (page ``number`` of the joined file given its header and footer)."""

    phase: str
    number: int
    parts: int = 1


WritingProgress = Callable[[WritingEvent], None]
_PHASES = {PAGE_LINE: "layout", DRAWN_LINE: "drawing", STEP_LINE: "step", JOINED_LINE: "joining"}


@dataclass
class PrintCharts:
    """The report's charts as PNG files, and their URLs in the order the template shows them."""

    files: dict[str, bytes] = field(default_factory=dict)
    count: list[str] = field(default_factory=list)
    overview: list[str] = field(default_factory=list)

    def add(self, name: str, png: bytes) -> str:
        self.files[name] = png
        return CHART_BASE_URL + name


# The overview's pictures fill the page's width (17 cm on A4): at 150 dpi that is ~170 pixels an
# inch. WeasyPrint decodes and compresses every PNG again into the PDF, and at 200 dpi the 21
# overview pictures of a fifty-setting summary took a quarter of its time (and 6 of its 6.4 MB).
PRINT_OVERVIEW_DPI = 150


def print_charts(
    report: ComparisonReport, drawn: Callable[[int, int], None] | None = None
) -> PrintCharts:
    """Draw (or take from the chart cache) every chart of the report as PNG, telling ``drawn``
    (how many of how many) after each: fifty settings' overview takes seconds to draw anew."""
    charts = PrintCharts()
    total = len(report.overview_charts) + len(report.charts)
    overviews = [(chart.rows, chart.title) for chart in report.overview_charts]
    for n, png in enumerate(overview_pngs(overviews, dpi=PRINT_OVERVIEW_DPI)):
        charts.overview.append(charts.add(f"overview-{n}.png", png))
        if drawn is not None:
            drawn(n + 1, total)
    for n, chart in enumerate(report.charts):
        png = stacked_mark_bars_png(chart.title, chart.bars)
        charts.count.append(charts.add(f"count-{n}.png", png))
        if drawn is not None:
            drawn(len(report.overview_charts) + n + 1, total)
    return charts


def estimated_pages(report: ComparisonReport) -> int:
    """About how many pages the PDF will have, for the job's progress bar (rows per page as
    measured on A4 with eight voices a setting)."""
    # The overview's table of outcomes; with the detail, each voice's mark on each outcome too.
    outcome_tables = 2 if report.with_detail else 1
    outcomes = len(report.overview.outcomes)
    pages = 2 + len(report.overview_charts) + outcome_tables * outcomes / 38
    pages += len(report.charts) / 3
    pages += (len(report.coverage) + len(report.move_summaries)) / 40
    if report.with_detail:
        pages += sum(len(m.rows) + 2 * len(m.noted) for m in report.matrices) / 32
    return max(1, round(pages))


def comparison_html(report: ComparisonReport, images: PrintCharts | None = None) -> str:
    """The print HTML of the report; charts inline as SVG, or as ``images`` by URL."""
    template = _environment.get_template("comparisons/print.html")
    return template.render(report=report, marks=MARK_COLUMNS, images=images)


def _write_folder(
    folder: Path, report: ComparisonReport, progress: WritingProgress | None = None
) -> None:
    def drawn(number: int, total: int) -> None:
        if progress is not None:
            progress(WritingEvent("chart", number, total))

    charts = print_charts(report, drawn)
    (folder / "charts").mkdir()
    for name, png in charts.files.items():
        (folder / "charts" / name).write_bytes(png)
    (folder / "report.html").write_text(comparison_html(report, charts), encoding="utf-8")


def pdf_of_folder(folder: Path) -> bytes:
    """Lay out ``folder``/report.html with its charts; what the child process runs."""
    html = (folder / "report.html").read_text(encoding="utf-8")
    return html_to_pdf(html, ChartImagesFetcher(folder / "charts"))


def comparison_pdf(report: ComparisonReport) -> bytes:
    """The report as PDF, laid out in this process (small reports, tests)."""
    with tempfile.TemporaryDirectory(prefix="tocapp-comparison-") as name:
        _write_folder(Path(name), report)
        return pdf_of_folder(Path(name))


def _telling_progress(progress: WritingProgress | None) -> Callable[[str], None]:
    """The child's lines as ``progress`` calls (anything else on its output is ignored)."""

    def hear(line: str) -> None:
        if progress is None:
            return
        if line.startswith(PART_LINE):
            number, parts = line.removeprefix(PART_LINE).split()
            progress(WritingEvent("part", int(number), int(parts)))
            return
        for prefix, phase in _PHASES.items():
            if line.startswith(prefix):
                progress(WritingEvent(phase, int(line.removeprefix(prefix))))
                return

    return hear


@dataclass
class PdfProcess:
    """A PDF child process started before its report is ready (:func:`pdf_process_started`):
    it imports WeasyPrint (most of a second) while the study is read, on the other CPU."""

    folder: Path
    child: subprocess.Popen[str]
    errors: IO[str]

    def write(self, report: ComparisonReport, progress: WritingProgress | None = None) -> bytes:
        """Hand the report to the child and wait for its PDF, telling ``progress`` on the way."""
        _write_folder(self.folder, report, progress)
        assert self.child.stdin is not None and self.child.stdout is not None
        try:
            self.child.stdin.write(f"{self.folder}\n")
            self.child.stdin.close()
        except BrokenPipeError:  # it has ended already: its errors are logged below
            pass
        hear = _telling_progress(progress)
        for line in self.child.stdout:
            hear(line)
        if self.child.wait() != 0:
            self.errors.seek(0)
            log.error("comparison PDF process failed:\n%s", self.errors.read()[-4000:])
            raise RuntimeError(f"the PDF process ended with {self.child.returncode}")
        return (self.folder / "report.pdf").read_bytes()


@contextmanager
def pdf_process_started(characters_per_part: int | None = None) -> Iterator[PdfProcess]:
    """A PDF child process, started now and waiting for its report, laying it out in parts of
    about ``characters_per_part`` of HTML (its default unless given); stopped on leaving the
    block if it was never given one, and its folder deleted."""
    with tempfile.TemporaryDirectory(prefix="tocapp-comparison-") as name:
        folder = Path(name)
        command = [sys.executable, "-m", "tocapp.exports.comparison_pdf_process", "-"]
        if characters_per_part is not None:
            command.append(str(characters_per_part))
        with (
            (folder / "stderr.txt").open("w+", encoding="utf-8") as errors,
            subprocess.Popen(
                command,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=errors,
                text=True,
                env=os.environ.copy(),
            ) as child,
        ):
            try:
                yield PdfProcess(folder, child, errors)
            finally:
                if child.poll() is None:
                    child.kill()  # never given its report (the read failed), or interrupted
                    child.wait()


def comparison_pdf_in_process(
    report: ComparisonReport,
    progress: WritingProgress | None = None,
    characters_per_part: int | None = None,
) -> bytes:
    """The report as PDF, laid out by a child process (:mod:`comparison_pdf_process`) in parts
    of about ``characters_per_part`` of HTML (its default unless given), reporting each page; its
    memory goes back to the system when it ends."""
    with pdf_process_started(characters_per_part) as process:
        return process.write(report, progress)


# Who hears of the PDF's pages, and the child started ahead for it: set by the job worker around
# comparison_document, whose (report, fmt) signature the web layer and the tests' stand-ins share.
_writing_progress: ContextVar[WritingProgress | None] = ContextVar(
    "comparison_writing_progress", default=None
)
_started_process: ContextVar[PdfProcess | None] = ContextVar("comparison_pdf_process", default=None)


@contextmanager
def reporting_progress(
    progress: WritingProgress, process: PdfProcess | None = None
) -> Iterator[None]:
    """PDFs written by comparison_document in this block tell ``progress`` of each page, laid
    out by ``process`` if one was started ahead."""
    tokens = _writing_progress.set(progress), _started_process.set(process)
    try:
        yield
    finally:
        _writing_progress.reset(tokens[0])
        _started_process.reset(tokens[1])


def comparison_document(report: ComparisonReport, fmt: str) -> bytes:
    """The report as ``pdf`` (laid out in a child process) or ``docx`` bytes."""
    if fmt == "pdf":
        started = _started_process.get()
        if started is not None:
            return started.write(report, _writing_progress.get())
        return comparison_pdf_in_process(report, _writing_progress.get())
    if fmt == "docx":
        from tocapp.exports.comparison_docx import comparison_docx

        return comparison_docx(report)
    raise ValueError(f"no comparison document in {fmt!r}")
