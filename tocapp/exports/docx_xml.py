"""What python-docx has no API for, written as WordprocessingML: fields Word fills in (page
numbers, page references), bookmarks, updating fields on opening, a table's repeated header row
and a ruled line to write on."""

from __future__ import annotations

from docx.document import Document as WordDocument
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.table import CT_Row
from docx.text.paragraph import Paragraph


def bookmark(paragraph: Paragraph, name: str, number: int) -> None:
    """A bookmark called ``name`` (its ``number`` unique in the document) round the paragraph,
    for a PAGEREF field to point at."""
    start = OxmlElement("w:bookmarkStart")
    start.set(qn("w:id"), str(number))
    start.set(qn("w:name"), name)
    end = OxmlElement("w:bookmarkEnd")
    end.set(qn("w:id"), str(number))
    runs = paragraph._p.r_lst
    if runs:
        runs[0].addprevious(start)
    else:
        paragraph._p.append(start)
    paragraph._p.append(end)


def page_field(paragraph: Paragraph, code: str, cached: str = "1") -> None:
    """A Word field (PAGE, NUMPAGES, PAGEREF) that Word fills in when it lays out the pages,
    showing ``cached`` until it does."""
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), code)
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = cached
    run.append(text)
    field.append(run)
    paragraph._p.append(field)


# What may follow w:updateFields in Word's settings (CT_Settings is a sequence: order matters).
_AFTER_UPDATE_FIELDS = (
    "hdrShapeDefaults",
    "footnotePr",
    "endnotePr",
    "compat",
    "docVars",
    "rsids",
    "mathPr",
    "attachedSchema",
    "themeFontLang",
    "clrSchemeMapping",
    "doNotIncludeSubdocsInStats",
    "doNotAutoCompressPictures",
    "forceUpgrade",
    "captions",
    "readModeInkLockDown",
    "smartTagType",
    "schemaLibrary",
    "shapeDefaults",
    "doNotEmbedSmartTags",
    "decimalSymbol",
    "listSeparator",
)


def update_fields_on_opening(doc: WordDocument) -> None:
    """Ask Word to fill in the document's fields when it opens it (w:updateFields)."""
    settings = doc.settings.element
    if settings.find(qn("w:updateFields")) is not None:
        return
    flag = OxmlElement("w:updateFields")
    flag.set(qn("w:val"), "true")
    later = next(
        (child for child in settings if child.tag in {qn(f"w:{n}") for n in _AFTER_UPDATE_FIELDS}),
        None,
    )
    if later is not None:
        later.addprevious(flag)
    else:
        settings.append(flag)


def repeat_as_header(row: CT_Row) -> None:
    properties = row.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    properties.append(header)


def bottom_border(paragraph: Paragraph) -> None:
    """A ruled line to write on: the paragraph's bottom border (python-docx has no API for it)."""
    properties = paragraph._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for name, value in (
        ("w:val", "single"),
        ("w:sz", "4"),
        ("w:space", "1"),
        ("w:color", "777777"),
    ):
        bottom.set(qn(name), value)
    borders.append(bottom)
    properties.append(borders)
