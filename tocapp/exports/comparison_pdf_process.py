"""Lay a comparison report's PDF out in a process of its own (``python -m`` this module FOLDER
[CHARACTERS_PER_PART]; FOLDER ``-``: its name on the first line of standard input).

FOLDER holds ``report.html`` and its ``charts/``, written by
:func:`tocapp.exports.comparison_document.comparison_pdf_in_process`; the PDF is written to
``report.pdf`` beside them.

WeasyPrint keeps every page it has laid out until the file is written (650 MB for the 138 pages of
a fifty-setting report), so a report of more than ``WHOLE_UP_TO`` characters of HTML is laid
out in parts, each a WeasyPrint document of its own that is written and let go before the next:
the opening (overview and summary), the settings' matrices a few at a time (about
``CHARACTERS_PER_PART`` of HTML a part), and the sections across settings, rounds and coverage.
Each part starts on a new page. pypdf joins the parts; the running header and the "Page n of N"
footer are drawn afterwards on every page from one more, empty, document of N pages (so the
numbers run on across the parts), and the outline is made from every part's headings as
WeasyPrint would have made it for one document.

The child tells its parent each part begun (``part I N``), each page laid out (``page N``) and each
page drawn into the file (``drawn N``), counting pages from the start of the whole report,
WeasyPrint's slow steps (``step N``) before each part's first page, and, joining the parts, the
start of the join (``step 7``) and each page given its header and footer (``joined N``).

This module imports only WeasyPrint, pypdf and our static files' fetcher (not the report's
templates, charts or the rest of the app): the child starts in half the time.
"""

from __future__ import annotations

import html
import io
import logging
import mimetypes
import os
import re
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any, NoReturn

from pypdf import PdfReader, PdfWriter
from pypdf.generic import Fit

# WeasyPrint ships no type hints; its few entry points used here are checked by the tests.
from weasyprint import HTML  # type: ignore[import-untyped]
from weasyprint.anchors import make_page_bookmark_tree  # type: ignore[import-untyped]
from weasyprint.matrix import Matrix  # type: ignore[import-untyped]
from weasyprint.text.fonts import FontConfiguration  # type: ignore[import-untyped]
from weasyprint.urls import URLFetcherResponse  # type: ignore[import-untyped]

from tocapp.exports.fetcher import STATIC_BASE_URL, RefusedURL, StaticFilesFetcher

# What the child tells its parent, one line each: a part begun ("part 3 7": the third of seven),
# a page laid out, a page drawn into the file, WeasyPrint's slow steps before the first page
# (3: styles, 4: boxes) and after the last (7), and a page of the joined file given its margins.
PART_LINE, PAGE_LINE, DRAWN_LINE, STEP_LINE, JOINED_LINE = (
    "part ",
    "page ",
    "drawn ",
    "step ",
    "joined ",
)
# Under the same made-up origin as the static files: never reachable over a network.
CHART_BASE_URL = STATIC_BASE_URL.replace("/static/", "/comparison-charts/")


class ChartImagesFetcher(StaticFilesFetcher):
    """Our static files, and the report's chart pictures from a folder; nothing else."""

    def __init__(self, charts_folder: Path) -> None:
        super().__init__()
        self.charts_folder = charts_folder.resolve()

    def fetch(self, url: str, headers: object = None) -> URLFetcherResponse:
        if not url.startswith(CHART_BASE_URL):
            return super().fetch(url, headers)
        name = url.removeprefix(CHART_BASE_URL)
        path = (self.charts_folder / name).resolve()
        if path.parent != self.charts_folder or not path.is_file():
            raise RefusedURL(f"No such chart: {name[:200]!r}.")
        media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": media_type})


_PAGE = re.compile(r"Creating layout - Page (\d+)")
# WeasyPrint's slow steps: before the first page (styles, boxes) and after the last (the file).
_FIRST_STEPS, _LAST_STEP = ("Step 3 ", "Step 4 "), ("Step 7 ",)

# About 15 pages a part. A fifty-setting report (700,000 characters, 138 pages in one document)
# is then 8 parts and 142 pages, and the child peaks at about 240 MB instead of 700 MB; each part
# costs a little (styles, fonts), but smaller ones are laid out faster, about as fast in all.
CHARACTERS_PER_PART = 80_000
# A report up to this size is one document, as WeasyPrint writes it (about 60 pages, 330 MB at
# most): its progress is told page by page as drawn too, and it has no part's page breaks.
WHOLE_UP_TO = 300_000
# The matrices' section in print (templates/comparisons/_report.html with plain=true): each
# setting's matrix starts at its <h3> (user text is escaped, so never a literal tag).
_WITHIN_START = '<section id="within-settings"'
_AFTER_WITHIN = '<section id="across-settings"'
_MATRIX_START = "<h3>"
_SECTION_STARTS = ('<section id="across-rounds"', '<section id="coverage"')
# The running header and page footer are drawn on the joined file, not in each part.
_NO_MARGIN_TEXT = "@page { @top-left { content: none; } @bottom-right { content: none; } }"


def split_parts(
    report: str, characters_per_part: int = CHARACTERS_PER_PART, whole_up_to: int = WHOLE_UP_TO
) -> list[str]:
    """The print HTML as several documents of about ``characters_per_part`` each, cut only
    before a setting's matrix or a section across settings, rounds or coverage; a report up to
    ``whole_up_to`` characters is one document, itself. Concatenated, the parts' bodies are the
    report's body, but for the matrices' section opened again at the start of a part and closed
    at its end; each part has the report's head."""
    head_end = report.index("<body")
    body_start = report.index(">", head_end) + 1
    body_end = report.rindex("</body>")
    head, body_tag = report[:head_end], report[head_end:body_start]
    body = report[body_start:body_end]
    within, after = body.find(_WITHIN_START), body.find(_AFTER_WITHIN)
    if within < 0 or after < 0 or len(body) <= max(characters_per_part, whole_up_to):
        return [report]
    within_tag = body[within : body.index(">", within) + 1]
    close_within = body.rindex("</section>", within, after)
    matrices = [
        m.start() for m in re.finditer(_MATRIX_START, body[within:close_within], re.IGNORECASE)
    ]
    cuts = [within + m for m in matrices] + [close_within]
    cuts += [body.find(s, after) for s in _SECTION_STARTS if body.find(s, after) > 0]
    pieces = [body[a:b] for a, b in zip([0, *cuts], [*cuts, len(body)], strict=True)]
    # A piece inside the matrices' section: those from the first matrix to the last.
    inside = [0 < n <= len(matrices) for n in range(len(pieces))]
    bodies: list[str] = []
    part: list[int] = []
    for n in range(len(pieces)):
        part.append(n)
        # Never cut between the matrices' heading (the end of the opening) and the first one.
        full = sum(len(pieces[i]) for i in part) >= characters_per_part and (n > 0 or not matrices)
        if full or n == len(pieces) - 1:
            text = "".join(pieces[i] for i in part)
            if inside[part[0]]:
                text = within_tag + text
            if inside[part[-1]]:
                text += "</section>"
            bodies.append(text)
            part = []
    if len(bodies) == 1:
        return [report]
    head = head.replace("</head>", f"<style>{_NO_MARGIN_TEXT}</style></head>")
    return [f"{head}{body_tag}{part_body}</body></html>" for part_body in bodies]


def margin_text_html(report: str, pages: int) -> str:
    """A document of ``pages`` empty pages carrying only the report's running header (its
    <h1>) and "Page n of N" footers, drawn over the joined parts."""
    head = report[: report.index("<body")]
    title = re.search(r"<h1>(.*?)</h1>", report, re.DOTALL)
    words = html.unescape(title.group(1)) if title else ""
    # As a CSS string, everything but letters, digits and spaces escaped (no quote or "</style>").
    quoted = '"' + "".join(c if c.isalnum() or c == " " else f"\\{ord(c):x} " for c in words) + '"'
    style = (
        "<style>@page { @top-left { content: " + quoted + "; } }"
        " .blank { break-after: page; } .blank:last-child { break-after: auto; }</style>"
    )
    blanks = '<div class="blank"></div>' * pages
    return f"{head.replace('</head>', style + '</head>')}<body>{blanks}</body></html>"


class _TellParent(logging.Handler):
    """WeasyPrint's progress messages ("Step 5 - Creating layout - Page 12") as our lines,
    counted from the first page of the whole report."""

    def __init__(self) -> None:
        super().__init__()
        self.offset = 0
        self.steps: tuple[str, ...] = _FIRST_STEPS + _LAST_STEP

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if found := _PAGE.search(message):
            print(f"{PAGE_LINE}{self.offset + int(found.group(1))}", flush=True)
        elif self.steps and message.startswith(self.steps):
            print(STEP_LINE + message[len("Step ")], flush=True)


def _telling(paint: Callable[..., Any], number: int) -> Callable[..., Any]:
    def paint_and_tell(*args: Any, **kwargs: Any) -> Any:
        result = paint(*args, **kwargs)
        print(f"{DRAWN_LINE}{number}", flush=True)
        return result

    return paint_and_tell


def _outline(writer: PdfWriter, pages: list[SimpleNamespace]) -> None:
    """Every part's headings as one outline, nested as WeasyPrint nests one document's."""
    root: list[Any] = []
    skipped: list[int] = []
    last_by_depth: list[list[Any]] = [root]
    previous = 0
    for number, page in enumerate(pages):
        # As WeasyPrint's own PDF writer: CSS pixels to points, the origin at the bottom left.
        matrix = Matrix(a=0.75, d=-0.75, f=page.height * 0.75)
        previous = make_page_bookmark_tree(page, skipped, last_by_depth, previous, number, matrix)

    def add(subtrees: list[Any], parent: Any) -> None:
        for label, (number, x, y), children, state in subtrees:
            item = writer.add_outline_item(
                title=label,
                page_number=number,
                parent=parent,
                fit=Fit.xyz(left=x, top=y),
                is_open=state == "open",
            )
            add(children, item)

    add(root, None)


def pdf_in_parts(
    folder: Path, characters_per_part: int = CHARACTERS_PER_PART, whole_up_to: int = WHOLE_UP_TO
) -> bytes:
    """As :func:`tocapp.exports.pdf.html_to_pdf` (our static files and the report's charts
    only), part by part, telling each part, each page laid out and each page drawn: WeasyPrint
    logs the pages it lays out but not those it draws, which for 150 pages took ten silent
    seconds."""
    tell = _TellParent()
    progress = logging.getLogger("weasyprint.progress")
    progress.setLevel(logging.INFO)
    progress.addHandler(tell)
    progress.propagate = False
    report = (folder / "report.html").read_text(encoding="utf-8")
    parts = split_parts(report, characters_per_part, whole_up_to)
    fetcher = ChartImagesFetcher(folder / "charts")
    fonts = FontConfiguration()
    writer = PdfWriter()
    pages: list[SimpleNamespace] = []  # each page's headings and height, for the outline
    metadata: dict[str, Any] = {}
    if len(parts) == 1:  # a small report: one document, as WeasyPrint writes it
        print(f"{PART_LINE}1 1", flush=True)
        document = HTML(string=report, base_url=STATIC_BASE_URL, url_fetcher=fetcher).render(
            font_config=fonts
        )
        for number, page in enumerate(document.pages, start=1):
            page.paint = _telling(page.paint, number)
        return bytes(document.write_pdf())
    for number, part in enumerate(parts, start=1):
        print(f"{PART_LINE}{number} {len(parts)}", flush=True)
        tell.offset, tell.steps = len(pages), _FIRST_STEPS  # each part's styles and boxes
        document = HTML(string=part, base_url=STATIC_BASE_URL, url_fetcher=fetcher).render(
            font_config=fonts
        )
        for page in document.pages:
            pages.append(SimpleNamespace(bookmarks=page.bookmarks, height=page.height))
            page.paint = _telling(page.paint, len(pages))
        pdf = document.write_pdf()
        del document  # the part's layout, before the next is laid out
        reader = PdfReader(io.BytesIO(pdf))
        if number == 1 and reader.metadata:
            metadata = dict(reader.metadata)
        writer.append(reader, import_outline=False)
    print(STEP_LINE + "7", flush=True)  # the footers and the join
    progress.removeHandler(tell)  # the margin document's pages are not the report's
    margins = HTML(
        string=margin_text_html(report, len(pages)), base_url=STATIC_BASE_URL, url_fetcher=fetcher
    ).write_pdf(font_config=fonts)
    margin_pages = PdfReader(io.BytesIO(margins)).pages
    for number, (page, margin) in enumerate(zip(writer.pages, margin_pages, strict=True), 1):
        page.merge_page(margin)
        page.compress_content_streams()  # merging leaves them uncompressed: twice the file
        print(f"{JOINED_LINE}{number}", flush=True)
    _outline(writer, pages)
    if metadata:
        writer.add_metadata(metadata)
    joined = io.BytesIO()
    writer.write(joined)
    return joined.getvalue()


def main(folder: Path, characters_per_part: int | None = None) -> None:
    """With ``characters_per_part`` given, every report above that size is laid out in parts.
    A folder named ``-`` is read from the first line of standard input: started before the
    report is ready, the child imports WeasyPrint while its parent reads the study (and ends
    without a word if that line never comes)."""
    parent = os.getppid()
    if str(folder) == "-":
        line = sys.stdin.readline().strip()
        if not line:
            return
        folder = Path(line)
    try:
        if characters_per_part is None:
            pdf = pdf_in_parts(folder)
        else:
            pdf = pdf_in_parts(folder, characters_per_part, characters_per_part)
    except BrokenPipeError:  # no one hears the progress: the parent has gone (killed)
        _abandoned(folder)
    if os.getppid() != parent:  # gone while the last page was written
        _abandoned(folder)
    partial = folder / "report.pdf.part"
    partial.write_bytes(pdf)
    os.replace(partial, folder / "report.pdf")


def _abandoned(folder: Path) -> NoReturn:
    """The parent was killed before it could read the PDF or delete the folder, which holds the
    report's words (real names, in an identified report): delete it, and end."""
    shutil.rmtree(folder, ignore_errors=True)
    os._exit(3)  # no flushing of the broken pipe on the way out


if __name__ == "__main__":
    main(Path(sys.argv[1]), *(int(a) for a in sys.argv[2:3]))
