"""The comparison report of the demo study: matrix, counts, charts, CSV, and its privacy."""

from __future__ import annotations

import csv
import html
import io
import re
import xml.etree.ElementTree as ET

import pytest
from sqlalchemy import select

from tocapp.domain.comparison import CSV_COLUMNS
from tocapp.extensions import db
from tocapp.models import Project, Setting
from tocapp.services.comparison import Choice, build_report


@pytest.fixture
def demo(comparison_demo):
    project_id, _ = comparison_demo
    return f"/studies/{project_id}/comparison"


def test_the_report_shows_the_matrix_counts_charts_and_coverage(client, demo):
    page = html.unescape(client.get(demo).get_data(as_text=True))
    assert "NUR · round 2 · flowchart version 1" in page and "PRI · round 2" in page
    pri = page.split("PRI · round 2")[1].split("</table>")[0]
    a3 = re.sub(r"<[^>]+>", "", pri.split("<strong>A3</strong>")[1].split("</tr>")[0])
    assert (
        "✓ Achieved" in a3
        and "✗ Elusive" in a3
        and "diverge; leadership differs from practice" in a3
    )
    assert "Strands of action · Staff: steps by mark and role" in page
    assert "0 of 1 — not yet heard" in re.sub(r"<[^>]+>", "", page)  # NUR teacher, round 2
    assert "Philippa" not in page


def test_each_chart_has_one_bar_per_role(client, demo):
    report = build_report(db.session, db.session.scalar(select(Project)), Choice())
    assert len(report.charts) == len({(k.theme, k.group) for k in report.counts})
    for chart in report.charts:
        svg = ET.fromstring(chart.svg.encode())
        ids = [el.get("id") for el in svg.iter() if "-bar-" in (el.get("id") or "")]
        assert len({i.split("-bar-")[1].split("-")[0] for i in ids}) == len(chart.bars)
        assert len(ids) == 4 * len(chart.bars)  # four mark segments in every bar
        texts = [
            ("".join(t.itertext())).strip() for t in svg.iter("{http://www.w3.org/2000/svg}text")
        ]
        for role, counts in chart.bars:
            assert role in texts
            for count in counts.values():
                assert str(count) in texts
    page = client.get(demo).get_data(as_text=True)
    assert page.count('<figure class="mark-chart">') == len(report.charts)


def test_filters_narrow_the_report(client, demo):
    project = db.session.scalar(select(Project))
    nur = db.session.scalar(select(Setting).where(Setting.code == "NUR"))
    page = html.unescape(
        client.get(f"{demo}?setting={nur.id}&role=Teaching+assistant").get_data(as_text=True)
    )
    assert "NUR · round 2" in page and "PRI · round 2" not in page
    matrix = page.split("NUR · round 2")[1].split("</thead>")[0]
    assert "teaching assistant (NUR-P02)" in matrix and "headteacher" not in matrix.lower()
    assert project.title in page


def test_the_csv_is_tidy_and_reads_back_to_the_same_rows(client, demo):
    response = client.get(demo + ".csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="')
    text = response.data.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert tuple(rows[0]) == CSV_COLUMNS
    # NUR: 10 steps × 2 voices; PRI: 9 shared steps × 3 voices + the teacher's own step.
    assert len(rows) == 10 * 2 + 9 * 3 + 1
    ta_a3 = [
        r
        for r in rows
        if r["setting"] == "PRI" and r["role"] == "Teaching assistant" and r["mark"] == "elusive"
    ]
    assert len(ta_a3) == 1 and ta_a3[0]["note_count"] == "1"
    again = list(
        csv.DictReader(io.StringIO(client.get(demo + ".csv").data.decode("utf-8").lstrip("\ufeff")))
    )
    assert again == rows
    assert "Philippa" not in text


def test_non_members_get_404(client, demo, auth, make_user):
    auth.login(make_user())
    assert client.get(demo).status_code == 404
    assert client.get(demo + ".csv").status_code == 404


def test_the_report_as_pdf_and_word_holds_the_matrix_and_chart_captions(client, demo, tmp_path):
    import subprocess

    from docx import Document

    pdf = client.get(demo + ".pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    path = tmp_path / "comparison.pdf"
    path.write_bytes(pdf.data)
    text = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout
    for words in (
        "Within each setting",
        "PRI · round 2 · flowchart version 1",
        "Coached teachers given strategic roles",
        "Strands of action · Staff: steps by mark and role",
        "not yet heard",
    ):
        assert words in " ".join(text.split()), words
    assert "Philippa" not in text
    word = client.get(demo + ".docx")
    assert word.status_code == 200
    (tmp_path / "comparison.docx").write_bytes(word.data)
    doc = Document(str(tmp_path / "comparison.docx"))
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert "Within each setting: steps × voices" in headings
    assert any(h.startswith("PRI · round 2") for h in headings)
    captions = [p.text for p in doc.paragraphs if p.style.name == "Caption"]
    assert "Strands of action · Staff: steps by mark and role" in captions
    assert len(doc.tables) >= 4 and len(doc.inline_shapes) == len(captions)
    cells = {c.text for t in doc.tables for r in t.rows for c in r.cells}
    assert "✓ Achieved" in cells and not any("Philippa" in c for c in cells)


def test_word_and_pdf_list_what_changed_between_versions_as_the_page_does(
    client, comparison_demo, tmp_path
):
    import subprocess

    from docx import Document

    from tocapp.services import flowcharts, versions

    project_id, nur_id = comparison_demo
    nur = db.session.get(Setting, nur_id)
    version = versions.start_next_version(db.session, None, nur)
    first, second = version.steps[0], version.steps[1]
    old_words = first.text
    fields = flowcharts.StepFields(first.theme, first.group_id, "Said anew: ŵŷ 🌱 <b>")
    flowcharts.update_step(db.session, None, first, fields)
    removed = second.text
    flowcharts.delete_step(db.session, None, second)
    staff = next(g.id for g in nur.project.groups if g.name == "Staff")
    flowcharts.add_step(
        db.session, None, version, flowcharts.StepFields("outcome", staff, "A step new in v2")
    )
    db.session.commit()
    url = f"/studies/{project_id}/comparison"
    page = html.unescape(re.sub(r"<[^>]+>", "", client.get(url).get_data(as_text=True)))
    (tmp_path / "c.pdf").write_bytes(client.get(url + ".pdf").data)
    pdf = subprocess.run(
        ["pdftotext", str(tmp_path / "c.pdf"), "-"], capture_output=True, check=True, text=True
    ).stdout
    (tmp_path / "c.docx").write_bytes(client.get(url + ".docx").data)
    word = "\n".join(p.text for p in Document(str(tmp_path / "c.docx")).paragraphs)
    for text in (page, pdf, word):
        flat = " ".join(text.split())
        assert "Added: A step new in v2" in flat
        assert f"Removed: {' '.join(removed.split())}" in flat
        assert f"Reworded: {' '.join(old_words.split())} → Said anew: ŵŷ 🌱 <b>" in flat


def test_a_third_round_shows_how_marks_moved(client, demo):
    """NUR's teaching assistant is heard again in a new round 3 and changes one mark."""
    from datetime import date

    from tocapp.models import Interview
    from tocapp.services import interviews, rounds, voices

    project = db.session.scalar(select(Project))
    nur = db.session.scalar(select(Setting).where(Setting.code == "NUR"))
    ta = next(p for p in nur.participants if p.role_label == "Teaching assistant")
    round2 = next(
        i
        for i in nur.interviews
        if i.round.number == 2 and any(p.participant_id == ta.id for p in i.people)
    )
    marked = {m.step_id: m.mark for m in round2.marks}
    (changed_step, old_mark), (kept_step, kept_mark) = list(marked.items())[:2]
    new_mark = "elusive" if old_mark != "elusive" else "achieved"
    round3 = rounds.add_round(db.session, None, project, rounds.RoundFields("Second return"))
    later: Interview = voices.start_return_interview(
        db.session,
        None,
        nur,
        interviews.InterviewFields(
            round3.id, date(2026, 6, 1), "face-to-face", people=[(ta.id, ta.role_label)]
        ),
    )
    voices.set_mark(db.session, None, later, changed_step, new_mark)
    voices.set_mark(db.session, None, later, kept_step, kept_mark)
    db.session.commit()

    # Rounds are kept apart: the latest alone shows no movement; both rounds chosen show it.
    latest = html.unescape(client.get(demo).get_data(as_text=True))
    assert 'class="move-summary"' not in latest and "choose two or more rounds" in latest
    both = f"?round={project.rounds[1].id}&round={round3.id}"
    page = html.unescape(client.get(demo + both).get_data(as_text=True))
    summary = page.split('class="move-summary"')[1].split("</table>")[0]
    cells = re.findall(r"<td>(.*?)</td>", summary, flags=re.S)
    assert cells == ["NUR", "2 → 3", "1", f"{old_mark} → {new_mark}: 1"]
    detail = page.split('class="move-detail"')[1].split("</table>")[0]
    assert detail.count("<tr>") == 2  # the header and the one changed mark
    assert "Nursery teaching assistant (NUR-P02)" in detail and f"<td>{new_mark}</td>" in detail

    summary_only = client.get(demo + both + "&detail=off").get_data(as_text=True)
    assert 'class="move-summary"' in summary_only and 'class="move-detail"' not in summary_only


def test_notes_are_grouped_by_step_and_unconsented_own_words_are_withheld(client, demo, tmp_path):
    from docx import Document

    from tocapp.domain.people import WITHHELD_QUOTE
    from tocapp.models import VoiceNote

    notes = db.session.scalars(select(VoiceNote).where(VoiceNote.step_id.is_not(None))).all()
    shown, hidden = notes[0], notes[1]
    shown.text = 'Said so <b>loudly</b> & "twice" — ŵ مرحبا 🌱'
    shown.verbatim = False
    hidden.text = "Words this person never agreed to see quoted"
    hidden.verbatim = True
    for person in hidden.interview.people:
        person.participant.consent_quote = False
    db.session.commit()

    page = client.get(demo).get_data(as_text=True)
    section = html.unescape(page.split("Notes by step")[1].split("</dl>")[0])
    assert shown.text in section  # escaped in the HTML, literal once read
    assert "<b>loudly</b>" not in page.split("Notes by step")[1].split("</dl>")[0]
    assert hidden.text not in page
    assert WITHHELD_QUOTE in html.unescape(page)
    words = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html.unescape(page)))
    assert f"{WITHHELD_QUOTE}” (own words)" not in words  # the app's line, not their words

    word = client.get(demo + ".docx")
    (tmp_path / "c.docx").write_bytes(word.data)
    paragraphs = [p.text for p in Document(str(tmp_path / "c.docx")).paragraphs]
    assert any(shown.text in p for p in paragraphs)
    assert not any(hidden.text in p for p in paragraphs)
    assert any(WITHHELD_QUOTE in p for p in paragraphs)
    # The withheld line is the app's words, not the interviewee's: never marked as their own.
    assert not any(WITHHELD_QUOTE in p and "own words" in p for p in paragraphs)


def test_a_summary_leaves_out_each_setting_s_matrix_and_notes(client, demo):
    summary = html.unescape(client.get(demo + "?detail=off").get_data(as_text=True))
    assert "Left out of this summary" in summary
    assert "each voice's mark on each step" not in summary and "Notes by step" not in summary
    assert "Strands of action · Staff: steps by mark and role" in summary  # the charts stay
    assert 'name="detail" value="on" checked' not in summary  # the form shows the choice
    # The form sends the hidden "off" and, when ticked, "on": ticked wins.
    full = html.unescape(client.get(demo + "?detail=off&detail=on").get_data(as_text=True))
    assert "each voice's mark on each step" in full and 'name="detail" value="on" checked' in full
    assert "each voice's mark on each step" in html.unescape(
        client.get(demo).get_data(as_text=True)
    )


def test_a_choice_too_big_for_one_page_asks_to_narrow_it_or_build_the_report(app, client, demo):
    app.config["COMPARISON_PAGE_MAX"] = 1  # the demo's two settings are then too many
    page = html.unescape(client.get(demo).get_data(as_text=True))
    assert "Too much to show on one page" in page and "covers 2 setting × round" in page
    assert "Within each setting" not in page  # nothing was built
    assert 'value="pdf"' in page  # the background report is offered
    nur = db.session.scalar(select(Setting).where(Setting.code == "NUR"))
    one = html.unescape(client.get(f"{demo}?setting={nur.id}").get_data(as_text=True))
    assert "Within each setting" in one and "Too much" not in one
    summary = html.unescape(client.get(demo + "?detail=off").get_data(as_text=True))
    assert "Too much" not in summary  # a summary may show four times as many
    pdf = client.get(demo + ".pdf")  # built in the request: not when too big; back to the page
    assert pdf.status_code == 303 and "/comparison" in pdf.headers["Location"]


def test_the_csv_draws_no_chart(client, demo, monkeypatch):
    """The CSV holds no chart, so it never waits for one to be drawn."""
    import tocapp.services.comparison as comparison

    def no_drawing(*_args, **_kwargs):
        raise AssertionError("a chart was drawn for the CSV")

    monkeypatch.setattr(comparison, "stacked_mark_bars", no_drawing)
    assert client.get(demo + ".csv").status_code == 200
