"""Every export kind, as served, has something on every page and is on the right paper.

The comparison (PDF and Word) is on A4; the setting exports (leader's flowchart, every voice,
annotation sheet, annotated interview) keep their text on A4 and give a chart the paper its plan
chose. A page holding only the running header and footer, or a chart page holding only its
caption and legend but no step, fails (tests/exports/test_chart_parts_even.py keeps a long
chart's last part from holding nothing but the legend).
"""

from __future__ import annotations

import io
import re
import subprocess
import tempfile
from collections.abc import Iterator

import pytest
from docx import Document

from tocapp.extensions import db
from tocapp.models import Project

A4 = (595.3, 841.9)
STEP_NUMBER = re.compile(r"\b[SAO]\d{1,3}\b")
RUNNING = re.compile(r"^(Page \d+ of \d+|Generated on .*)$")
CHART_CAPTION = "flowchart, version"


def pdf_pages(pdf: bytes) -> Iterator[tuple[int, tuple[float, float], list[str]]]:
    """(page number, size in points, lines of text) for every page, read by poppler."""
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(pdf)
        handle.flush()
        info = _run("pdfinfo", "-f", "1", "-l", "9999", handle.name)
        sizes = [
            (float(w), float(h))
            for w, h in re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+)", info)
        ]
        assert sizes, info
        for number, size in enumerate(sizes, start=1):
            text = _run(
                "pdftotext", "-enc", "UTF-8", "-f", str(number), "-l", str(number), handle.name, "-"
            )
            yield number, size, [line.strip() for line in text.splitlines() if line.strip()]


def _run(*command: str) -> str:
    return subprocess.run(command, capture_output=True, check=True, text=True).stdout


def empty_pages(pdf: bytes) -> list[str]:
    """Each page with nothing on it but what every page carries (running header and footer),
    or a chart page (its caption names the flowchart) with no step on it."""
    pages = list(pdf_pages(pdf))
    everywhere = (
        set.intersection(*(set(lines) for _, _, lines in pages)) if len(pages) > 1 else set()
    )
    problems = []
    for number, _, lines in pages:
        body = [line for line in lines if line not in everywhere and not RUNNING.match(line)]
        if not body:
            problems.append(f"page {number} is empty")
        elif any(CHART_CAPTION in line for line in body[:3]) and not any(
            STEP_NUMBER.search(line) for line in body
        ):
            problems.append(f"page {number} holds a chart caption and no step: {body[:3]}")
    return problems


def same_size(a: tuple[float, float], b: tuple[float, float]) -> bool:
    return abs(a[0] - b[0]) < 1.5 and abs(a[1] - b[1]) < 1.5


def text_pages(pdf: bytes) -> list[tuple[int, tuple[float, float]]]:
    """The pages that are not chart pages, with their sizes."""
    return [
        (number, size)
        for number, size, lines in pdf_pages(pdf)
        if not any(CHART_CAPTION in line for line in lines[:4])
    ]


def word_problems(data: bytes, papers: tuple[set[int], ...] = ({210, 297},)) -> list[str]:
    """A Word file's paper (each section's width and height in mm, either orientation), and
    pages with nothing on them: two page or section breaks with nothing between, or at the end."""
    doc = Document(io.BytesIO(data))
    problems = [
        f"section {n} is {s.page_width.mm:.0f} × {s.page_height.mm:.0f} mm"
        for n, s in enumerate(doc.sections, start=1)
        if {round(s.page_width.mm), round(s.page_height.mm)} not in papers
    ]
    content = False
    for block in doc.element.body.iterchildren():
        if block.tag.endswith("}sectPr"):
            continue  # the last section's settings, not a break
        content = content or bool(
            "".join(block.itertext()).strip()
            or block.xpath(".//w:drawing")
            or block.tag.endswith("}tbl")
        )
        if block.xpath('.//w:br[@w:type="page"]') or block.xpath("./w:pPr/w:sectPr"):
            if not content:
                problems.append("a page with nothing on it")
            content = False
    if not content:
        problems.append("the document ends with an empty page")
    return problems


A3_OR_A4 = ({210, 297}, {297, 420})


def export_urls(project: Project) -> dict[str, str]:
    urls = {
        "comparison.pdf": f"/studies/{project.id}/comparison.pdf",
        "comparison.docx": f"/studies/{project.id}/comparison.docx",
    }
    for setting in project.settings:
        base = f"/studies/{project.id}/settings/{setting.id}/exports"
        for kind in ("flowchart", "voices", "sheet"):
            for fmt in ("pdf", "docx"):
                urls[f"{setting.code} {kind}.{fmt}"] = f"{base}/{kind}.{fmt}"
        heard = [i for i in setting.interviews if i.version_id][:2]
        for interview in heard:
            for fmt in ("pdf", "docx"):
                urls[f"{setting.code} interview {interview.id} annotated.{fmt}"] = (
                    f"/studies/{project.id}/interviews/{interview.id}/exports/annotated.{fmt}"
                )
    return urls


def check_every_export(client, project: Project) -> None:
    urls = export_urls(project)
    assert sum(name.endswith(".pdf") for name in urls) >= 2 + 4 * len(project.settings)
    problems: dict[str, list[str]] = {}
    for name, url in urls.items():
        response = client.get(url)
        assert response.status_code == 200, (name, response.status_code)
        if name.endswith(".pdf"):
            found = empty_pages(response.data)
            pages = text_pages(response.data)
            assert pages, name  # every document has a title page of text
            found += [
                f"page {n} is {w:.0f} × {h:.0f} pt"
                for n, (w, h) in pages
                if not same_size((w, h), A4)
            ]
            if name.startswith("comparison"):
                found += [
                    f"page {n} is not A4"
                    for n, size, _ in pdf_pages(response.data)
                    if not same_size(size, A4)
                ]
        else:
            # The comparison is on A4; a setting export puts a chart on the paper its plan chose.
            papers = A3_OR_A4 if not name.startswith("comparison") else ({210, 297},)
            found = word_problems(response.data, papers)
        if found:
            problems[name] = found
    assert not problems


def test_every_export_of_the_demo_has_content_on_every_page(client, comparison_demo):
    check_every_export(client, db.session.get(Project, comparison_demo[0]))


def test_the_check_finds_an_empty_page_and_a_chart_page_without_steps():
    from tocapp.exports.pdf import html_to_pdf

    header = '<h1 style="string-set: doc-title content()">Doc</h1>'
    blank = html_to_pdf(f'{header}<p>Text</p><div style="break-before: page"></div>')
    assert empty_pages(blank) == ["page 2 is empty"]
    legend_only = html_to_pdf(
        f"{header}<p>S1 Text</p><p style='break-before: page'>NUR flowchart, version 1 — part 2</p>"
        "<p>How to read this chart</p>"
    )
    assert empty_pages(legend_only)[0].startswith("page 2 holds a chart caption and no step")


@pytest.mark.parametrize("bad", ["letter", "blank page"])
def test_the_word_check_finds_letter_paper_and_an_empty_page(bad):
    from docx.enum.text import WD_BREAK

    doc = Document()
    doc.add_paragraph("Something")
    if bad == "blank page":
        doc.sections[0].page_width, doc.sections[0].page_height = 7560310, 10692130  # A4 in EMU
        doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    out = io.BytesIO()
    doc.save(out)
    assert word_problems(out.getvalue())
