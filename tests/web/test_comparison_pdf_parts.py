"""The comparison PDF laid out in parts (one WeasyPrint document each) and joined: the pages
number on across the parts, every setting keeps its place in the outline, and nothing is lost."""

from __future__ import annotations

import html
import io
import re
import subprocess
from collections import Counter
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from tocapp.exports.comparison_document import (
    comparison_html,
    comparison_pdf,
    comparison_pdf_in_process,
    pdf_process_started,
    print_charts,
)
from tocapp.exports.comparison_pdf_process import split_parts
from tocapp.extensions import db
from tocapp.models import Project, ReportJob
from tocapp.services.comparison import Choice, build_report

FOOTER = re.compile(r"Page (\d+) of (\d+)")


def _pages_text(data: bytes, tmp_path: Path) -> list[str]:
    path = tmp_path / "report.pdf"
    path.write_bytes(data)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout
    return text.split("\f")[:-1]  # pdftotext ends every page with a form feed


def _outline(items: list, reader: PdfReader, depth: int = 0) -> list[tuple[int, str, int]]:
    """(depth, title, page index) of every outline entry, in order."""
    found: list[tuple[int, str, int]] = []
    for item in items:
        if isinstance(item, list):
            found += _outline(item, reader, depth + 1)
        else:
            found.append((depth, item.title, reader.get_destination_page_number(item)))
    return found


def _table_heading_words(report_html: str) -> set[str]:
    """The words of every table's column headings in the print HTML."""
    heads = re.findall(r"<thead>(.*?)</thead>", report_html, re.DOTALL)
    return {w for head in heads for w in html.unescape(re.sub(r"<[^>]+>", " ", head)).split()}


def _words(pages: list[str]) -> Counter[str]:
    return Counter(w for page in pages for w in FOOTER.sub(" ", page).split())


def test_a_report_in_many_parts_numbers_its_pages_on_and_outlines_every_setting(
    client, comparison_demo, tmp_path
):
    report = build_report(db.session, db.session.scalar(select(Project)), Choice())
    assert len(report.matrices) >= 2
    heard: list[tuple[str, int]] = []
    # One character a part: the overview's pictures, then every setting's matrix a part of its
    # own (the first one with the overview's table, under the matrices' heading). On a machine of
    # two processors or more the parts are laid out side by side.
    data = comparison_pdf_in_process(
        report, lambda event: heard.append((event.phase, event.number)), characters_per_part=1
    )
    pages = _pages_text(data, tmp_path)
    reader = PdfReader(io.BytesIO(data))
    total = len(reader.pages)
    assert len(pages) == total

    # "Page n of N" on every page, running on across the parts; the running header on every page.
    footers = [FOOTER.findall(page) for page in pages]
    assert footers == [[(str(n), str(total))] for n in range(1, total + 1)]
    assert all(f"Comparison: {report.project_title}" in page for page in pages)

    # The parts: the overview's pictures, the rest of the opening with the first setting's
    # matrix, each other matrix, the sections
    # across settings, across rounds and coverage; each starts on a page of its own, so there
    # are at most that many more pages than in one document, and the same words.
    one = comparison_pdf(report)
    one_pages = _pages_text(one, tmp_path)
    parts = 4 + len(report.matrices)
    assert len(one_pages) <= total <= len(one_pages) + parts - 1
    header = Counter(f"Comparison: {report.project_title}".split())
    header_total = Counter({w: n * total for w, n in header.items()})
    header_one = Counter({w: n * len(one_pages) for w, n in header.items()})
    # A table's column headings are repeated on each page it runs onto, and the parts break
    # pages elsewhere: those words are there, as often as their pages need.
    headings = _table_heading_words(comparison_html(report, print_charts(report)))
    in_parts, in_one = _words(pages) - header_total, _words(one_pages) - header_one
    assert headings and all(in_parts[w] > 0 for w in headings)
    for words in (in_parts, in_one):
        for word in headings:
            del words[word]
    assert in_parts == in_one

    # The outline as one document's: the title, its sections, each setting's matrix under
    # "Within each setting", each entry pointing at the page that shows its heading.
    outline = _outline(reader.outline, reader)
    assert outline[0][:2] == (0, f"Comparison: {report.project_title}")
    one_reader = PdfReader(io.BytesIO(one))
    assert [entry[:2] for entry in outline] == [
        entry[:2] for entry in _outline(one_reader.outline, one_reader)
    ]
    within = next(i for i, (_, title, _) in enumerate(outline) if title.startswith("Within"))
    for matrix in report.matrices:
        heading = f"{matrix.source.setting_code} · round {matrix.source.round_number}"
        depth, title, page = next(e for e in outline if e[1].startswith(heading))
        assert depth == outline[within][0] + 1
        assert heading in pages[page]

    # Progress: each part begun, then its pages laid out and drawn, counted from the report's
    # start; then every page of the joined file given its margins.
    assert [n for phase, n in heard if phase == "part"] == list(range(1, parts + 1))
    laid = [n for phase, n in heard if phase == "layout"]
    drawn = [n for phase, n in heard if phase == "drawing"]
    assert laid == sorted(laid) and sorted(set(laid)) == list(range(1, total + 1))
    assert drawn == list(range(1, total + 1))
    assert [n for phase, n in heard if phase == "joining"] == list(range(1, total + 1))
    assert heard.index(("step", 7)) == heard.index(("joining", 1)) - 1


def test_the_parts_together_are_the_report(client, comparison_demo):
    report = build_report(db.session, db.session.scalar(select(Project)), Choice())
    html = comparison_html(report)
    parts = split_parts(html, 1, 1)
    assert len(parts) == 4 + len(report.matrices)
    first = report.matrices[0].source.setting_code
    # The overview's pictures end the first part; its table begins the next.
    assert "Overview" in parts[0] and "Intended outcomes by perspective" not in parts[0]
    assert '<div id="overview-numbers"' in parts[1]
    assert "Within each setting" in parts[1] and f"<h3>{first} · round" in parts[1]
    assert all(part.startswith(html[: html.index("</head>")]) for part in parts)
    bodies = [p[p.index(">", p.index("<body")) + 1 : p.rindex("</body>")] for p in parts]
    # A part within the matrices' section opens it again and closes it: else the same text.
    tag = re.search(r'<section id="within-settings"[^>]*>', html).group(0)

    def bare(text: str) -> str:
        return text.replace(tag, "").replace("</section>", "")

    body = html[html.index(">", html.index("<body")) + 1 : html.rindex("</body>")]
    assert bare("".join(bodies)) == bare(body)
    # The demo, as the PDF shows it (charts as pictures), is small: one document, as before.
    printed = comparison_html(report, print_charts(report))
    assert split_parts(printed) == [printed]
    # A summary has no matrices: cut only before the overview's table and each section.
    project = db.session.scalar(select(Project))
    summary = comparison_html(build_report(db.session, project, Choice(detail=False)))
    assert len(split_parts(summary, 1, 1)) == 5


def test_the_running_header_is_the_title_whatever_it_says():
    from weasyprint import HTML

    from tocapp.exports.comparison_pdf_process import margin_text_html

    title = 'Comparison: "A" \\ </style><h1>B</h1> & café'
    heading = html.escape(title)  # as the report's template writes it
    report = f"<html><head><title>t</title></head><body><h1>{heading}</h1></body></html>"
    document = HTML(string=margin_text_html(report, 3)).render()
    assert len(document.pages) == 3
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=document.write_pdf(), capture_output=True, check=True
    ).stdout.decode()
    assert text.count(title) == 3


def test_a_job_writing_the_pdf_in_parts_says_which_part_and_page_and_always_moves(
    app, client, comparison_demo, monkeypatch
):
    """A real report job, its PDF forced into one part per setting: every progress update the job
    records names the part and page, the bar moves forward at every update, and no part goes by
    without one."""
    from functools import partial

    from tocapp.exports import comparison_document
    from tocapp.services import report_progress

    project_id, _ = comparison_demo
    monkeypatch.setattr(
        comparison_document,
        "pdf_process_started",
        partial(comparison_document.pdf_process_started, characters_per_part=1),
    )
    monkeypatch.setattr(report_progress, "PAGES_EVERY", 0.0)  # every page the bar moves on
    recorded: list[tuple[int, int, str]] = []
    real_update = report_progress.JobProgress.update

    def update_and_record(self, done, stage, **values):
        recorded.append((done, report_progress.STEPS, stage))
        return real_update(self, done, stage, **values)

    monkeypatch.setattr(report_progress.JobProgress, "update", update_and_record)
    client.post(f"/studies/{project_id}/comparison/reports", data={"fmt": "pdf"})
    db.session.rollback()
    job = db.session.scalars(select(ReportJob)).one()
    assert (job.state, job.stage, job.steps_done) == ("done", "Ready", job.steps_total)
    assert job.steps_total == report_progress.STEPS

    fractions = [done / total for done, total, _ in recorded]
    assert all(a < b for a, b in zip(fractions, fractions[1:], strict=False))
    assert fractions[-1] < 1  # "Ready" (finish) fills the bar, not the last page

    writing = [stage for _, _, stage in recorded if stage.startswith("Writing the PDF:")]
    report = build_report(db.session, db.session.get(Project, project_id), Choice())
    parts = 4 + len(report.matrices)
    said = [re.fullmatch(r"Writing the PDF: part (\d+) of (\d+)(?: \((.*)\))?", s) for s in writing]
    in_parts = [m for m in said if m]
    assert {int(m.group(2)) for m in in_parts} == {parts}
    # Each part told as it begins, in order, then its pages: none goes by unannounced.
    assert [int(m.group(1)) for m in in_parts if m.group(3) is None] == list(range(1, parts + 1))
    told = [int(m.group(1)) for m in in_parts]
    assert told == sorted(told)
    for part in range(1, parts + 1):  # a part's styles and boxes, before its first page
        assert f"Writing the PDF: part {part} of {parts} (building the pages' boxes)" in writing
    pages = [
        int(p) for m in in_parts if m.group(3) for p in re.findall(r"^page (\d+)$", m.group(3))
    ]
    drawn = [m.group(3) for m in in_parts if (m.group(3) or "").startswith("drawing page ")]
    assert pages == sorted(pages) and len(set(pages)) == pages[-1] > parts - 1
    assert len(drawn) == pages[-1]
    # Then the join: every page given its header and footer, told page by page.
    joined = [s for s in writing if s.startswith(f"Writing the PDF: joining the {parts} parts")]
    assert writing[-len(joined) :] == joined
    assert joined[-1] == (
        f"Writing the PDF: joining the {parts} parts (page {pages[-1]} of {pages[-1]})"
    )


def test_a_pdf_child_that_has_ended_is_a_failure_logged_with_its_errors(client, comparison_demo):
    """A child that ended before it was given its report (it could not start, or was killed) is
    reported as the PDF process failing, not as a broken pipe from handing it the folder."""
    report = build_report(db.session, db.session.scalar(select(Project)), Choice())
    with pdf_process_started() as process:
        process.child.kill()
        process.child.wait()
        with pytest.raises(RuntimeError, match="the PDF process ended with"):
            process.write(report)
