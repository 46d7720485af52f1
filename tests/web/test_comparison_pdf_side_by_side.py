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
from tocapp.exports.comparison_pdf_process import SIDE_BY_SIDE_FROM, pdf_in_parts, split_parts
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


def test_a_worker_that_dies_is_noticed_while_the_other_keeps_telling(monkeypatch, tmp_path):
    def lay_out(html, fetcher, fonts, tell, steps=()):
        if html == "<p>part 2</p>":
            os._exit(9)
        for page in range(1, 60):  # six seconds of pages
            tell(f"page {page}")
            time.sleep(0.1)
        return b"%PDF", [LaidOutPage([], 100.0)]

    monkeypatch.setattr(pdf_parts, "lay_out", lay_out)
    started = time.monotonic()
    with pytest.raises(RuntimeError, match="ended with -?9"):
        list(parts_side_by_side(_parts(2), tmp_path, StaticFilesFetcher(), lambda line: None, 2))
    assert time.monotonic() - started < 3
    assert multiprocessing.active_children() == []


def _slow_report(folder: Path) -> None:
    """A report whose parts take a second or two each to lay out (a long table a setting)."""
    (folder / "charts").mkdir(parents=True)
    rows = "".join(f"<tr><td>{n}</td><td>{'words ' * 30}</td></tr>" for n in range(250))
    matrices = "".join(f"<h3>S{n} · round 2</h3><table>{rows}</table>" for n in range(5))
    (folder / "report.html").write_text(
        "<html><body><h1>Ms Real Name's setting</h1>"
        '<section id="overview"><p>pictures</p><div id="overview-numbers"><p>numbers</p></div>'
        f'</section><section id="within-settings">{matrices}</section>'
        '<section id="across-settings"><p>across</p></section></body></html>',
        encoding="utf-8",
    )


def _running(pid: int) -> bool:
    """Whether a process is there and not merely waiting to be collected (a zombie)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


@pytest.mark.parametrize("how", ["stops listening", "kills it"])
def test_no_worker_outlives_its_pdf_process(tmp_path, how):
    """Mid-way through laying parts out side by side, the job stops listening (the PDF process
    deletes the folder, the report's words, and ends) or kills the PDF process without a word:
    either way its workers end at once, and lay out nothing more for no one."""
    folder = tmp_path / "tocapp-comparison-side-by-side"
    _slow_report(folder)
    with (tmp_path / "stderr.txt").open("w") as errors:
        child = subprocess.Popen(
            [sys.executable, "-m", "tocapp.exports.comparison_pdf_process", str(folder), "1"],
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
        )
    assert child.stdout is not None
    for line in child.stdout:  # a page laid out: the workers are in the middle of parts
        if line.startswith("page "):
            break
    workers = [
        int(pid) for pid in Path(f"/proc/{child.pid}/task/{child.pid}/children").read_text().split()
    ]
    assert len(workers) == min(2, len(os.sched_getaffinity(0)))
    if how == "kills it":
        child.kill()
        child.wait(timeout=30)
        child.stdout.close()
        left = sorted(path.name for path in folder.iterdir())
    else:
        child.stdout.close()  # its next line of progress reaches no one
        assert child.wait(timeout=60) == 3, (tmp_path / "stderr.txt").read_text()
        assert not folder.exists()
    deadline = time.monotonic() + 10
    while any(_running(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_running(pid) for pid in workers)
    if how == "kills it":
        time.sleep(2)  # a part takes a second or two: one finished for no one would be here
        assert sorted(path.name for path in folder.iterdir()) == left


def test_a_report_is_cut_from_a_smaller_size_when_its_parts_go_side_by_side(tmp_path):
    """A 70,000-character report is one document on one processor and two parts on two."""
    _slow_report(tmp_path / "report")
    report = (tmp_path / "report" / "report.html").read_text()
    body = report[report.index("<body") : report.rindex("</body>")]
    assert 60_000 < len(body) < 300_000
    assert split_parts(report) == [report]  # one processor: whole up to 300,000 characters
    assert len(split_parts(report, whole_up_to=SIDE_BY_SIDE_FROM)) >= 2


def test_a_small_report_is_one_document_side_by_side_or_not(client, comparison_demo, tmp_path):
    """Below the size that is worth cutting, the PDF is WeasyPrint's own, told page by page."""
    report = build_report(db.session, db.session.scalar(select(Project)), Choice())
    folder = tmp_path / "report"
    folder.mkdir()
    _write_folder(folder, report)
    pdf = pdf_in_parts(folder, side_by_side=2)
    assert not list(folder.glob("part-*.pdf"))
    assert len(PdfReader(io.BytesIO(pdf)).pages) >= 2
