"""Loading a chart from JSON: the demo fixture, both link shapes, and clear errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tocapp.domain.errors import DomainError, SelfLoopError
from tocapp.domain.theory import MAX_STEP_TEXT, Link, StepSource, Theme
from tocapp.render import ChartJsonError, flowchart_from_json, flowchart_to_dot, render_dot

FIXTURE = Path(__file__).parents[2] / "tocapp" / "fixtures" / "clarity-study.json"


def _nursery() -> dict[str, Any]:
    study = json.loads(FIXTURE.read_text(encoding="utf-8"))
    setting = next(s for s in study["settings"] if s["code"] == "NUR")
    return {
        "title": setting["name"],
        "groups": study["project"]["groups"],
        "steps": setting["steps"],
        "links": setting["links"],
    }


def test_the_demo_nursery_chart_loads_and_draws() -> None:
    chart = flowchart_from_json(_nursery())
    assert chart.title == "Nursery school"
    assert chart.groups == ("Staff", "Children", "Parents")
    assert len(chart.steps) == 10 and len(chart.links) == 8
    first = chart.steps[0]
    assert (first.key, first.theme, first.group) == ("N-S1", Theme.SITUATION, "Children")
    assert first.source == StepSource(question_number=1, question_text="", quote="")
    assert render_dot(flowchart_to_dot(chart)).count(b'class="node step ') == 10


def test_steps_may_use_key_or_id_and_links_either_shape() -> None:
    chart = flowchart_from_json(
        {
            "title": "T",
            "steps": [
                {"key": 12, "theme": "situation", "group": "Staff", "text": "a", "quote": "q"},
                {"id": "x", "theme": "action", "group": "Staff", "text": "b"},
                {"id": "y", "theme": "outcome", "group": "Staff", "text": "c"},
            ],
            "links": [["12", "x"], {"from": "x", "to": "y", "label": "so"}],
        }
    )
    assert [s.key for s in chart.steps] == ["12", "x", "y"]
    assert chart.steps[0].source == StepSource(0, "", "q")
    assert chart.steps[1].source is None
    assert chart.links == (Link("12", "x"), Link("x", "y", "so"))
    assert chart.groups == ("Staff", "Children", "Parents")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "must be a JSON object"),
        ({"steps": {}}, "steps must be a list"),
        ({"steps": [{"theme": "action", "text": "x"}]}, r"steps\[0\] needs a key"),
        ({"steps": [{"key": "a", "theme": "middle"}]}, r"steps\[0\].theme must be one of"),
        ({"steps": [{"key": "a", "theme": "action", "text": 5.5}]}, r"steps\[0\].text must be"),
        (
            {"steps": [{"key": "a", "theme": "action", "text": "x" * (MAX_STEP_TEXT + 1)}]},
            "longer than",
        ),
        ({"links": [["a"]]}, r"links\[0\] must be \[from, to\]"),
        ({"links": [{"from": "a"}]}, r"links\[0\] needs from and to"),
        ({"groups": "Staff"}, "groups must be a list"),
    ],
)
def test_malformed_json_gives_a_message_that_says_where(data: Any, message: str) -> None:
    with pytest.raises(ChartJsonError, match=message):
        flowchart_from_json(data)


def test_domain_rules_still_apply() -> None:
    step = {"key": "a", "theme": "action", "group": "Staff", "text": "x"}
    with pytest.raises(SelfLoopError):
        flowchart_from_json({"steps": [step], "links": [["a", "a"]]})
    with pytest.raises(DomainError):
        flowchart_from_json({"steps": [step], "links": [["a", "elsewhere"]]})
