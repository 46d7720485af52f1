"""Build a Flowchart from plain JSON data, for the ``render`` command and for tests.

Accepted shape::

    {"title": "...", "groups": ["Staff", ...],
     "steps": [{"key" or "id": "N-S1", "theme": "situation", "group": "Staff", "text": "...",
                "quote": "...", "question_number": 1, "question_text": "..."}],
     "links": [["N-S1", "N-A1"], {"from": "N-A1", "to": "N-A2", "label": "..."}]}

``from_answer`` (as in the demo fixture) is accepted as a synonym of ``question_number``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tocapp.domain.theory import (
    DEFAULT_GROUPS,
    MAX_LINK_LABEL,
    MAX_STEP_TEXT,
    Flowchart,
    Link,
    Step,
    StepSource,
    Theme,
)


class ChartJsonError(ValueError):
    """The JSON does not describe a flowchart; the message says where and why."""


def flowchart_from_json(data: Mapping[str, Any]) -> Flowchart:
    """Check and convert JSON data into a Flowchart; domain rules raise DomainError."""
    if not isinstance(data, Mapping):
        raise ChartJsonError("The chart must be a JSON object.")
    title = _text(data.get("title", "Flowchart"), "title")
    groups_data = data.get("groups", list(DEFAULT_GROUPS))
    if not isinstance(groups_data, list):
        raise ChartJsonError("groups must be a list of names.")
    groups = tuple(_text(g, f"groups[{i}]") for i, g in enumerate(groups_data))
    steps = tuple(_step(s, f"steps[{i}]") for i, s in enumerate(_list(data, "steps")))
    links = tuple(_link(ln, f"links[{i}]") for i, ln in enumerate(_list(data, "links")))
    return Flowchart(title=title, groups=groups, steps=steps, links=links)


def _list(data: Mapping[str, Any], name: str) -> list[Any]:
    value = data.get(name, [])
    if not isinstance(value, list):
        raise ChartJsonError(f"{name} must be a list.")
    return value


def _text(value: Any, where: str, limit: int | None = None) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ChartJsonError(f"{where} must be text.")
    text = str(value)
    if limit is not None and len(text) > limit:
        raise ChartJsonError(f"{where} is longer than {limit} characters.")
    return text


def _step(data: Any, where: str) -> Step:
    if not isinstance(data, Mapping):
        raise ChartJsonError(f"{where} must be an object.")
    key = data.get("key", data.get("id"))
    if key is None:
        raise ChartJsonError(f"{where} needs a key (or id).")
    theme_value = data.get("theme")
    if theme_value not in {t.value for t in Theme}:
        allowed = ", ".join(t.value for t in Theme)
        raise ChartJsonError(f"{where}.theme must be one of {allowed}.")
    theme = Theme(str(theme_value))
    return Step(
        key=_text(key, f"{where}.key"),
        theme=theme,
        group=_text(data.get("group", ""), f"{where}.group"),
        text=_text(data.get("text", ""), f"{where}.text", MAX_STEP_TEXT),
        source=_source(data, where),
    )


def _source(data: Mapping[str, Any], where: str) -> StepSource | None:
    number = data.get("question_number", data.get("from_answer"))
    quote = data.get("quote")
    if number is None and quote is None:
        return None
    try:
        question_number = int(number) if number is not None else 0
    except (TypeError, ValueError):
        raise ChartJsonError(f"{where}.question_number must be a whole number.") from None
    return StepSource(
        question_number=question_number,
        question_text=_text(data.get("question_text", ""), f"{where}.question_text"),
        quote=_text(quote or "", f"{where}.quote"),
    )


def _link(data: Any, where: str) -> Link:
    if isinstance(data, list):
        if len(data) != 2:
            raise ChartJsonError(f"{where} must be [from, to].")
        source, target, label = data[0], data[1], ""
    elif isinstance(data, Mapping):
        if "from" not in data or "to" not in data:
            raise ChartJsonError(f"{where} needs from and to.")
        source, target, label = data["from"], data["to"], data.get("label", "")
    else:
        raise ChartJsonError(f"{where} must be [from, to] or an object.")
    return Link(
        source=_text(source, f"{where}.from"),
        target=_text(target, f"{where}.to"),
        label=_text(label, f"{where}.label", MAX_LINK_LABEL),
    )
