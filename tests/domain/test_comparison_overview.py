"""The comparison overview's numbers on a small study with known answers, without a database."""

from __future__ import annotations

from dataclasses import replace

from tocapp.domain.comparison import SettingRound
from tocapp.domain.comparison_overview import MarkShare, overview
from tocapp.domain.people import Perspective
from tocapp.domain.theory import Flowchart, Link, Step, Theme
from tocapp.domain.voices import Mark, VoiceLayer, combine_practice

A, P, E = Mark.ACHIEVED, Mark.PARTLY, Mark.ELUSIVE
LEAD, PRACTICE = Perspective.LEADERSHIP, Perspective.PRACTICE


def voice(ref: str, role: str, perspective: Perspective | None, marks: dict[str, Mark]):
    return VoiceLayer(
        ref, f"{role} ({ref})", perspective, marks, person=ref, people=(ref,), role=role
    )


def chart(code: str, *extra: Step, links: tuple[Link, ...] = ()) -> Flowchart:
    steps = (
        Step("s1", Theme.SITUATION, "Staff", f"{code} few trained"),
        Step("a1", Theme.ACTION, "Staff", f"{code} coaching"),
        Step("o1", Theme.OUTCOME, "Children", f"{code} children talk more"),
        Step("o2", Theme.OUTCOME, "Staff", f"{code} staff confident"),
        *extra,
    )
    return Flowchart(code, ("Children", "Staff"), steps, (Link("s1", "a1"), *links))


# NUR: the headteacher says both outcomes came to fruition; of three staff, two found the
# children's outcome elusive and one did not discuss it; the staff outcome is mixed.
NUR = SettingRound(
    "NUR",
    2,
    "Return",
    1,
    chart("NUR"),
    (
        voice("NUR-P01", "Headteacher", LEAD, {"o1": A, "o2": A, "a1": A}),
        voice("NUR-P02", "Teacher", PRACTICE, {"o1": E, "o2": A, "a1": A}),
        voice("NUR-P03", "Teaching assistant", PRACTICE, {"o1": E, "o2": P, "a1": P}),
        voice("NUR-P04", "Teacher", PRACTICE, {"o2": E}),
    ),
)
# PRI: a teacher added an outcome step and an arrow; a pair of mixed perspectives is heard.
TEACHER_LABEL = "Teacher (PRI-P02)"
PRI = SettingRound(
    "PRI",
    2,
    "Return",
    1,
    chart(
        "PRI",
        Step("x1", Theme.OUTCOME, "Staff", "Video felt awkward", added_by=TEACHER_LABEL),
        links=(Link("a1", "x1", added_by=TEACHER_LABEL),),
    ),
    (
        voice("PRI-P01", "Headteacher", LEAD, {"o1": P}),
        voice("PRI-P02", "Teacher", PRACTICE, {"o1": P, "x1": E, "s1": A}),
        voice("PRI-P03+PRI-P04", "Deputy & TA", None, {"o1": E}),
    ),
)


def test_each_setting_s_outcomes_are_counted_by_perspective_on_one_scale():
    result = overview([NUR, PRI])
    rows = {(o.setting_code, o.number): o for o in result.outcomes}
    assert list(rows) == [("NUR", "O1"), ("NUR", "O2"), ("PRI", "O1"), ("PRI", "O2"), ("PRI", "O3")]
    nur_children = rows[("NUR", "O1")]
    assert nur_children.text == "NUR children talk more"
    # (achieved, partly, elusive, not discussed)
    assert nur_children.leadership.counts == (1, 0, 0, 0)
    assert nur_children.practice.counts == (0, 0, 2, 1)
    assert nur_children.practice.share("elusive") == 2 / 3
    assert nur_children.practice.text == "2✗ 1 not discussed"
    assert rows[("NUR", "O2")].practice.counts == (1, 1, 1, 0)
    # The pair speaking from both perspectives is in neither column, and is counted as such.
    assert rows[("PRI", "O1")].leadership.counts == (0, 1, 0, 0)
    assert rows[("PRI", "O1")].practice.counts == (0, 1, 0, 0)
    assert result.mixed_voices == 1
    # A step a voice added was put to that voice only.
    added = rows[("PRI", "O3")]
    assert added.added_by == TEACHER_LABEL
    assert added.leadership.voices == 0 and added.leadership.text == "no voices"
    assert added.practice.counts == (0, 0, 1, 0)
    assert result.leadership_total.counts == (2, 1, 0, 1)
    assert result.practice_total.counts == (1, 2, 4, 2)


def test_the_steps_where_leadership_and_practice_are_furthest_apart_come_first():
    result = overview([NUR, PRI])
    apart = [(s.setting_code, s.number) for s in result.apart]
    # NUR O1: achieved against elusive (the widest gap); NUR O2: achieved against a spread;
    # NUR A1: achieved against achieved and partly. PRI O1: both partly, so not apart at all.
    assert apart == [("NUR", "O1"), ("NUR", "O2"), ("NUR", "A1")]
    assert overview([NUR, PRI], most_apart=1).apart == result.apart[:1]
    # Steps only one perspective discussed are not compared (PRI's S1: practice alone).
    assert ("PRI", "S1") not in apart


def test_what_emerged_lists_added_steps_and_arrows_by_their_reading_numbers():
    emerged = overview([NUR, PRI]).emerged
    assert [(e.setting_code, e.kind, e.text, e.added_by) for e in emerged] == [
        ("PRI", "step", "Video felt awkward", TEACHER_LABEL),
        ("PRI", "arrow", "A1 → O3", TEACHER_LABEL),
    ]


def test_the_setting_s_leadership_sees_staff_combined_and_counted_in_voices():
    shown, left_out = combine_practice(NUR.voices, minimum=3)
    combined = overview([replace(NUR, voices=tuple(shown))])
    assert left_out == 0
    assert combined.outcomes[0].practice.counts == (0, 0, 2, 1)  # each member's mark kept
    too_few, left = combine_practice(NUR.voices, minimum=4)
    hidden = overview([replace(NUR, voices=tuple(too_few), left_out=left)])
    assert hidden.outcomes[0].practice.voices == 0 and not hidden.apart


def test_an_empty_choice_has_an_empty_overview():
    empty = overview([])
    assert empty.is_empty and empty.leadership_total == MarkShare()
