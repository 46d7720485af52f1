"""The comparison report as a Word document: real headings, editable tables, charts as images.

It says what the PDF says, in the same order — the overview first — from the same typed report
(:mod:`tocapp.exports.comparison_model`), and draws the same charts from the same data, as PNG.
The page is the report's paper (A4 unless a study asks otherwise), not Word's US Letter.
"""

from __future__ import annotations

import io

from docx import Document
from docx.document import Document as WordDocument
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_BREAK
from docx.shared import Cm, Mm

from tocapp.domain.comparison import MARK_COLUMNS, SettingMatrix, cell_text
from tocapp.exports.chart_pages import MARGIN_BOTTOM, MARGIN_SIDE, MARGIN_TOP, PAPERS_MM
from tocapp.exports.comparison_model import DEFAULT_PAPER, ComparisonReport
from tocapp.render.mark_charts import stacked_mark_bars_png
from tocapp.render.overview_chart import overview_pngs

CHART_WIDTH = Cm(17)  # the text width of A4 between our margins, a little less


def comparison_docx(report: ComparisonReport) -> bytes:
    doc = Document()
    _paper(doc, report.paper)
    doc.add_heading(f"Comparison: {report.project_title}", level=0)
    doc.add_paragraph(
        f"Settings: {', '.join(report.settings) or 'none'} · {', '.join(report.rounds)} · roles: "
        f"{', '.join(report.roles) or 'none'}. Generated on {report.generated_on:%-d %B %Y}. "
        f"Made for: {report.audience.label}. {report.audience.notice}"
    )
    for source in report.left_out:
        many = source.left_out != 1
        doc.add_paragraph(
            f"{source.setting_code}, round {source.round_number}: {source.left_out} staff "
            f"voice{'s are' if many else ' is'} not shown, because the setting's leadership sees "
            "staff voices only when enough are combined."
        )
    _overview(doc, report)
    doc.add_paragraph().add_run().add_break(
        WD_BREAK.PAGE
    )  # the details start on a page of their own
    doc.add_heading("Within each setting: steps × voices", level=1)
    if not report.with_detail:
        doc.add_paragraph(
            "Left out of this summary: each setting's steps × voices matrix and its notes, "
            "and every changed mark step by step."
        )
    for matrix in report.matrices if report.with_detail else []:
        source = matrix.source
        doc.add_heading(
            f"{source.setting_code} · round {source.round_number} · version "
            f"{source.version_number}",
            level=2,
        )
        header = ["Step", *[v.label for v in matrix.voices], "Voices", "Notes"]
        rows = [
            [
                f"{row.number} {row.step.text}",
                *[cell_text(marks) for marks in row.cells],
                row.agreement.value
                + ("; leadership differs from practice" if row.leader_differs else ""),
                str(row.note_count),
            ]
            for row in matrix.rows
        ]
        _table(doc, header, rows)
        _notes_by_step(doc, matrix)
    doc.add_heading("Across settings: marks by theme, group and role", level=1)
    for chart in report.charts:
        doc.add_picture(io.BytesIO(stacked_mark_bars_png(chart.title, chart.bars)), width=Cm(15))
        doc.add_paragraph(chart.caption, style="Caption")
    _table(
        doc,
        ["Theme", "Group", "Role", *[m.capitalize() for m in MARK_COLUMNS]],
        [
            [key.theme.title, key.group, key.role, *[str(counts.get(m, 0)) for m in MARK_COLUMNS]]
            for key, counts in report.counts.items()
        ],
    )
    doc.add_heading("Across rounds and versions", level=1)
    for entry in report.versions:
        for number, change in entry.changes:
            doc.add_paragraph(
                f"{entry.setting_code} version {number} since version {change.before_number}: "
                f"{change.diff.summary}"
            )
            diff = change.diff
            # As the page and the PDF list them: what was added, removed and reworded.
            for label, texts in (
                ("Added", [s.text for s in diff.added]),
                ("Removed", [s.text for s in diff.removed]),
                ("Reworded", [f"{p.old.text} → {p.new.text}" for p in diff.reworded]),
            ):
                if texts:
                    doc.add_paragraph(f"{label}: " + "; ".join(texts))
    if report.moves:
        _table(
            doc,
            ["Setting", "Rounds", "Same mark", "Changed (before → after: steps)"],
            [
                [
                    s.setting_code,
                    f"{s.from_round} → {s.to_round}",
                    str(s.same),
                    "; ".join(f"{b} → {a}: {n}" for b, a, n in s.changes) or "none",
                ]
                for s in report.move_summaries
            ],
        )
        changed = [m for m in report.moves if m.changed] if report.with_detail else []
        if changed:
            doc.add_paragraph(
                "The marks that changed, step by step (every mark in every round is in the CSV):"
            )
            _table(
                doc,
                ["Setting", "Rounds", "Step", "Person", "Before", "After"],
                [
                    [m.setting_code, f"{m.from_round} → {m.to_round}", m.step_text, m.who]
                    + [m.before, m.after]
                    for m in changed
                ],
            )
    else:
        doc.add_paragraph(
            "Rounds are kept apart: no one has marks in more than one of the rounds chosen."
        )
    doc.add_heading("Coverage", level=1)
    _table(
        doc,
        ["Setting", "Round", "Role", "Heard"],
        [
            [
                c.setting_code,
                str(c.round_number),
                c.role,
                f"{c.heard} of {c.people}" + (" — not yet heard" if c.gap else ""),
            ]
            for c in report.coverage
        ],
    )
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _paper(doc: WordDocument, paper: str) -> None:
    width, height = PAPERS_MM.get(paper, PAPERS_MM[DEFAULT_PAPER])
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(width), Mm(height)
    section.top_margin, section.bottom_margin = Mm(MARGIN_TOP), Mm(MARGIN_BOTTOM)
    section.left_margin = section.right_margin = Mm(MARGIN_SIDE)


def _overview(doc: WordDocument, report: ComparisonReport) -> None:
    """The overview, as on the page and in the PDF: pictures, their table, disagreement, what
    emerged."""
    overview = report.overview
    doc.add_heading("Overview", level=1)
    doc.add_paragraph(
        "How each setting's intended outcomes were marked, from the leadership perspective and "
        "from practice: each bar is the share of the voices heard from that perspective, on one "
        "scale for every setting, with the number of voices written on it. Hatching and the "
        "symbols ✓ ◐ ✗ tell the marks apart in greyscale; the table says the same in words."
    )
    if overview.outcomes:
        pictures = overview_pngs([(chart.rows, chart.title) for chart in report.overview_charts])
        for chart, png in zip(report.overview_charts, pictures, strict=True):
            doc.add_picture(io.BytesIO(png), width=CHART_WIDTH)
            doc.add_paragraph(
                f"{chart.title}: each row is one intended outcome of one setting in one round "
                "(r2 is round 2), numbered as on its flowchart.",
                style="Caption",
            )
        rows = [
            [o.setting_code, str(o.round_number), f"{o.number} {o.text}" + _added(o.added_by)]
            + [o.leadership.text, o.practice.text]
            for o in overview.outcomes
        ]
        rows.append(
            ["", "", "Every intended outcome above"]
            + [overview.leadership_total.text, overview.practice_total.text]
        )
        _table(doc, ["Setting", "Round", "Intended outcome", "Leadership", "Practice"], rows)
    else:
        doc.add_paragraph("No intended outcomes were marked in the settings and rounds chosen.")
    if overview.mixed_voices:
        doc.add_paragraph(
            f"{overview.mixed_voices} voice(s) of pairs speaking from both perspectives are in "
            "neither column; each setting's matrix shows them."
        )
    doc.add_heading("Where leadership and practice are furthest apart", level=2)
    if overview.apart:
        _table(
            doc,
            ["Setting", "Round", "Step", "Leadership", "Practice"],
            [
                [a.setting_code, str(a.round_number), f"{a.number} {a.text}"]
                + [a.leadership.text, a.practice.text]
                for a in overview.apart
            ],
        )
    else:
        doc.add_paragraph("On no step did both perspectives mark it and mark it differently.")
    doc.add_heading("What emerged at the return interviews", level=2)
    for item in overview.emerged:
        what = (
            f"added the step “{item.text}”"
            if item.kind == "step"
            else f"drew a new arrow {item.text}"
        )
        doc.add_paragraph(
            f"{item.setting_code}, round {item.round_number}: {item.added_by} {what}",
            style="List Bullet",
        )
    if not overview.emerged:
        doc.add_paragraph("No steps or arrows were added at the return interviews chosen.")


def _added(by: str) -> str:
    return f" (added by {by})" if by else ""


def _notes_by_step(doc: WordDocument, matrix: SettingMatrix) -> None:
    """Each noted step, then its notes, one paragraph per note, as on the page."""
    if not (matrix.noted or matrix.thread_notes):
        return
    source = matrix.source
    doc.add_heading(f"Notes by step: {source.setting_code}, round {source.round_number}", level=3)
    groups = [(f"{row.number} {row.step.text}", row.notes) for row in matrix.noted]
    if matrix.thread_notes:
        groups.append(("New threads of the conversation", tuple(matrix.thread_notes)))
    for title, notes in groups:
        doc.add_paragraph().add_run(title).bold = True
        for label, note in notes:
            line = doc.add_paragraph(style="List Bullet")
            line.add_run(f"{label}: ").bold = True
            line.add_run(f"“{note.text}” (own words)" if note.own_words else note.text)


def _table(doc: WordDocument, header: list[str], rows: list[list[str]]) -> None:
    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = text
    for row in rows:
        for cell, text in zip(table.add_row().cells, row, strict=True):
            cell.text = text
