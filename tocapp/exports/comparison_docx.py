"""The comparison report as a Word document: real headings, editable tables, charts as images."""

from __future__ import annotations

import io
from typing import Any

from docx import Document
from docx.shared import Cm

from tocapp.domain.comparison import MARK_COLUMNS, cell_text
from tocapp.render.mark_charts import stacked_mark_bars_png


def comparison_docx(report: Any) -> bytes:
    doc = Document()
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
        doc.add_picture(io.BytesIO(stacked_mark_bars_png(chart.caption, chart.bars)), width=Cm(15))
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
            doc.add_paragraph(f"{entry.setting_code} version {number}: {change.diff.summary}")
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


def _notes_by_step(doc: Any, matrix: Any) -> None:
    """Each noted step, then its notes, one paragraph per note, as on the page."""
    if not (matrix.noted or matrix.thread_notes):
        return
    source = matrix.source
    doc.add_heading(f"Notes by step: {source.setting_code}, round {source.round_number}", level=3)
    groups = [(f"{row.number} {row.step.text}", row.notes) for row in matrix.noted]
    if matrix.thread_notes:
        groups.append(("New threads of the conversation", matrix.thread_notes))
    for title, notes in groups:
        doc.add_paragraph().add_run(title).bold = True
        for label, note in notes:
            line = doc.add_paragraph(style="List Bullet")
            line.add_run(f"{label}: ").bold = True
            line.add_run(f"“{note.text}” (own words)" if note.verbatim else note.text)


def _table(doc: Any, header: list[str], rows: list[list[str]]) -> None:
    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = text
    for row in rows:
        for cell, text in zip(table.add_row().cells, row, strict=True):
            cell.text = text
