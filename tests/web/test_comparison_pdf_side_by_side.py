"""A long PDF's parts laid out side by side in worker processes: told in report order, joined into
the same PDF as when laid out in turn, and a worker that fails or dies fails the whole."""

from __future__ import annotations

import io
import multiprocessing
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from tocapp.exports import pdf_parts
from tocapp.exports.comparison_document import _write_folder
from tocapp.exports.comparison_pdf_process import pdf_in_parts
from tocapp.exports.fetcher import StaticFilesFetcher
from tocapp.exports.pdf_parts import LaidOutPage, parts_side_by_side
from tocapp.extensions import db
from tocapp.models import Project
from tocapp.services.comparison import Choice, build_report


def _pages_text(pdf: Path) -> list[str]:
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, check=True, text=True
    ).stdout
    return text.split("\f")[:-1]


def _outline(reader: PdfReader) -> list[tuple[str, int]]:
    found: list[tuple[str, int]] = []

    def walk(items: list) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                found.append((item.title, reader.get_destination_page_number(item)))

    walk(reader.outline)
    return found


def test_parts_laid_out_side_by_side_make_the_pdf_laid_out_in_turn(
    client, comparison_demo, tmp_path
):
    report = build_report(db.session, db.session.scalar(select(Project)), Choice())
    folder = tmp_path / "report"
    folder.mkdir()
    _write_folder(folder, report)
    # Side by side in a process of its own, as the PDF process runs (its workers are forked).
    program = (
        "import sys; from pathlib import Path;"
        "from tocapp.exports.comparison_pdf_process import pdf_in_parts;"
        "pdf = pdf_in_parts(Path(sys.argv[1]), 1, 1, side_by_side=2);"
        "(Path(sys.argv[1]) / 'side-by-side.pdf').write_bytes(pdf)"
    )
    told = subprocess.run(
        [sys.executable, "-c", program, str(folder)],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    ).stdout.splitlines()
    in_turn = folder / "in-turn.pdf"
    in_turn.write_bytes(pdf_in_parts(folder, 1, 1, side_by_side=1))

    side = folder / "side-by-side.pdf"
    assert _pages_text(side) == _pages_text(in_turn)
    assert len(_pages_text(side)) > 4
    assert _outline(PdfReader(side)) == _outline(PdfReader(in_turn))
    # Told in report order, as one part after another: every part begun in turn, every page
    # laid out and drawn counted from the report's start, then the join.
    parts = [line for line in told if line.startswith("part ")]
    total = len(parts)
    assert total == 4 + len(report.matrices)
    assert parts == [f"part {n} {total}" for n in range(1, total + 1)]
    pages = len(PdfReader(side).pages)
    laid = [int(line.split()[1]) for line in told if line.startswith("page ")]
    assert laid == sorted(laid) and sorted(set(laid)) == list(range(1, pages + 1))
    drawn = [int(line.split()[1]) for line in told if line.startswith("drawn ")]
    assert drawn == list(range(1, pages + 1))
    assert told.index("step 7") == told.index("joined 1") - 1


def _parts(count: int) -> list[str]:
    return [f"<p>part {n}</p>" for n in range(1, count + 1)]


def test_parts_finished_out_of_order_are_told_and_given_in_report_order(monkeypatch, tmp_path):
    """Part 1 takes longest: what parts 2 and 3 tell is kept until part 1 is done, then told
    with their pages counted on from part 1's."""
    pages_of = {1: 2, 2: 3, 3: 1}

    def lay_out(html, fetcher, fonts, tell, steps=()):
        number = int(html.removeprefix("<p>part ").removesuffix("</p>"))
        if number == 1:
            time.sleep(1.0)
        tell("step 3")
        for page in range(1, pages_of[number] + 1):
            tell(f"page {page}")
        for page in range(1, pages_of[number] + 1):
            tell(f"drawn {page}")
        return b"%PDF", [LaidOutPage([], 100.0 + number)] * pages_of[number]

    monkeypatch.setattr(pdf_parts, "lay_out", lay_out)
    told: list[str] = []
    laid_out = list(parts_side_by_side(_parts(3), tmp_path, StaticFilesFetcher(), told.append, 2))
    assert [part.number for part in laid_out] == [1, 2, 3]
    assert [len(part.pages) for part in laid_out] == [2, 3, 1]
    assert laid_out[1].pages[0].height == 102.0
    assert told == [
        "part 1 3", "step 3", "page 1", "page 2", "drawn 1", "drawn 2",
        "part 2 3", "step 3", "page 3", "page 4", "page 5", "drawn 3", "drawn 4", "drawn 5",
        "part 3 3", "step 3", "page 6", "drawn 6",
    ]  # fmt: skip
    assert multiprocessing.active_children() == []


@pytest.mark.parametrize("how", ["raises", "dies"])
def test_a_worker_that_fails_or_dies_fails_the_pdf_and_no_worker_is_left(
    monkeypatch, tmp_path, how
):
    def lay_out(html, fetcher, fonts, tell, steps=()):
        if html == "<p>part 2</p>":
            if how == "dies":
                os._exit(9)  # as when the system kills it for its memory
            raise ValueError("this part cannot be laid out")
        return b"%PDF", [LaidOutPage([], 100.0)]

    monkeypatch.setattr(pdf_parts, "lay_out", lay_out)
    expected = "ended with 9" if how == "dies" else "part 2 of 4 failed(.|\n)*cannot be laid out"
    with pytest.raises(RuntimeError, match=expected):
        list(parts_side_by_side(_parts(4), tmp_path, StaticFilesFetcher(), lambda line: None, 2))
    assert multiprocessing.active_children() == []


def test_a_pdf_process_whose_parent_stopped_listening_stops_its_workers(tmp_path):
    """Laying parts out side by side: the folder (the report's words) is deleted, and none of
    the workers is left behind laying out what no one will read."""
    folder = tmp_path / "tocapp-comparison-side-by-side"
    (folder / "charts").mkdir(parents=True)
    matrices = "".join(f"<h3>S{n} · round 2</h3><p>{'words ' * 400}</p>" for n in range(6))
    (folder / "report.html").write_text(
        "<html><body><h1>Ms Real Name's setting</h1>"
        '<section id="overview"><p>pictures</p><div id="overview-numbers"><p>numbers</p></div>'
        f'</section><section id="within-settings">{matrices}</section>'
        '<section id="across-settings"><p>across</p></section></body></html>',
        encoding="utf-8",
    )
    child = subprocess.Popen(
        [sys.executable, "-m", "tocapp.exports.comparison_pdf_process", str(folder), "1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None and child.stderr is not None
    child.stdout.close()  # as when the worker is killed: the progress reaches no one
    with child.stderr:
        errors = child.stderr.read()
    assert child.wait(timeout=120) == 3, errors
    assert not folder.exists()
    time.sleep(0.5)
    left = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if str(folder).encode() in command:
            left.append(pid)
    assert left == []


def test_a_small_report_is_one_document_side_by_side_or_not(client, comparison_demo, tmp_path):
    """Below the size that is worth cutting, the PDF is WeasyPrint's own, told page by page."""
    report = build_report(db.session, db.session.scalar(select(Project)), Choice())
    folder = tmp_path / "report"
    folder.mkdir()
    _write_folder(folder, report)
    pdf = pdf_in_parts(folder, side_by_side=2)
    assert not list(folder.glob("part-*.pdf"))
    assert len(PdfReader(io.BytesIO(pdf)).pages) >= 2
