"""Lay a comparison report's PDF out in a process of its own (``python -m`` this module FOLDER).

FOLDER holds ``report.html`` and its ``charts/``, written by
:func:`tocapp.exports.comparison_document.comparison_pdf_in_process`; the PDF is written to
``report.pdf`` beside them. Each page laid out is told on standard output (``page N``), then
each page drawn into the file (``drawn N``), so the job's progress moves while WeasyPrint works.
"""

from __future__ import annotations

import logging
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

# WeasyPrint ships no type hints; its few entry points used here are checked by the tests.
from weasyprint import HTML  # type: ignore[import-untyped]
from weasyprint.text.fonts import FontConfiguration  # type: ignore[import-untyped]

from tocapp.exports.comparison_document import (
    DRAWN_LINE,
    PAGE_LINE,
    STEP_LINE,
    ChartImagesFetcher,
)
from tocapp.exports.fetcher import STATIC_BASE_URL

_PAGE = re.compile(r"Creating layout - Page (\d+)")
_STEPS = ("Step 3 ", "Step 4 ", "Step 7 ")


class _TellParent(logging.Handler):
    """WeasyPrint's progress messages ("Step 5 - Creating layout - Page 12") as our lines."""

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if found := _PAGE.search(message):
            print(PAGE_LINE + found.group(1), flush=True)
        elif message.startswith(_STEPS):  # the slow steps before the first page and after the last
            print(STEP_LINE + message[len("Step ")], flush=True)


def _telling(paint: Callable[..., Any], number: int) -> Callable[..., Any]:
    def paint_and_tell(*args: Any, **kwargs: Any) -> Any:
        result = paint(*args, **kwargs)
        print(f"{DRAWN_LINE}{number}", flush=True)
        return result

    return paint_and_tell


def pdf_telling_pages(folder: Path) -> bytes:
    """As :func:`tocapp.exports.pdf.html_to_pdf` (our static files and the report's charts
    only), laid out first and then drawn, so that each page drawn can be told: WeasyPrint logs
    the pages it lays out but not those it draws, which for 150 pages took ten silent seconds."""
    progress = logging.getLogger("weasyprint.progress")
    progress.setLevel(logging.INFO)
    progress.addHandler(_TellParent())
    progress.propagate = False
    html = (folder / "report.html").read_text(encoding="utf-8")
    document = HTML(
        string=html, base_url=STATIC_BASE_URL, url_fetcher=ChartImagesFetcher(folder / "charts")
    ).render(font_config=FontConfiguration())
    for number, page in enumerate(document.pages, start=1):
        page.paint = _telling(page.paint, number)
    return bytes(document.write_pdf())


def main(folder: Path) -> None:
    pdf = pdf_telling_pages(folder)
    partial = folder / "report.pdf.part"
    partial.write_bytes(pdf)
    os.replace(partial, folder / "report.pdf")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
