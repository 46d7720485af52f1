"""The comparison opens with its overview — on the page, in the PDF and in the Word file — and the
report model behind them is plain data that needs no Flask app."""

from __future__ import annotations

import html
import io
import re
import subprocess
import tempfile
import xml.etree.ElementTree as ET

from docx import Document
from sqlalchemy import select

from tocapp.extensions import db
from tocapp.models import Project
from tocapp.services import studies, voices
from tocapp.services.comparison import Choice, build_report

SVG = "{http://www.w3.org/2000/svg}"


def _text(page: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def test_the_page_shows_the_overview_and_its_table_before_the_details(client, comparison_demo):
    project_id, _ = comparison_demo
    page = client.get(f"/studies/{project_id}/comparison").get_data(as_text=True)
    overview = page.index('id="overview"')
    assert overview < page.index('id="within-settings"') < page.index('id="across-settings"')
    section = page[overview : page.index('id="within-settings"')]
    assert section.count('<figure class="overview-chart">') == 1
    table = section.split('class="overview-table"')[1].split("</table>")[0]
    rows = _text(table)
    # The demo's NUR teaching assistant marked the children's outcome achieved; the headteacher
    # did not discuss it. PRI's headteacher found the spread to new colleagues elusive.
    assert "NUR 2 O1 Practitioners more confident and reflective 1 not discussed 1✓" in rows
    assert (
        "PRI 2 O2 Communication-rich pedagogies spread to new colleagues 1✗ 2 not discussed" in rows
    )
    assert "Every intended outcome above 1✓ 1◐ 1✗ 4 not discussed 2✓ 1◐ 8 not discussed" in rows
    apart = _text(section.split('class="apart-table"')[1].split("</table>")[0])
    assert (
        "PRI 2 A3 Coached teachers given strategic roles" in apart and "1✗ 1 not discussed" in apart
    )
    emerged = _text(section.split('class="emerged"')[1].split("</ul>")[0])
    assert "PRI, round 2: Primary teacher (PRI-P02) added the step" in emerged
    assert "NUR, round 2: Nursery headteacher (NUR-P01) drew a new arrow O2 → O4" in emerged
    # Each setting's matrix opens on its own.
    details = page.split('id="within-settings"')[1].split("</section>")[0]
    assert details.count('<details class="setting-matrix">') == 2
    assert "Philippa" not in page


def test_the_overview_chart_reads_in_greyscale_and_shares_one_scale(client, comparison_demo):
    report = build_report(db.session, db.session.scalar(select(Project)), Choice())
    (chart,) = report.overview_charts
    svg = ET.fromstring(chart.svg.encode())
    patterns = {p.get("id") for p in svg.iter(f"{SVG}pattern")}
    assert len(patterns) >= 3  # partly, elusive and not discussed are hatched, not only coloured
    hatched = [el for el in svg.iter() if (el.get("fill") or "").startswith("url(#")]
    assert hatched and all(el.get("fill")[5:-1] in patterns for el in hatched)
    texts = {"".join(t.itertext()).strip() for t in svg.iter(f"{SVG}text")}
    assert {"✓ Achieved", "◐ Partly achieved", "✗ Elusive", "Not discussed"} <= texts
    # Both panels run from 0% to 100%: one scale for every setting and perspective.
    ticks = ["".join(t.itertext()).strip() for t in svg.iter(f"{SVG}text")]
    assert ticks.count("0%") == ticks.count("100%") == 2
    assert "style=" not in chart.svg  # presentation attributes, so the page's CSP holds
    assert [r.number for r in chart.rows] == [r.number for r in report.overview.outcomes]


def test_the_pdf_s_first_page_and_the_word_file_s_first_heading_are_the_overview(
    client, comparison_demo
):
    project_id, _ = comparison_demo
    pdf = client.get(f"/studies/{project_id}/comparison.pdf").data
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(pdf)
        handle.flush()
        first = subprocess.run(
            ["pdftotext", "-f", "1", "-l", "1", handle.name, "-"],
            capture_output=True,
            check=True,
            text=True,
        ).stdout
        info = subprocess.run(["pdfinfo", handle.name], capture_output=True, text=True).stdout
        pictures = subprocess.run(
            ["pdfimages", "-list", "-f", "1", "-l", "1", handle.name],
            capture_output=True,
            check=True,
            text=True,
        ).stdout.splitlines()[2:]
    first = " ".join(first.split())
    # In print the overview is a picture (PNG: WeasyPrint drew SVG hatching far too slowly),
    # with its caption in words and the same numbers in the table under it.
    assert "Overview" in first and "Intended outcomes: leadership and practice" in first
    assert pictures, "the overview's picture is on the first page"
    assert "Within each setting" not in first  # the details start after the overview
    assert "(A4)" in info

    word = Document(io.BytesIO(client.get(f"/studies/{project_id}/comparison.docx").data))
    headings = [p.text for p in word.paragraphs if p.style.name.startswith("Heading")]
    assert headings[:3] == [
        "Overview",
        "Where leadership and practice are furthest apart",
        "What emerged at the return interviews",
    ]
    section = word.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    # The overview picture comes first, before the matrices and the marks charts.
    body = word.element.body
    first_picture = next(i for i, b in enumerate(body) if b.xpath(".//w:drawing"))
    within = next(i for i, b in enumerate(body) if "Within each setting" in "".join(b.itertext()))
    assert first_picture < within


def test_the_report_is_written_without_an_app_context(client, comparison_demo, app):
    """The model is plain data: the writers run with no Flask app, as a worker could."""
    from tocapp.exports.comparison_document import comparison_document

    report = build_report(db.session, db.session.scalar(select(Project)), Choice())
    result: dict[str, bytes] = {}

    def write() -> None:  # a thread of its own has no app context
        from flask import has_app_context

        assert not has_app_context()
        result["pdf"] = comparison_document(report, "pdf")
        result["docx"] = comparison_document(report, "docx")

    import threading

    worker = threading.Thread(target=write)
    worker.start()
    worker.join()
    assert result["pdf"].startswith(b"%PDF") and result["docx"].startswith(b"PK")


def test_the_setting_s_leadership_sees_the_overview_without_small_staff_groups(
    client, comparison_demo
):
    project_id, _ = comparison_demo
    url = f"/studies/{project_id}/comparison?audience=leadership"
    page = client.get(url).get_data(as_text=True)
    section = _text(page[page.index('id="overview"') : page.index('id="within-settings"')])
    # Two staff voices per setting, fewer than the study's minimum of three: left out whole,
    # with the step and arrow one of them added.
    assert "Every intended outcome above 1✓ 1◐ 1✗ 4 not discussed no voices" in section
    assert "PRI-P02" not in page and "PRI-P03" not in page and "Watching myself" not in section
    assert "On no step did both perspectives mark it" in section

    project = db.session.get(Project, project_id)
    fields = studies.ProjectFields(
        project.title,
        project.focus,
        project.partner,
        project.intervention,
        2,
        project.personal_data_until,
    )
    studies.update_project(db.session, None, project, fields)  # audited, as the form does it
    db.session.commit()
    page = client.get(url).get_data(as_text=True)
    section = _text(page[page.index('id="overview"') : page.index('id="within-settings"')])
    assert "PRI, round 2: Staff (2 voices) added the step" in section
    assert "PRI-P02" not in page
    # NUR's one staff voice is still left out; PRI's two are counted together.
    assert "Every intended outcome above 1✓ 1◐ 1✗ 4 not discussed 1✓ 1◐ 6 not discussed" in section


def test_the_overview_is_drawn_once_per_data_and_again_when_a_mark_changes(
    client, comparison_demo, monkeypatch
):
    from tocapp.models import StepMark
    from tocapp.render import overview_chart

    drawn: list[str] = []
    real = overview_chart._draw

    def counting(rows, title, out, fmt, dpi):
        drawn.append(fmt)
        real(rows, title, out, fmt, dpi)

    monkeypatch.setattr(overview_chart, "_draw", counting)
    project_id, _ = comparison_demo
    url = f"/studies/{project_id}/comparison"
    first = client.get(url).get_data(as_text=True)
    assert client.get(url).get_data(as_text=True) == first  # the same drawing, from the cache
    assert drawn == ["svg"]
    mark = next(m for m in db.session.scalars(select(StepMark)) if m.step.theme == "outcome")
    changed = "elusive" if mark.mark != "elusive" else "achieved"
    voices.set_mark(db.session, None, mark.interview, mark.step_id, changed)  # audited
    db.session.commit()
    assert client.get(url).get_data(as_text=True) != first and drawn == ["svg", "svg"]


def test_a_changed_mark_redraws_only_the_overview_picture_that_holds_its_row(
    client, comparison_demo, monkeypatch
):
    """Fifty settings' overview is 21 pictures; a mark changed at one interview must not make
    the next report draw them all again (each takes most of a second)."""
    from tocapp.models import StepMark
    from tocapp.render import overview_chart
    from tocapp.services import comparison

    monkeypatch.setattr(comparison, "OVERVIEW_ROWS_PER_CHART", 3)  # the demo in several pictures
    drawn: list[tuple[str, ...]] = []
    real = overview_chart._draw

    def counting(rows, title, out, fmt, dpi):
        drawn.append(tuple(f"{r.setting_code} {r.number}" for r in rows))
        real(rows, title, out, fmt, dpi)

    monkeypatch.setattr(overview_chart, "_draw", counting)
    project_id, _ = comparison_demo
    url = f"/studies/{project_id}/comparison"
    first = client.get(url).get_data(as_text=True)
    pictures = len(drawn)
    assert pictures >= 3 and first.count('<figure class="overview-chart">') == pictures
    mark = next(m for m in db.session.scalars(select(StepMark)) if m.step.theme == "outcome")
    changed = "elusive" if mark.mark != "elusive" else "achieved"
    voices.set_mark(db.session, None, mark.interview, mark.step_id, changed)  # audited
    db.session.commit()
    assert client.get(url).get_data(as_text=True) != first
    (redrawn,) = drawn[pictures:]  # one picture drawn again, the one with the changed row
    assert redrawn in drawn[:pictures]
