"""The parts of a long PDF laid out one after another, or side by side in worker processes, with
their progress told as if one part followed the other.

:mod:`comparison_pdf_process` lays a long report out in parts, each a WeasyPrint document of its
own written to ``part-N.pdf`` in the report's folder. With one processor the parts are laid out in
turn. With more, ``processes`` workers forked from the PDF process lay them out at once, and the
PDF process tells what they do in report order: the first part not yet finished is told as it
goes; what the later ones tell is kept, then told at once when their turn comes, with the pages
counted from the report's start. So the job's progress reads exactly as when the parts are laid out
in turn ("part 3 of 8 (page 41)"), and only ever moves forward.

Both yield each part as it is finished, in order, so the PDF process joins the first parts while
the last are still being laid out.
"""

from __future__ import annotations

import ctypes
import logging
import multiprocessing
import os
import pickle
import queue
import re
import signal
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# WeasyPrint ships no type hints; its few entry points used here are checked by the tests.
from weasyprint import HTML  # type: ignore[import-untyped]
from weasyprint.text.fonts import FontConfiguration  # type: ignore[import-untyped]

from tocapp.exports.fetcher import STATIC_BASE_URL, StaticFilesFetcher

# What the PDF process tells its parent, one line each: a part begun ("part 3 7": the third of
# seven), a page laid out, a page drawn into the file, WeasyPrint's slow steps before the first page
# (3: styles, 4: boxes) and after the last (7), and a page of the joined file given its margins.
PART_LINE, PAGE_LINE, DRAWN_LINE, STEP_LINE, JOINED_LINE = (
    "part ",
    "page ",
    "drawn ",
    "step ",
    "joined ",
)
_PAGE = re.compile(r"Creating layout - Page (\d+)")
# WeasyPrint's slow steps: before the first page (styles, boxes) and after the last (the file).
FIRST_STEPS, LAST_STEP = ("Step 3 ", "Step 4 "), ("Step 7 ",)
# How long the PDF process waits for news from its workers before it looks whether they are alive.
_WAKE_EVERY = 1.0

Tell = Callable[[str], None]


@dataclass(frozen=True)
class LaidOutPage:
    """What the outline needs of a page: its headings (WeasyPrint's bookmarks) and height."""

    bookmarks: list[Any]
    height: float


@dataclass(frozen=True)
class LaidOutPart:
    number: int
    pdf: Path
    pages: list[LaidOutPage]


class _WeasyPrintNews(logging.Handler):
    """WeasyPrint's progress messages ("Step 5 - Creating layout - Page 12") as our lines."""

    def __init__(self, tell: Tell, steps: tuple[str, ...]) -> None:
        super().__init__()
        self.tell, self.steps = tell, steps

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if found := _PAGE.search(message):
            self.tell(f"{PAGE_LINE}{int(found.group(1))}")
        elif message.startswith(self.steps):
            self.tell(STEP_LINE + message[len("Step ")])


def lay_out(
    html: str,
    fetcher: StaticFilesFetcher,
    fonts: FontConfiguration,
    tell: Tell,
    steps: tuple[str, ...] = FIRST_STEPS,
) -> tuple[bytes, list[LaidOutPage]]:
    """One WeasyPrint document as PDF, telling each page laid out and drawn (counted from its
    first page) and WeasyPrint's slow ``steps``: WeasyPrint logs the pages it lays out but not
    those it draws, which for 150 pages took ten silent seconds."""
    progress = logging.getLogger("weasyprint.progress")
    progress.setLevel(logging.INFO)
    progress.propagate = False
    news = _WeasyPrintNews(tell, steps)
    progress.addHandler(news)
    try:
        document = HTML(string=html, base_url=STATIC_BASE_URL, url_fetcher=fetcher).render(
            font_config=fonts
        )
        pages = [LaidOutPage(page.bookmarks, page.height) for page in document.pages]
        for number, page in enumerate(document.pages, start=1):
            page.paint = _telling(page.paint, tell, number)
        return bytes(document.write_pdf()), pages
    finally:
        progress.removeHandler(news)


def _telling(paint: Callable[..., Any], tell: Tell, number: int) -> Callable[..., Any]:
    def paint_and_tell(*args: Any, **kwargs: Any) -> Any:
        result = paint(*args, **kwargs)
        tell(f"{DRAWN_LINE}{number}")
        return result

    return paint_and_tell


def _counted_from(offset: int, tell: Tell) -> Tell:
    """``tell``, with a part's page numbers counted from the report's start."""

    def tell_on(line: str) -> None:
        for prefix in (PAGE_LINE, DRAWN_LINE):
            if line.startswith(prefix):
                line = f"{prefix}{offset + int(line.removeprefix(prefix))}"
        tell(line)

    return tell_on


def parts_in_turn(
    parts: list[str], folder: Path, fetcher: StaticFilesFetcher, tell: Tell
) -> Iterator[LaidOutPart]:
    """Each part laid out, written and let go before the next."""
    fonts = FontConfiguration()
    offset = 0
    for number, html in enumerate(parts, start=1):
        tell(f"{PART_LINE}{number} {len(parts)}")
        pdf, pages = lay_out(html, fetcher, fonts, _counted_from(offset, tell))
        path = folder / f"part-{number}.pdf"
        path.write_bytes(pdf)
        yield LaidOutPart(number, path, pages)
        offset += len(pages)


def parts_side_by_side(
    parts: list[str], folder: Path, fetcher: StaticFilesFetcher, tell: Tell, processes: int
) -> Iterator[LaidOutPart]:
    """The parts laid out by ``processes`` workers forked from this process, each taking the next
    part not yet begun; told and yielded in report order. A worker that fails, or dies, fails the
    whole; leaving early (an error, or the parent gone) stops the workers."""
    context = multiprocessing.get_context("fork")
    tasks: Any = context.SimpleQueue()
    news: Any = context.Queue()
    for number in range(1, len(parts) + 1):
        tasks.put(number)
    here = os.getpid()
    workers = [
        context.Process(target=_work, args=(here, parts, folder, fetcher, tasks, news), daemon=True)
        for _ in range(min(processes, len(parts)))
    ]
    for _ in workers:
        tasks.put(None)
    for worker in workers:
        worker.start()
    try:
        kept: dict[int, list[tuple[str, str]]] = {number: [] for number in range(1, len(parts) + 1)}
        current, offset, quiet = 1, 0, 0
        tell(f"{PART_LINE}1 {len(parts)}")
        while current <= len(parts):
            try:
                number, kind, value = news.get(timeout=_WAKE_EVERY)
                quiet = 0
            except queue.Empty:
                quiet += 1
                continue
            finally:
                _check_alive(workers, quiet)
            if kind == "failed":
                raise RuntimeError(f"laying out part {number} of {len(parts)} failed:\n{value}")
            kept[number].append((kind, value))
            while current <= len(parts) and kept[current]:
                kind, value = kept[current].pop(0)
                if kind == "line":
                    _counted_from(offset, tell)(value)
                    continue
                pages = pickle.loads((folder / f"part-{current}.pages").read_bytes())
                yield LaidOutPart(current, folder / f"part-{current}.pdf", pages)
                offset += len(pages)
                current += 1
                if current <= len(parts):
                    tell(f"{PART_LINE}{current} {len(parts)}")
    finally:
        for worker in workers:
            if worker.is_alive():
                worker.kill()
            worker.join()
        news.close()


def _check_alive(workers: list[Any], quiet: int) -> None:
    """A worker that has ended with an error, or been killed without a word (out of memory); or
    every worker ended, and nothing more heard from them since (``quiet`` waits in a row: what a
    worker tells just before it ends may still be on its way at the first)."""
    for worker in workers:
        if worker.exitcode not in (None, 0):
            raise RuntimeError(f"a PDF worker process ended with {worker.exitcode}")
    if quiet > 1 and all(worker.exitcode == 0 for worker in workers):
        raise RuntimeError("the PDF worker processes ended before every part was laid out")


def _work(
    parent: int,
    parts: list[str],
    folder: Path,
    fetcher: StaticFilesFetcher,
    tasks: Any,
    news: Any,
) -> None:
    """A worker: the next part not yet begun, until none is left. What it tells goes to the PDF
    process as (part, kind, text), each message far shorter than a pipe writes at once, so a
    worker killed mid-way never leaves half a message; a part's PDF and its pages' headings go
    into the report's folder. ``parent``: the PDF process."""
    _die_with_parent()
    fonts = FontConfiguration()
    while (number := tasks.get()) is not None:
        if os.getppid() != parent:  # the PDF process has gone: no one to lay this out for
            return

        def tell(line: str, number: int = number) -> None:
            news.put((number, "line", line))

        try:
            pdf, pages = lay_out(parts[number - 1], fetcher, fonts, tell)
            (folder / f"part-{number}.pdf").write_bytes(pdf)
            (folder / f"part-{number}.pages").write_bytes(pickle.dumps(pages))
        except BaseException:
            news.put((number, "failed", traceback.format_exc()[-_FAILURE_TOLD:]))
            return
        news.put((number, "done", ""))


# Of a worker's traceback, what is told (the end): with the rest of its message, well under the
# 4,096 bytes a pipe writes at once.
_FAILURE_TOLD = 2_000
_PR_SET_PDEATHSIG = 1  # from <sys/prctl.h>


def _die_with_parent() -> None:
    """Ask Linux to kill this worker when the PDF process ends, even killed without a word (the
    job stops it so when it is interrupted): else the worker would finish its part for no one.
    Elsewhere the worker still stops before its next part."""
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return  # not Linux: the worker looks for its PDF process before each part instead
    prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
