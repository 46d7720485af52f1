"""Lay a comparison report's PDF out in a process of its own (``python -m`` this module FOLDER
[CHARACTERS_PER_PART]; FOLDER ``-``: its name on the first line of standard input).

FOLDER holds ``report.html`` and its ``charts/``, written by
:func:`tocapp.exports.comparison_document.comparison_pdf_in_process`; the PDF is written to
``report.pdf`` beside them.

WeasyPrint keeps every page it has laid out until the file is written (650 MB for the 138 pages of
a fifty-setting report), and lays pages out on one processor. So a long report is laid out in
parts, each a WeasyPrint document of its own that is written and let go (:mod:`pdf_parts`): the
overview's pictures, the rest of the opening (the overview's table and the summary), the
settings' matrices a few at a time (about ``CHARACTERS_PER_PART`` of HTML a part), and the
sections across settings, rounds and coverage. On a machine of two processors or more, two parts
are laid out at once by worker processes, and a report is cut from ``SIDE_BY_SIDE_FROM``
characters; on one, in turn, from ``WHOLE_UP_TO``. Each part starts on a new page. pypdf joins
the parts; the running header and the "Page n of N" footer are drawn afterwards on every page from
one more, empty, document of N pages (so the numbers run on across the parts), and the outline is
made from every part's headings as WeasyPrint would have made it for one document.

The child tells its parent each part begun (``part I N``), each page laid out (``page N``) and each
page drawn into the file (``drawn N``), counting pages from the start of the whole report,
WeasyPrint's slow steps (``step N``) before each part's first page, and, joining the parts, the
start of the join (``step 7``) and each page given its header and footer (``joined N``).

The child tells its progress in report order whether its parts are laid out in turn or side by
side. This module imports only WeasyPrint, pypdf and our static files' fetcher (not the report's
templates, charts or the rest of the app): the child starts in half the time.
"""

from __future__ import annotations

import html
import io
import mimetypes
import multiprocessing
import os
import re
import shutil
import sys
from pathlib import Path
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
from tocapp.exports.pdf_parts import (
    DRAWN_LINE,
    FIRST_STEPS,
    JOINED_LINE,
    LAST_STEP,
    PAGE_LINE,
    PART_LINE,
    STEP_LINE,
    LaidOutPage,
    lay_out,
    parts_in_turn,
    parts_side_by_side,
)

__all__ = [
    "CHART_BASE_URL",
    "DRAWN_LINE",
    "JOINED_LINE",
    "PAGE_LINE",
    "PART_LINE",
    "STEP_LINE",
    "ChartImagesFetcher",
    "margin_text_html",
    "pdf_in_parts",
    "split_parts",
]

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


# About 15 pages a part. A fifty-setting report (700,000 characters, 138 pages in one document)
# is then 8 parts and 142 pages, and the child peaks at about 240 MB instead of 700 MB; each part
# costs a little (styles, fonts), but smaller ones are laid out faster, about as fast in all.
CHARACTERS_PER_PART = 80_000
# A report up to this size is one document, as WeasyPrint writes it (about 60 pages, 330 MB at
# most): its progress is told page by page as drawn too, and it has no part's page breaks...
WHOLE_UP_TO = 300_000
# ... on one processor. With more, parts are laid out side by side (pdf_parts), so a report from
# this size is cut: the fifty-setting summary (120,000 characters, 48 pages) into its overview's
# pictures, their table, and the rest, which took 8.0 s as one document and 5.6 s side by side.
SIDE_BY_SIDE_FROM = 60_000
PROCESSES = 2  # laying parts out side by side, at most (and no more than the processors)
# The matrices' section in print (templates/comparisons/_report.html with plain=true): each
# setting's matrix starts at its <h3> (user text is escaped, so never a literal tag).
_WITHIN_START = '<section id="within-settings"'
_AFTER_WITHIN = '<section id="across-settings"'
_MATRIX_START = "<h3>"
_SECTION_STARTS = ('<section id="across-rounds"', '<section id="coverage"')
# The overview's table (templates/comparisons/_overview.html) ends the part of its pictures: the
# pictures are few characters of HTML but seconds of work, the table many characters.
_OVERVIEW_NUMBERS = '<div id="overview-numbers"'
# The running header and page footer are drawn on the joined file, not in each part.
_NO_MARGIN_TEXT = "@page { @top-left { content: none; } @bottom-right { content: none; } }"


def processes() -> int:
    """How many parts to lay out at once: one a processor this process may run on, up to
    ``PROCESSES``; one where workers cannot be forked."""
    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    affinity = getattr(os, "sched_getaffinity", None)
    available = len(affinity(0)) if affinity is not None else (os.cpu_count() or 1)
    return max(1, min(PROCESSES, available))


def split_parts(
    report: str, characters_per_part: int = CHARACTERS_PER_PART, whole_up_to: int = WHOLE_UP_TO
) -> list[str]:
    """The print HTML as several documents of about ``characters_per_part`` each, cut only
    before the overview's table, a setting's matrix or a section across settings, rounds or
    coverage, and always before the overview's table; a report up to ``whole_up_to`` characters
    is one document, itself. Concatenated, the parts' bodies are the report's body, but for the
    matrices' section opened again at the start of a part and closed at its end; each part has
    the report's head."""
    head_end = report.index("<body")
    body_start = report.index(">", head_end) + 1
    body_end = report.rindex("</body>")
    head, body_tag = report[:head_end], report[head_end:body_start]
    body = report[body_start:body_end]
    within, after = body.find(_WITHIN_START), body.find(_AFTER_WITHIN)
    if within < 0 or after < 0 or len(body) <= whole_up_to:
        return [report]
    within_tag = body[within : body.index(">", within) + 1]
    close_within = body.rindex("</section>", within, after)
    matrices = [
        m.start() for m in re.finditer(_MATRIX_START, body[within:close_within], re.IGNORECASE)
    ]
    overview = body.find(_OVERVIEW_NUMBERS, 0, within)
    cuts = [overview] if overview > 0 else []
    first_matrix = len(cuts) + 1  # the piece that starts at the first matrix
    cuts += [within + m for m in matrices] + [close_within]
    cuts += [body.find(s, after) for s in _SECTION_STARTS if body.find(s, after) > 0]
    pieces = [body[a:b] for a, b in zip([0, *cuts], [*cuts, len(body)], strict=True)]
    # A piece inside the matrices' section: those from the first matrix to the last.
    inside = [first_matrix <= n < first_matrix + len(matrices) for n in range(len(pieces))]
    bodies: list[str] = []
    part: list[int] = []
    for n in range(len(pieces)):
        part.append(n)
        # Always after the overview's pictures; never between the matrices' heading (the end
        # of the opening) and the first matrix.
        full = sum(len(pieces[i]) for i in part) >= characters_per_part
        full = (full and not (matrices and n == first_matrix - 1)) or (overview > 0 and n == 0)
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


def _outline(writer: PdfWriter, pages: list[LaidOutPage]) -> None:
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
    folder: Path,
    characters_per_part: int = CHARACTERS_PER_PART,
    whole_up_to: int | None = None,
    side_by_side: int | None = None,
) -> bytes:
    """As :func:`tocapp.exports.pdf.html_to_pdf` (our static files and the report's charts
    only), in parts laid out ``side_by_side`` (default: :func:`processes`) and joined, telling
    each part begun and each page laid out, drawn and joined. A report up to ``whole_up_to``
    characters (default: ``WHOLE_UP_TO`` on one processor, ``SIDE_BY_SIDE_FROM`` on more) is one
    document, as WeasyPrint writes it."""
    side_by_side = processes() if side_by_side is None else side_by_side
    if whole_up_to is None:
        whole_up_to = WHOLE_UP_TO if side_by_side == 1 else SIDE_BY_SIDE_FROM
    report = (folder / "report.html").read_text(encoding="utf-8")
    parts = split_parts(report, characters_per_part, whole_up_to)
    fetcher = ChartImagesFetcher(folder / "charts")
    if len(parts) == 1:  # one document, as WeasyPrint writes it
        _tell(f"{PART_LINE}1 1")
        return lay_out(report, fetcher, FontConfiguration(), _tell, FIRST_STEPS + LAST_STEP)[0]
    if side_by_side > 1:
        laid_out = parts_side_by_side(parts, folder, fetcher, _tell, side_by_side)
    else:
        laid_out = parts_in_turn(parts, folder, fetcher, _tell)
    writer = PdfWriter()
    pages: list[LaidOutPage] = []  # each page's headings and height, for the outline
    metadata: dict[str, Any] = {}
    for part in laid_out:
        reader = PdfReader(part.pdf)
        if part.number == 1 and reader.metadata:
            metadata = dict(reader.metadata)
        writer.append(reader, import_outline=False)
        pages += part.pages
    _tell(STEP_LINE + "7")  # the footers and the join
    margins = HTML(
        string=margin_text_html(report, len(pages)), base_url=STATIC_BASE_URL, url_fetcher=fetcher
    ).write_pdf(font_config=FontConfiguration())
    margin_pages = PdfReader(io.BytesIO(margins)).pages
    for number, (page, margin) in enumerate(zip(writer.pages, margin_pages, strict=True), 1):
        page.merge_page(margin)
        page.compress_content_streams()  # merging leaves them uncompressed: twice the file
        _tell(f"{JOINED_LINE}{number}")
    _outline(writer, pages)
    if metadata:
        writer.add_metadata(metadata)
    joined = io.BytesIO()
    writer.write(joined)
    return joined.getvalue()


def _tell(line: str) -> None:
    """One line of progress to the parent, at once."""
    print(line, flush=True)


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
