"""The base of every form in the app: text is checked in one place before any view sees it.

NUL and the other control characters cannot be typed, but they arrive by paste, scripts and
hostile requests; PostgreSQL refuses NUL outright, and Graphviz, PDFs and Word files choke on the
rest. A field holding one is refused with a message that says where and which, keeping what was
typed. Multi-line boxes keep their newlines and tabs.
"""

from __future__ import annotations

import re
from typing import Any

from flask_wtf import FlaskForm

_SINGLE_LINE = re.compile(r"[\x00-\x1f\x7f]")
_MULTI_LINE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # newline, return and tab pass
_MULTI_LINE_FIELDS = frozenset({"TextAreaField"})


def control_character(text: str, multi_line: bool) -> str | None:
    """The first control character in ``text`` that a field of this kind refuses, if any."""
    found = (_MULTI_LINE if multi_line else _SINGLE_LINE).search(text)
    return found.group() if found else None


class Form(FlaskForm):  # type: ignore[misc]  # Flask-WTF is untyped
    def validate(self, extra_validators: Any = None) -> bool:
        valid = bool(super().validate(extra_validators))
        for field in self:
            if not isinstance(field.data, str) or field.name == "csrf_token":
                continue
            bad = control_character(field.data, field.type in _MULTI_LINE_FIELDS)
            if bad is not None:
                field.errors = [
                    *field.errors,
                    f"This contains an invisible control character (U+{ord(bad):04X}), perhaps "
                    "from a paste: remove it and save again.",
                ]
                valid = False
        self._errors = None  # form.errors is cached: let it see the errors added here
        return valid
