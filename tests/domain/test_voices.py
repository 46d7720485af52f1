"""Tallies, agreement, divergence and coverage from a fixture whose answers are known."""

from tocapp.domain.voices import (
    Agreement,
    Mark,
    VoiceLayer,
    agreement_of,
    coverage_of,
    divergent_steps,
    filter_voices,
    tally_steps,
)

A, P, E = Mark.ACHIEVED, Mark.PARTLY, Mark.ELUSIVE

HEAD = VoiceLayer("1", "Headteacher", True, {"s1": A, "s2": A, "s3": P, "s4": A})
TEACHER = VoiceLayer("2", "Teacher", False, {"s1": A, "s2": E, "s3": P})
TA = VoiceLayer("3", "Teaching assistant", False, {"s1": A, "s2": E, "s3": E, "s5": P})
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


def test_divergent_steps_are_the_ones_worth_a_conversation():
    tallies = tally_steps(["s1", "s2", "s3", "s4", "s5"], VOICES)
    assert [t.step_key for t in divergent_steps(tallies)] == ["s2"]


def test_filter_by_role_or_voice():
    assert filter_voices(VOICES, role="Teacher") == [TEACHER]
    assert filter_voices(VOICES, voice_id="3") == [TA]
    assert filter_voices(VOICES) == VOICES


def test_coverage_names_roles_not_heard():
    people = [("Head", "Headteacher"), ("T1", "Teacher"), ("TA1", "Teaching assistant")]
    coverage = coverage_of(people, {"Head", "T1"})
    assert coverage.interviewed_count == 2
    assert coverage.roles_not_heard == ["Teaching assistant"]
    assert [r.interviewed for r in coverage.rows] == [True, True, False]
