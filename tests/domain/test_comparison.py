"""Comparison logic from a fixture with known answers, without a database."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from typing import Any

from tocapp.domain.comparison import (
    CSV_COLUMNS,
    CountKey,
    MarkMove,
    SettingRound,
    cell_text,
    mark_counts,
    mark_moves,
    setting_matrix,
    summarise_moves,
    tidy_rows,
)
from tocapp.domain.people import Perspective
from tocapp.domain.theory import Flowchart, Link, Step, Theme
from tocapp.domain.voices import Agreement, Mark, VoiceLayer, VoiceNote, combine_practice

A, P, E = Mark.ACHIEVED, Mark.PARTLY, Mark.ELUSIVE
LEAD, PRACTICE = Perspective.LEADERSHIP, Perspective.PRACTICE


def voice(voice_id: str, role: str, ref: str, perspective: Perspective, marks: Any, **kw: Any):
    """A voice labelled as the read model labels it: "Role (REF)"."""
    return VoiceLayer(
        voice_id,
        f"{role} ({ref})",
        perspective,
        marks,
        person=ref,
        people=(ref,),
        role=role,
        round_number=kw.pop("round_number", 2),
        **kw,
    )


def _chart(extra: tuple[Step, ...] = ()) -> Flowchart:
    steps = (
        Step("s1", Theme.SITUATION, "Staff", "Few trained", lineage="L1"),
        Step("a1", Theme.ACTION, "Staff", "Coaching", lineage="L2"),
        Step("o1", Theme.OUTCOME, "Children", "Talk more", lineage="L3"),
        *extra,
    )
    return Flowchart("C", ("Staff", "Children"), steps, (Link("s1", "a1"),))


HEAD = voice(
    "1",
    "Headteacher",
    "NUR-P01",
    LEAD,
    {"a1": A, "o1": A},
    notes=(VoiceNote(1, "n", step_key="a1"),),
)
TA = voice(
    "2",
    "Teaching assistant",
    "NUR-P02",
    PRACTICE,
    {"a1": E, "o1": P},
    notes=(VoiceNote(1, "x", step_key="a1"), VoiceNote(2, "y", step_key="a1")),
)
TEACHER = voice("3", "Teacher", "NUR-P03", PRACTICE, {"a1": E, "s1": P, "t1": A})
OWN_STEP = Step("t1", Theme.OUTCOME, "Staff", "Watching myself", added_by="Teacher (NUR-P03)")

ROUND2 = SettingRound("NUR", 2, "Return", 1, _chart((OWN_STEP,)), (HEAD, TA, TEACHER))


def test_the_matrix_has_a_row_per_step_and_a_column_per_voice():
    matrix = setting_matrix(ROUND2)
    assert [r.number for r in matrix.rows] == ["S1", "A1", "O1", "O2"]
    coaching = matrix.rows[1]
    assert coaching.marks == (A, E, E)
    assert coaching.agreement is Agreement.DIVERGE and coaching.leader_differs
    assert coaching.note_count == 3
    assert [(label, n.text) for label, n in coaching.notes] == [
        ("Headteacher (NUR-P01)", "n"),
        ("Teaching assistant (NUR-P02)", "x"),
        ("Teaching assistant (NUR-P02)", "y"),
    ]
    assert [r.number for r in matrix.noted] == ["A1"]
    # The leader's steps keep their numbers: the teacher's own step comes after them, as O2,
    # though outcomes read Staff (its lane) before Children (the leader's outcome's).
    outcome, own = matrix.rows[2], matrix.rows[3]
    assert own.step.added_by == "Teacher (NUR-P03)" and own.marks == (None, None, A)
    assert own.number == "O2" and outcome.number == "O1"
    assert outcome.marks == (A, P, None) and outcome.agreement is Agreement.MIXED
    assert [r.number for r in matrix.diverging] == ["A1", "O1"]  # leadership differs on O1 too


def test_a_role_filter_keeps_only_those_voices():
    matrix = setting_matrix(ROUND2, roles={"Teaching assistant", "Teacher"})
    assert [v.role for v in matrix.voices] == ["Teaching assistant", "Teacher"]
    coaching = matrix.rows[1]
    assert coaching.agreement is Agreement.AGREE and not coaching.leader_differs


def test_counts_by_theme_group_and_role_include_not_discussed():
    other = SettingRound(
        "PRI", 2, "Return", 1, _chart(), (voice("9", "Teacher", "PRI-P02", PRACTICE, {"o1": A}),)
    )
    counts = mark_counts([ROUND2, other])
    assert counts[CountKey(Theme.ACTION, "Staff", "Teacher")] == Counter(
        {"elusive": 1, "not discussed": 1}
    )
    assert counts[CountKey(Theme.OUTCOME, "Children", "Teacher")] == Counter(
        {"not discussed": 1, "achieved": 1}
    )
    # A voice's own new step counts for that voice only.
    assert counts[CountKey(Theme.OUTCOME, "Staff", "Teacher")] == Counter({"achieved": 1})
    assert CountKey(Theme.OUTCOME, "Staff", "Headteacher") not in counts
    assert counts[CountKey(Theme.SITUATION, "Staff", "Headteacher")] == Counter(
        {"not discussed": 1}
    )
    themes = [k.theme for k in counts]
    assert themes == sorted(themes, key=list(Theme).index)


def _later_chart() -> Flowchart:
    return Flowchart(
        "C",
        ("Staff", "Children"),
        (
            Step("x9", Theme.ACTION, "Staff", "Coaching, reworded", lineage="L2"),
            Step("x8", Theme.OUTCOME, "Children", "Talk more", lineage="L3"),
        ),
        (),
    )


def test_marks_moving_between_rounds_follow_the_person_not_the_role_label():
    """The teaching assistant became a senior TA and was interviewed in a pair with the teacher:
    both are still followed, by their references."""
    pair = VoiceLayer(
        "7",
        "Senior TA (NUR-P02) & Teacher (NUR-P03)",
        PRACTICE,
        {"x9": A, "x8": P},
        person="NUR-P02+NUR-P03",
        people=("NUR-P02", "NUR-P03"),
        person_labels=("Senior TA (NUR-P02)", "Teacher (NUR-P03)"),
        role="Senior TA & Teacher",
        round_number=3,
    )
    round3 = SettingRound("NUR", 3, "Second return", 2, _later_chart(), (pair,))
    moves = mark_moves([round3, ROUND2])
    assert [(m.step_text, m.who, m.before, m.after, m.changed) for m in moves] == [
        (
            "Coaching, reworded",
            "Senior TA (NUR-P02), earlier Teaching assistant",
            "elusive",
            "achieved",
            True,
        ),
        ("Coaching, reworded", "Teacher (NUR-P03)", "elusive", "achieved", True),
        ("Talk more", "Senior TA (NUR-P02), earlier Teaching assistant", "partly", "partly", False),
    ]
    assert {(m.from_round, m.to_round) for m in moves} == {(2, 3)}


def test_someone_else_with_the_same_role_is_not_the_same_person():
    newcomer = voice("8", "Teaching assistant", "NUR-P07", PRACTICE, {"x9": A}, round_number=3)
    round3 = SettingRound("NUR", 3, "Second return", 2, _later_chart(), (newcomer,))
    assert mark_moves([ROUND2, round3]) == []


def test_tidy_rows_have_one_row_per_step_and_voice_keyed_by_person():
    rows = tidy_rows([ROUND2])
    assert all(tuple(r) == CSV_COLUMNS for r in rows)
    assert len(rows) == 3 * 3 + 1  # three shared steps × three voices, plus the teacher's own
    ta_coaching = next(r for r in rows if r["person"] == "NUR-P02" and r["step"] == "A1")
    assert ta_coaching == {
        "setting": "NUR",
        "round": "2",
        "version": "1",
        "step": "A1",
        "theme": "Strands of action",
        "group": "Staff",
        "step_text": "Coaching",
        "added_by": "",
        "person": "NUR-P02",
        "role": "Teaching assistant",
        "perspective": "practice",
        "voice": "Teaching assistant (NUR-P02)",
        "voices": "1",
        "mark": "elusive",
        "count": "1",
        "note_count": "2",
    }
    assert {r["mark"] for r in rows if r["step"] == "S1"} == {"not discussed", "partly"}


def test_a_combined_staff_group_is_counted_never_listed_by_person():
    staff = [TA, TEACHER, voice("4", "Teacher", "NUR-P04", PRACTICE, {"a1": A})]
    shown, left_out = combine_practice([HEAD, *staff], minimum=3)
    assert left_out == 0 and [v.label for v in shown] == [
        "Headteacher (NUR-P01)",
        "Staff (3 voices)",
    ]
    group = shown[1]
    assert group.person == "" and group.marks_on("a1") == (E, E, A)
    source = SettingRound("NUR", 2, "Return", 1, _chart(), tuple(shown))
    row = setting_matrix(source).rows[1]
    assert cell_text(row.cells[1]) == "1✓ 2✗"
    rows = [r for r in tidy_rows([source]) if r["step"] == "A1" and r["role"] == "Staff"]
    assert {(r["person"], r["mark"], r["count"]) for r in rows} == {
        ("", "achieved", "1"),
        ("", "elusive", "2"),
    }
    counts = mark_counts([source])
    assert counts[CountKey(Theme.ACTION, "Staff", "Staff")] == Counter(
        {"elusive": 2, "achieved": 1}
    )
    assert not {k.role for k in counts} & {"Teacher", "Teaching assistant"}


def test_fewer_practitioners_than_the_minimum_are_left_out_for_the_leadership():
    shown, left_out = combine_practice([HEAD, TA, TEACHER], minimum=3)
    assert shown == [HEAD] and left_out == 2


def test_move_summaries_count_same_and_changed_marks_per_setting_and_pair_of_rounds():
    def move(code: str, r1: int, r2: int, text: str, who: str, before: str, after: str) -> MarkMove:
        return MarkMove(code, r1, r2, text, who, f"Teacher ({who})", before, after)

    moves = [
        move("NUR", 2, 3, "Coaching", "P1", "elusive", "achieved"),
        move("NUR", 2, 3, "Talk", "P1", "elusive", "achieved"),
        move("NUR", 2, 3, "Talk", "P2", "partly", "partly"),
        move("NUR", 2, 3, "Audit", "P1", "achieved", "partly"),
        move("NUR", 3, 4, "Talk", "P1", "achieved", "achieved"),
        move("PRI", 2, 3, "Talk", "P3", "achieved", "achieved"),
    ]
    summaries = summarise_moves(moves)
    assert [(s.setting_code, s.from_round, s.to_round, s.same) for s in summaries] == [
        ("NUR", 2, 3, 1),
        ("NUR", 3, 4, 1),
        ("PRI", 2, 3, 1),
    ]
    assert summaries[0].changes == [("elusive", "achieved", 2), ("achieved", "partly", 1)]
    assert summaries[1].changes == [] and summaries[2].changes == []


def test_the_minimum_counts_people_not_interviews():
    """One teaching assistant heard twice and a teacher once are two people: with a minimum of
    3 they are not shown to the leadership, though there are three voices."""
    again = voice("5", "Teaching assistant", "NUR-P02", PRACTICE, {"a1": A})
    shown, left_out = combine_practice([HEAD, TA, again, TEACHER], minimum=3)
    assert shown == [HEAD] and left_out == 3


def test_a_headteacher_heard_in_a_pair_is_not_a_practitioner_to_hide_among():
    """Head and teacher as one voice, beside the only teaching assistant: two practitioners in
    all, fewer than three, so the leadership sees no staff voice (the head knows her pair's mark,
    so the other would be the teaching assistant's)."""
    pair = VoiceLayer(
        "5",
        "Headteacher (NUR-P01) & Teacher (NUR-P03)",
        None,
        {"a1": P},
        person="NUR-P01+NUR-P03",
        people=("NUR-P01", "NUR-P03"),
        perspectives=(LEAD, PRACTICE),
        role="Headteacher & Teacher",
        round_number=2,
    )
    ta = replace(TA, perspectives=(PRACTICE,))
    shown, left_out = combine_practice([HEAD, ta, pair], minimum=3)
    assert shown == [HEAD] and left_out == 2
    third = voice("4", "Teacher", "NUR-P04", PRACTICE, {"a1": A}, perspectives=(PRACTICE,))
    shown, left_out = combine_practice([HEAD, ta, pair, third], minimum=3)
    assert left_out == 0 and shown[1].label == "Staff (3 voices)"


PAIR = VoiceLayer(
    "6",
    "Teacher (NUR-P03) & Speech & language lead (NUR-P05)",
    PRACTICE,
    {"o1": E},
    person="NUR-P03+NUR-P05",
    people=("NUR-P03", "NUR-P05"),
    role="Teacher & Speech & language lead",
    roles=("Teacher", "Speech & language lead"),
    person_labels=("Teacher (NUR-P03)", "Speech & language lead (NUR-P05)"),
    round_number=2,
)


def test_a_role_chosen_keeps_the_pairs_that_role_was_heard_in():
    source = SettingRound("NUR", 2, "Return", 1, _chart(), (HEAD, TA, PAIR))
    matrix = setting_matrix(source, roles={"Speech & language lead"})
    assert [v.voice_id for v in matrix.voices] == ["6"]
    assert [v.voice_id for v in setting_matrix(source, roles={"Teacher"}).voices] == ["6"]
    joined = setting_matrix(source, roles={"Teacher & Speech & language lead"})
    assert [v.voice_id for v in joined.voices] == ["6"]  # the pair's own label, as listed


def test_a_role_with_an_ampersand_is_followed_whole_between_rounds():
    later = replace(
        PAIR,
        voice_id="7",
        marks={"o1": A},
        role="Teacher & SENCo",
        roles=("Teacher", "SENCo"),
        round_number=3,
    )
    second = SettingRound("NUR", 2, "Return", 1, _chart(), (PAIR,))
    third = SettingRound("NUR", 3, "Return", 1, _chart(), (later,))
    moves = [m for m in mark_moves([second, third]) if m.person == "NUR-P05"]
    assert moves and {m.earlier_role for m in moves} == {"Speech & language lead"}, moves
