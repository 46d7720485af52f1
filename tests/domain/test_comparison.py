"""Comparison logic from a fixture with known answers, without a database."""

from __future__ import annotations

from collections import Counter

from tocapp.domain.comparison import (
    CSV_COLUMNS,
    CountKey,
    MarkMove,
    SettingRound,
    mark_counts,
    mark_moves,
    setting_matrix,
    summarise_moves,
    tidy_rows,
)
from tocapp.domain.theory import Flowchart, Link, Step, Theme
from tocapp.domain.voices import Agreement, Mark, VoiceLayer, VoiceNote

A, P, E = Mark.ACHIEVED, Mark.PARTLY, Mark.ELUSIVE


def _chart(extra: tuple[Step, ...] = ()) -> Flowchart:
    steps = (
        Step("s1", Theme.SITUATION, "Staff", "Few trained", lineage="L1"),
        Step("a1", Theme.ACTION, "Staff", "Coaching", lineage="L2"),
        Step("o1", Theme.OUTCOME, "Children", "Talk more", lineage="L3"),
        *extra,
    )
    return Flowchart("C", ("Staff", "Children"), steps, (Link("s1", "a1"),))


HEAD = VoiceLayer("1", "Headteacher", True, {"a1": A, "o1": A}, (VoiceNote(1, "n", step_key="a1"),))
TA = VoiceLayer(
    "2",
    "Teaching assistant",
    False,
    {"a1": E, "o1": P},
    (VoiceNote(1, "x", step_key="a1"), VoiceNote(2, "y", step_key="a1")),
)
TEACHER = VoiceLayer("3", "Teacher", False, {"a1": E, "s1": P, "t1": A})
OWN_STEP = Step("t1", Theme.OUTCOME, "Staff", "Watching myself", added_by="Teacher")

ROUND2 = SettingRound("NUR", 2, "Return", 1, _chart((OWN_STEP,)), (HEAD, TA, TEACHER))


def test_the_matrix_has_a_row_per_step_and_a_column_per_voice():
    matrix = setting_matrix(ROUND2)
    assert [r.number for r in matrix.rows] == ["S1", "A1", "O1", "O2"]
    coaching = matrix.rows[1]
    assert coaching.marks == (A, E, E)
    assert coaching.agreement is Agreement.DIVERGE and coaching.leader_differs
    assert coaching.note_count == 3
    assert [(label, n.text) for label, n in coaching.notes] == [
        ("Headteacher", "n"),
        ("Teaching assistant", "x"),
        ("Teaching assistant", "y"),
    ]
    assert [r.number for r in matrix.noted] == ["A1"]
    own = matrix.rows[2]  # outcomes read Staff before Children: the teacher's own step is O1
    assert own.step.added_by == "Teacher" and own.marks == (None, None, A)
    outcome = matrix.rows[3]
    assert outcome.marks == (A, P, None) and outcome.agreement is Agreement.MIXED
    assert [r.number for r in matrix.diverging] == ["A1", "O2"]  # the leader differs on O2 too


def test_a_role_filter_keeps_only_those_voices():
    matrix = setting_matrix(ROUND2, roles={"Teaching assistant", "Teacher"})
    assert [v.label for v in matrix.voices] == ["Teaching assistant", "Teacher"]
    coaching = matrix.rows[1]
    assert coaching.agreement is Agreement.AGREE and not coaching.leader_differs


def test_counts_by_theme_group_and_role_include_not_discussed():
    other = SettingRound(
        "PRI", 2, "Return", 1, _chart(), (VoiceLayer("9", "Teacher", False, {"o1": A}),)
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


def test_marks_moving_between_rounds_match_steps_by_lineage():
    later_chart = Flowchart(
        "C",
        ("Staff", "Children"),
        (
            Step("x9", Theme.ACTION, "Staff", "Coaching, reworded", lineage="L2"),
            Step("x8", Theme.OUTCOME, "Children", "Talk more", lineage="L3"),
        ),
        (),
    )
    round3 = SettingRound(
        "NUR",
        3,
        "Second return",
        2,
        later_chart,
        (VoiceLayer("7", "Teaching assistant", False, {"x9": A, "x8": P}),),
    )
    moves = mark_moves([round3, ROUND2])
    assert [(m.step_text, m.role, m.before, m.after, m.changed) for m in moves] == [
        ("Coaching, reworded", "Teaching assistant", "elusive", "achieved", True),
        ("Talk more", "Teaching assistant", "partly", "partly", False),
    ]
    assert {(m.from_round, m.to_round) for m in moves} == {(2, 3)}


def test_tidy_rows_have_one_row_per_step_and_voice():
    rows = tidy_rows([ROUND2])
    assert all(tuple(r) == CSV_COLUMNS for r in rows)
    assert len(rows) == 3 * 3 + 1  # three shared steps × three voices, plus the teacher's own
    ta_coaching = next(r for r in rows if r["role"] == "Teaching assistant" and r["step"] == "A1")
    assert ta_coaching == {
        "setting": "NUR",
        "round": "2",
        "version": "1",
        "step": "A1",
        "theme": "Strands of action",
        "group": "Staff",
        "step_text": "Coaching",
        "added_by": "",
        "voice": "NUR-R2-V2",
        "role": "Teaching assistant",
        "mark": "elusive",
        "note_count": "2",
    }
    assert {r["mark"] for r in rows if r["step"] == "S1"} == {"not discussed", "partly"}


def test_move_summaries_count_same_and_changed_marks_per_setting_and_pair_of_rounds():
    moves = [
        MarkMove("NUR", 2, 3, "Coaching", "Teacher", "elusive", "achieved"),
        MarkMove("NUR", 2, 3, "Talk", "Teacher", "elusive", "achieved"),
        MarkMove("NUR", 2, 3, "Talk", "Teaching assistant", "partly", "partly"),
        MarkMove("NUR", 2, 3, "Audit", "Teacher", "achieved", "partly"),
        MarkMove("NUR", 3, 4, "Talk", "Teacher", "achieved", "achieved"),
        MarkMove("PRI", 2, 3, "Talk", "Teacher", "achieved", "achieved"),
    ]
    summaries = summarise_moves(moves)
    assert [(s.setting_code, s.from_round, s.to_round, s.same) for s in summaries] == [
        ("NUR", 2, 3, 1),
        ("NUR", 3, 4, 1),
        ("PRI", 2, 3, 1),
    ]
    assert summaries[0].changes == [("elusive", "achieved", 2), ("achieved", "partly", 1)]
    assert summaries[1].changes == [] and summaries[2].changes == []
