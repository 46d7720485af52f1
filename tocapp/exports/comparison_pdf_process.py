"""Lay a comparison report's PDF out in a process of its own (``python -m`` this module FOLDER).

FOLDER holds ``report.html`` and its ``charts/``, written by
:func:`tocapp.exports.comparison_document.comparison_pdf_in_process`; the PDF is written to
``report.pdf`` beside them. Each page laid out is told on standard output (``page N``), then
``drawing`` when WeasyPrint starts writing the file, so the job's progress moves while it works.
"""

from __future__ import annotations

import logging
import os
import re
import sys
from pathlib import Path

from tocapp.exports.comparison_document import DRAWING_LINE, PAGE_LINE, pdf_of_folder

_PAGE = re.compile(r"Creating layout - Page (\d+)")


class _TellParent(logging.Handler):
    """WeasyPrint's progress messages ("Step 5 - Creating layout - Page 12") as our lines."""

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if found := _PAGE.search(message):
            print(PAGE_LINE + found.group(1), flush=True)
        elif "Creating PDF" in message:
            print(DRAWING_LINE, flush=True)


def main(folder: Path) -> None:
    progress = logging.getLogger("weasyprint.progress")
    progress.setLevel(logging.INFO)
    progress.addHandler(_TellParent())
    progress.propagate = False
    pdf = pdf_of_folder(folder)
    partial = folder / "report.pdf.part"
    partial.write_bytes(pdf)
    os.replace(partial, folder / "report.pdf")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
