"""Reading numbers and the text outline, shared by the chart and its text version."""

from __future__ import annotations

from tocapp.domain.outline import build_outline, step_numbers
from tocapp.domain.theory import Flowchart, Link, Step, Theme

GROUPS = ("Staff", "Children", "Parents")


def _chart() -> Flowchart:
    return Flowchart(
        "Nursery",
        GROUPS,
        (
            Step("c1", Theme.SITUATION, "Children", "Many children learn English"),
            Step("t1", Theme.SITUATION, "Staff", "Little training"),
            Step("a1", Theme.ACTION, "Staff", "Audit"),
            Step("a2", Theme.ACTION, "Staff", "Training"),
            Step("p1", Theme.OUTCOME, "Parents", "Better talk with parents"),
            Step("o1", Theme.OUTCOME, "Children", "Children progress"),
        ),
        (Link("c1", "a1"), Link("t1", "a2", "because"), Link("a1", "a2"), Link("a2", "o1")),
    )


def test_step_numbers_follow_theme_then_group_order() -> None:
    assert step_numbers(_chart()) == {
        "t1": "S1",
        "c1": "S2",
        "a1": "A1",
        "a2": "A2",
        "o1": "O1",
        "p1": "O2",
    }


def test_steps_added_by_voices_never_renumber_the_leaders() -> None:
    """A voice's own step in the first lane comes after the leader's steps of its theme, so the
    leader's numbers are the same on every voice's page and the leader's chart."""
    leader = _chart()
    own = Step("v1", Theme.SITUATION, "Staff", "Few books at home", added_by="Teacher (P03)")
    other = Step("v2", Theme.ACTION, "Staff", "Coaching", added_by="Teaching assistant (P02)")
    with_voices = Flowchart(leader.title, GROUPS, (*leader.steps, own, other), leader.links)
    numbers = step_numbers(with_voices)
    assert {key: numbers[key] for key in step_numbers(leader)} == step_numbers(leader)
    assert numbers["v1"] == "S3" and numbers["v2"] == "A3"


def test_step_numbers_of_an_empty_chart_are_empty() -> None:
    assert step_numbers(Flowchart("Empty", GROUPS, ())) == {}


def test_outline_lists_each_theme_with_numbered_arrows_in_and_out() -> None:
    outline = build_outline(_chart())
    assert [part.theme for part in outline] == list(Theme)
    assert [[s.number for s in part.steps] for part in outline] == [
        ["S1", "S2"],
        ["A1", "A2"],
        ["O1", "O2"],
    ]
    a2 = outline[1].steps[1]
    assert a2.step.key == "a2"
    # Arrows name the other step by its reading number, so the text can say "from S1".
    assert [(a.other_key, a.other_text, a.label) for a in a2.arrows_in] == [
        ("S1", "Little training", "because"),
        ("A1", "Audit", ""),
    ]
    assert [(a.other_key, a.other_text) for a in a2.arrows_out] == [("O1", "Children progress")]
    assert outline[2].steps[1].arrows_in == ()
