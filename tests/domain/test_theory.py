"""Flowchart rules: arrows join two different steps of one version, once; steps order by theme."""

from __future__ import annotations

import pytest

from tocapp.domain.errors import (
    DomainError,
    DuplicateLinkError,
    ForeignStepError,
    SelfLoopError,
)
from tocapp.domain.theory import (
    Flowchart,
    Link,
    Step,
    Theme,
    check_new_link,
    ordered_steps,
)

GROUPS = ("Staff", "Children", "Parents")


def _steps() -> tuple[Step, ...]:
    return (
        Step("o1", Theme.OUTCOME, "Children", "Children talk more"),
        Step("s1", Theme.SITUATION, "Parents", "Parents rarely visit"),
        Step("a1", Theme.ACTION, "Staff", "Coaching"),
        Step("s2", Theme.SITUATION, "Staff", "Staff unsure"),
        Step("s3", Theme.SITUATION, "Staff", "Little training"),
        Step("x1", Theme.ACTION, "Governors", "Governors visit"),
    )


def test_a_valid_chart_is_accepted() -> None:
    chart = Flowchart("T", GROUPS, _steps(), (Link("s2", "a1"), Link("a1", "o1", "so")))
    assert chart.links_out_of("a1") == [Link("a1", "o1", "so")]
    assert chart.links_into("a1") == [Link("s2", "a1")]
    assert chart.step_by_key["s1"].group == "Parents"


def test_an_arrow_may_not_start_and_end_at_the_same_step() -> None:
    with pytest.raises(SelfLoopError):
        Flowchart("T", GROUPS, _steps(), (Link("a1", "a1"),))


def test_the_same_arrow_may_not_be_drawn_twice() -> None:
    with pytest.raises(DuplicateLinkError):
        Flowchart("T", GROUPS, _steps(), (Link("s2", "a1"), Link("s2", "a1", "again")))


def test_an_arrow_back_the_other_way_is_a_different_arrow() -> None:
    chart = Flowchart("T", GROUPS, _steps(), (Link("s2", "a1"), Link("a1", "s2")))
    assert len(chart.links) == 2


@pytest.mark.parametrize("link", [Link("s2", "elsewhere"), Link("other-version", "a1")])
def test_both_ends_must_be_steps_of_this_version(link: Link) -> None:
    with pytest.raises(ForeignStepError):
        Flowchart("T", GROUPS, _steps(), (link,))


def test_two_steps_may_not_share_a_key() -> None:
    steps = _steps() + (Step("a1", Theme.OUTCOME, "Staff", "A copy"),)
    with pytest.raises(ForeignStepError):
        Flowchart("T", GROUPS, steps)


def test_check_new_link_applies_the_same_rules_before_saving() -> None:
    keys = ["a", "b"]
    check_new_link(keys, [], "a", "b")
    with pytest.raises(SelfLoopError):
        check_new_link(keys, [], "a", "a")
    with pytest.raises(DuplicateLinkError):
        check_new_link(keys, [("a", "b")], "a", "b")
    with pytest.raises(ForeignStepError):
        check_new_link(keys, [], "a", "c")
    assert issubclass(ForeignStepError, DomainError)


def test_ordered_steps_go_by_theme_then_group_keeping_the_arranged_order() -> None:
    ordered = ordered_steps(_steps(), GROUPS)
    assert [s.key for s in ordered] == ["s2", "s3", "s1", "a1", "x1", "o1"]


def test_lane_groups_are_used_groups_in_study_order_then_others() -> None:
    chart = Flowchart("T", GROUPS, _steps())
    assert chart.lane_groups() == ["Staff", "Children", "Parents", "Governors"]
    only_staff = Flowchart("T", GROUPS, (Step("a", Theme.ACTION, "Staff", "x"),))
    assert only_staff.lane_groups() == ["Staff"]


def test_steps_in_filters_by_theme_and_group() -> None:
    chart = Flowchart("T", GROUPS, _steps())
    assert [s.key for s in chart.steps_in(Theme.SITUATION)] == ["s1", "s2", "s3"]
    assert [s.key for s in chart.steps_in(Theme.SITUATION, "Staff")] == ["s2", "s3"]


def test_themes_read_in_order_with_titles() -> None:
    assert [t.position for t in Theme] == [0, 1, 2]
    assert [t.title for t in Theme] == [
        "Starting situation",
        "Strands of action",
        "Intended outcomes",
    ]
