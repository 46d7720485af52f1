"""CSV cells that a spreadsheet opens as text, never as a formula.

Excel, LibreOffice and Google Sheets run a cell starting with ``=``, ``+``, ``-``, ``@``, a tab or
a carriage return as a formula, so a step typed as ``=HYPERLINK(...)`` would become a live link in
an evaluator's spreadsheet. As OWASP advises (CSV injection), such a cell gets a leading
apostrophe, which spreadsheets hide and R or SPSS read as one more character.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: str) -> str:
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


def safe_rows(rows: Iterable[Mapping[str, str]]) -> list[dict[str, str]]:
    return [{key: spreadsheet_safe(value) for key, value in row.items()} for row in rows]
