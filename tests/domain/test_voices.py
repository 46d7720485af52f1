"""Tallies, agreement, divergence, rounds kept apart and coverage, from fixtures whose answers
are known."""

from tocapp.domain.people import Perspective
from tocapp.domain.voices import (
    Agreement,
    Mark,
    PersonInRound,
    VoiceLayer,
    agreement_of,
    coverage_of_people,
    divergent_steps,
    filter_voices,
    tally_steps,
)

A, P, E = Mark.ACHIEVED, Mark.PARTLY, Mark.ELUSIVE
LEAD, PRACTICE = Perspective.LEADERSHIP, Perspective.PRACTICE

HEAD = VoiceLayer(
    "1", "Headteacher", LEAD, {"s1": A, "s2": A, "s3": P, "s4": A}, role="Headteacher"
)
TEACHER = VoiceLayer("2", "Teacher", PRACTICE, {"s1": A, "s2": E, "s3": P}, role="Teacher")
TA = VoiceLayer(
    "3",
    "Teaching assistant",
    PRACTICE,
    {"s1": A, "s2": E, "s3": E, "s5": P},
    role="Teaching assistant",
)
VOICES = [HEAD, TEACHER, TA]


def test_agreement_rules():
    assert agreement_of([]) is Agreement.NOT_DISCUSSED
    assert agreement_of([A]) is Agreement.SINGLE
    assert agreement_of([E, E]) is Agreement.AGREE
    assert agreement_of([A, P]) is Agreement.MIXED
    assert agreement_of([P, E]) is Agreement.MIXED
    assert agreement_of([A, P, E]) is Agreement.DIVERGE


def test_tallies_from_known_fixture():
    tallies = tally_steps(["s1", "s2", "s3", "s4", "s5", "s6"], VOICES)
    assert tallies["s1"].counts == {A: 3}
    assert tallies["s1"].agreement is Agreement.AGREE
    assert not tallies["s1"].leader_differs
    assert tallies["s2"].counts == {A: 1, E: 2}
    assert tallies["s2"].agreement is Agreement.DIVERGE
    assert tallies["s2"].leader_differs
    assert tallies["s2"].summary == "Headteacher ✓ · Teacher ✗ · Teaching assistant ✗"
    assert tallies["s3"].agreement is Agreement.MIXED
    assert not tallies["s3"].leader_differs  # the teacher agrees with the headteacher
    assert tallies["s4"].agreement is Agreement.SINGLE
    assert not tallies["s4"].leader_differs  # no staff voice marked it
    assert tallies["s6"].agreement is Agreement.NOT_DISCUSSED


def test_perspective_is_said_not_taken_from_who_came_first():
    """A practitioner listed first (say, interviewed in round 1) is still practice: leadership
    differs from practice only between the voices marked as such."""
    mentee = VoiceLayer("9", "Mentee", PRACTICE, {"s1": E}, role="Mentee")
    principal = VoiceLayer("8", "Vice principal", LEAD, {"s1": A}, role="Vice principal")
    evaluator_pair = VoiceLayer("7", "Broker & Mentee", None, {"s1": E}, role="Broker & Mentee")
    tally = tally_steps(["s1"], [mentee, principal, evaluator_pair])["s1"]
    assert tally.leader_differs
    assert not tally_steps(["s1"], [mentee, evaluator_pair])["s1"].leader_differs


def test_rounds_are_never_compared_with_each_other():
    """The same teacher marked achieved in round 2 and elusive in round 3: that is change over
    time, not voices diverging."""
    r2 = VoiceLayer("1", "Teacher", PRACTICE, {"s1": A}, round_number=2)
    r3 = VoiceLayer("2", "Teacher", PRACTICE, {"s1": E}, round_number=3)
    head3 = VoiceLayer("3", "Head", LEAD, {"s1": A}, round_number=2)
    tally = tally_steps(["s1"], [r2, r3])["s1"]
    assert tally.agreement is Agreement.SINGLE and not divergent_steps({"s1": tally})
    # leadership in round 2 and practice in round 3 never meet either
    assert not tally_steps(["s1"], [head3, r3])["s1"].leader_differs


def test_divergent_steps_are_the_ones_worth_a_conversation():
    tallies = tally_steps(["s1", "s2", "s3", "s4", "s5"], VOICES)
    assert [t.step_key for t in divergent_steps(tallies)] == ["s2"]


def test_filter_by_role_or_voice():
    assert filter_voices(VOICES, role="Teacher") == [TEACHER]
    assert filter_voices(VOICES, voice_id="3") == [TA]
    assert filter_voices(VOICES) == VOICES


def test_coverage_names_roles_not_heard_but_not_people_who_are_not_interviewed():
    people = [
        PersonInRound("P01", "Head", "Headteacher", ()),
        PersonInRound("P02", "T1", "Teacher", ()),
        PersonInRound("P03", "TA1", "Teaching assistant"),
        PersonInRound("P04", "Ev", "Evaluator", perspective=Perspective.NOT_INTERVIEWED),
    ]
    from datetime import date

    heard = [
        PersonInRound(p.key, p.label, p.role_label, (date(2026, 1, 1),), p.perspective)
        if p.key in {"P01", "P02"}
        else p
        for p in people
    ]
    coverage = coverage_of_people(heard)
    assert coverage.interviewed_count == 2
    assert coverage.roles_not_heard == ["Teaching assistant"]
    assert coverage.expected_count == 3
    assert [r.interviewed for r in coverage.rows] == [True, True, False, False]


def test_a_withheld_quote_is_not_shown_as_own_words():
    from tocapp.domain.people import WITHHELD_QUOTE, quoted
    from tocapp.domain.voices import VoiceNote

    said = VoiceNote(1, "We talk more now", verbatim=True)
    withheld = VoiceNote(2, quoted("We talk more now", verbatim=True, allowed=False), True)
    assert withheld.text == WITHHELD_QUOTE
    assert said.own_words and not withheld.own_words
    assert not VoiceNote(3, "The interviewer's summary").own_words
