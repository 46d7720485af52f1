"""Exported documents as Word files (python-docx) that people can edit.

Real heading styles (so Word's navigation pane works), tables as Word tables, and each chart as
a 300 dpi PNG in a section of its own on the paper its plan chose (the PDF's plan), cut into
parts where the PDF cuts it. python-docx writes every string as XML text, so user text can
never become markup; characters XML forbids are dropped first.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence

from docx import Document
from docx.document import Document as WordDocument
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.section import Section
from docx.shared import Mm, Pt
from docx.table import Table
from docx.text.paragraph import Paragraph

from tocapp.exports.chart_connectors import CONNECTORS_NOTE_PARTS
from tocapp.exports.chart_pages import (
    DEFAULT_PAPERS,
    MARGIN_BOTTOM,
    MARGIN_SIDE,
    MARGIN_TOP,
    PAPERS_MM,
)
from tocapp.exports.chart_png import png_figure
from tocapp.exports.charts import DrawChart, DrawnFigure, draw_directly
from tocapp.exports.docx_xml import (
    bookmark,
    bottom_border,
    page_field,
    repeat_as_header,
    update_fields_on_opening,
)
from tocapp.exports.model import (
    MARK_MEANINGS,
    AnnotatedDocument,
    ExportDocument,
    FlowchartDocument,
    SheetDocument,
    TitleBlock,
    VoicesDocument,
    VoiceSection,
    figures_of,
)

DOCX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
TICK_BOX = "\u2610"  # ☐
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def clean(text: str) -> str:
    """Text Word can hold: control characters (other than tab and newline) removed."""
    return _NOT_XML.sub("", text)


def render_docx(
    document: ExportDocument,
    draw: DrawChart = draw_directly,
    *,
    papers: Sequence[str] = DEFAULT_PAPERS,
) -> bytes:
    """The document as .docx bytes."""
    drawn = [png_figure(figure, draw, papers=papers) for figure in figures_of(document)]
    word = _WordWriter(document.title)
    if isinstance(document, FlowchartDocument):
        word.flowchart(document, drawn[0])
    elif isinstance(document, AnnotatedDocument):
        word.annotated(document, drawn[0])
    elif isinstance(document, VoicesDocument):
        word.voices(document, drawn)
    else:
        word.sheet(document, drawn[0])
    out = io.BytesIO()
    word.doc.save(out)
    return out.getvalue()


class _WordWriter:
    def __init__(self, title: TitleBlock) -> None:
        self.doc: WordDocument = Document()
        self.title = title
        properties = self.doc.core_properties
        properties.title = clean(f"{title.heading} · {title.value('Setting')}")
        properties.author = "tocapp"
        properties.comments = title.notice
        self._page(self.doc.sections[0], "A4", landscape=False)
        self._charts = 0  # charts so far, for their parts' bookmarks
        self._bookmarks = 0
        self._running_header_and_footer()
        self.title_block()

    # Documents ------------------------------------------------------------------------------

    def flowchart(self, document: FlowchartDocument, drawn: DrawnFigure) -> None:
        self.para(
            "The theory of change for this setting as the leader described it in the "
            "first-round interview. The chart follows; after it, the same chart as text, "
            "and the words each step came from."
        )
        self.chart(drawn)
        self.heading("Text version", 2)
        for part in document.outline:
            self.heading(part.theme.title, 3)
            self.para(part.theme.question, italic=True)
            for item in part.steps:
                paragraph = self.para("")
                paragraph.add_run(item.number + " ").bold = True
                paragraph.add_run(clean(f"({item.step.group}) {item.step.text}"))
                if item.arrows_out:
                    leads = ", ".join(
                        a.other_key + (f" ({a.label})" if a.label else "") for a in item.arrows_out
                    )
                    self.para(f"Leads to: {leads}", indent=True)
        self.heading("Where each step came from", 2)
        self.table(
            ("Step", "Step text", "From the interview", "In the leader's words"),
            [
                (
                    s.number,
                    s.step_text,
                    s.question or "Not recorded",
                    s.words or "No exact words recorded",
                )
                for s in document.sources
            ],
            widths=(12, 50, 55, 55),
        )

    def annotated(self, document: AnnotatedDocument, drawn: DrawnFigure) -> None:
        self.para(
            f"What {document.voice.label} said at the return interview about the flowchart "
            "exactly as it was shown to them: which steps came to fruition and which were more "
            "elusive, with their notes and the arrows and steps they added."
        )
        self.legend(numbered=True)
        self.chart(drawn)
        self.voice_tables(document.voice, level=2)

    def voices(self, document: VoicesDocument, drawn: Sequence[DrawnFigure]) -> None:
        self.para(
            "Every voice heard at the return interviews on this flowchart. Under each step of "
            "the chart: each interviewee's role and mark. Then each voice in turn."
        )
        self.legend(numbered=False)
        self.chart(drawn[0])
        self.heading("Where voices differ", 2)
        if document.divergent:
            self.table(
                ("Step", "Step text", "Marks", "Why it is listed"),
                [(r.number, r.text, r.marks, r.reason) for r in document.divergent],
                widths=(12, 60, 50, 50),
            )
        else:
            self.para("The voices do not differ on any step.", italic=True)
        for voice in document.voices:
            perspective = f" ({voice.perspective.lower()})" if voice.perspective else ""
            self.heading(voice.label + perspective, 2)
            self.para(
                f"{voice.interview}. Their own chart is in the annotated document "
                "of this interview."
            )
            self.voice_tables(voice, level=3)

    def sheet(self, document: SheetDocument, drawn: DrawnFigure) -> None:
        self.para(
            "For a return interview done on paper. Show the interviewee the chart exactly as it "
            "stands. For each step they talk about, tick what they say: achieved (it came to "
            "fruition), partly achieved, or elusive. Leave a step they do not discuss unticked. "
            "Write their notes on the lines, numbering each note, and draw any new arrows on "
            "the chart with a dashed line."
        )
        self.para("The marks describe the plan, not the person.", italic=True)
        self.chart(drawn)
        self.heading("Steps", 2)
        for step in document.steps:
            paragraph = self.para("")
            paragraph.paragraph_format.keep_with_next = True
            paragraph.add_run(step.number + " ").bold = True
            paragraph.add_run(clean(f"{step.theme} · {step.group}")).italic = True
            self.para(step.text).paragraph_format.keep_with_next = True
            ticks = "     ".join(
                f"{TICK_BOX} {label}" for label in ("Achieved", "Partly achieved", "Elusive")
            )
            self.para(ticks).paragraph_format.keep_with_next = True
            self.ruled_lines(document.note_lines)
        for heading, lines in (("New arrows", 6), ("New steps", 6), ("Other notes", 8)):
            self.heading(heading, 2)
            self.ruled_lines(lines)

    # Parts ----------------------------------------------------------------------------------

    def title_block(self) -> None:
        self.doc.add_heading(clean(self.title.heading), level=1)
        rows = [(label, value or " ") for label, value in self.title.rows]
        self.table(None, rows, widths=(40, 132))
        self.para(self.title.notice, italic=not self.title.identified, bold=self.title.identified)

    def legend(self, numbered: bool) -> None:
        for mark, meaning in MARK_MEANINGS.items():
            self.para(f"{mark.symbol} {mark.label}: the interviewee said this step {meaning}.")
        self.para("A step with no mark was not discussed. Marks describe the plan, never a person.")
        self.para("Dashed boxes and arrows were added at the return interview.")
        if numbered:
            self.para('"Note 2" on a step and [1] on an arrow refer to the numbered tables below.')

    def voice_tables(self, voice: VoiceSection, level: int) -> None:
        self.heading("Notes", level)
        if voice.notes:
            self.table(
                ("No.", "About", "Note"),
                [
                    (str(n.number), n.about, _with_source(n.text, n.verbatim, n.withheld))
                    for n in voice.notes
                ],
                widths=(12, 60, 100),
            )
        else:
            self.para("No notes.", italic=True)
        self.heading("New arrows", level)
        if voice.arrows:
            self.table(
                ("No.", "From", "To", "Why they connect"),
                [
                    (
                        f"[{a.number}]",
                        a.source,
                        a.target,
                        _with_source(a.note, a.verbatim, a.withheld),
                    )
                    for a in voice.arrows
                ],
                widths=(12, 50, 50, 60),
            )
        else:
            self.para("No new arrows.", italic=True)
        self.heading("New steps", level)
        if voice.new_steps:
            self.table(
                ("No.", "Theme", "Group", "Step"),
                [(s.number, s.theme, s.group, s.text) for s in voice.new_steps],
                widths=(12, 35, 30, 95),
            )
        else:
            self.para("No new steps.", italic=True)
        self.heading("Marks summary", level)
        groups = [(g.heading, g.steps) for g in voice.marks]
        if voice.not_discussed:
            count = len(voice.not_discussed)
            groups.append(
                (f"Not discussed: {count} step{'' if count == 1 else 's'}", voice.not_discussed)
            )
        for heading, steps in groups:
            self.para(heading, bold=True).paragraph_format.keep_with_next = True
            for step in steps:
                self.doc.add_paragraph(clean(step), style="List Bullet")

    def chart(self, drawn: DrawnFigure) -> None:
        """Each part of the chart in a section of its own, then back to A4 portrait."""
        if drawn.plan is None:
            self.para(drawn.problem, bold=True)
            return
        self._charts += 1
        for part in drawn.parts:
            section = self.doc.add_section(WD_SECTION.NEW_PAGE)
            self._page(section, drawn.plan.paper, drawn.plan.landscape)
            caption = drawn.figure.caption + (f" — {part.label}" if part.label else "")
            self._bookmarks += 1
            bookmark(
                self.para(caption, italic=True), self._part_bookmark(part.number), self._bookmarks
            )
            self.doc.add_picture(io.BytesIO(part.png), width=Pt(part.width_pt))
            if part.connectors:
                self.para(CONNECTORS_NOTE_PARTS, italic=True)
                self._pages_of_parts(sorted({c.part for c in part.connectors} - {0}))
        self._page(self.doc.add_section(WD_SECTION.NEW_PAGE), "A4", landscape=False)

    def _part_bookmark(self, number: int) -> str:
        """A hidden bookmark (Word's own cross-references start with "_") on a part's caption."""
        return f"_TocChart{self._charts}Part{number}"

    def _pages_of_parts(self, numbers: Sequence[int]) -> None:
        """The page of each part this part's connectors name, as PAGEREF fields: Word lays out
        the pages, so only Word can number them (it offers to update the fields on opening)."""
        paragraph = self.para("", italic=True)
        for index, number in enumerate(numbers):
            separator = "; " if index else ""
            paragraph.add_run(f"{separator}part {number} is on page ").italic = True
            page_field(paragraph, f"PAGEREF {self._part_bookmark(number)} \\h", cached="?")
        paragraph.add_run(".").italic = True
        update_fields_on_opening(self.doc)

    def heading(self, text: str, level: int) -> None:
        self.doc.add_heading(clean(text), level=level)

    def para(
        self, text: str, *, italic: bool = False, bold: bool = False, indent: bool = False
    ) -> Paragraph:
        paragraph = self.doc.add_paragraph()
        if text:
            run = paragraph.add_run(clean(text))
            run.italic = italic or None
            run.bold = bold or None
        if indent:
            paragraph.paragraph_format.left_indent = Mm(8)
        return paragraph

    def table(
        self,
        header: Sequence[str] | None,
        rows: Sequence[Sequence[str]],
        widths: Sequence[float],
    ) -> Table:
        """An editable Word table; the header row repeats on every page it runs over."""
        lines = ([list(header)] if header is not None else []) + [list(row) for row in rows]
        table: Table = self.doc.add_table(rows=len(lines), cols=len(widths))
        table.style = "Table Grid"
        for number, (row, line) in enumerate(zip(table.rows, lines, strict=True)):
            heading_row = header is not None and number == 0
            for index, (cell, text) in enumerate(zip(row.cells, line, strict=True)):
                run = cell.paragraphs[0].add_run(clean(text))
                run.bold = heading_row or (header is None and index == 0) or None
        if header is not None:
            repeat_as_header(table.rows[0]._tr)
        for column, width in zip(table.columns, widths, strict=True):
            for cell in column.cells:
                cell.width = Mm(width)
        self.doc.add_paragraph()
        return table

    def ruled_lines(self, count: int) -> None:
        for _ in range(count):
            paragraph = self.doc.add_paragraph()
            paragraph.paragraph_format.space_before = Pt(14)
            bottom_border(paragraph)

    def _page(self, section: Section, paper: str, landscape: bool) -> None:
        width, height = PAPERS_MM[paper]
        if landscape:
            width, height = height, width
        section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = Mm(width), Mm(height)
        section.top_margin, section.bottom_margin = Mm(MARGIN_TOP), Mm(MARGIN_BOTTOM)
        section.left_margin = section.right_margin = Mm(MARGIN_SIDE)

    def _running_header_and_footer(self) -> None:
        section = self.doc.sections[0]
        header = section.header.paragraphs[0]
        header.add_run(clean(f"{self.title.heading} · {self.title.value('Setting')}"))
        footer = section.footer.paragraphs[0]
        state = f"for {self.title.audience.label}"
        footer.add_run(f"Generated on {self.title.value('Generated')} · {state} · Page ")
        page_field(footer, "PAGE")
        footer.add_run(" of ")
        page_field(footer, "NUMPAGES")


def _with_source(text: str, verbatim: bool, withheld: bool) -> str:
    return f"{text} (their words)" if verbatim and text and not withheld else text
