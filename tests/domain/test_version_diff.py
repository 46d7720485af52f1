"""Comparing two versions of a chart from a known pair whose differences are written down here."""

from dataclasses import replace

from tocapp.domain.theory import Flowchart, Link, Step, Theme
from tocapp.domain.version_diff import diff_versions

S, A, OUT = Theme.SITUATION, Theme.ACTION, Theme.OUTCOME
GROUPS = ("Staff", "Children", "Parents")

# Version 1: keys are database ids (1…5); lineages name the same step across versions.
V1 = Flowchart(
    "NUR flowchart, version 1",
    GROUPS,
    (
        Step("1", S, "Children", "85% learn English as an additional language", lineage="eal"),
        Step("2", S, "Staff", "Few trained", lineage="training"),
        Step("3", A, "Staff", "Video coaching", lineage="video"),
        Step("4", A, "Staff", "Audit by CLARITY", lineage="audit"),
        Step("5", OUT, "Staff", "Practitioners more confident", lineage="confident"),
    ),
    (Link("2", "3"), Link("3", "5"), Link("4", "3", "so that")),
)

# Version 2, written out by hand: every key is new (copies get new ids), and
# - "training" is reworded;  - "confident" moves from Staff to Parents (same words);
# - "audit" is removed, and with it the arrow audit → video;
# - "peer" is added, with a new arrow peer → confident;
# - the arrow training → video gains a label; video → confident is unchanged.
V2 = Flowchart(
    "NUR flowchart, version 2",
    GROUPS,
    (
        Step("11", S, "Children", "85% learn English as an additional language", lineage="eal"),
        Step("12", S, "Staff", "Few practitioners trained in communication", lineage="training"),
        Step("13", A, "Staff", "Video coaching", lineage="video"),
        Step("15", OUT, "Parents", "Practitioners more confident", lineage="confident"),
        Step("16", A, "Staff", "Peer coaching sessions", lineage="peer"),
    ),
    (Link("12", "13", "leads to"), Link("13", "15"), Link("16", "15")),
)


def test_the_known_pair_gives_the_known_answers():
    diff = diff_versions(V1, V2)
    assert [s.text for s in diff.added] == ["Peer coaching sessions"]
    assert [s.text for s in diff.removed] == ["Audit by CLARITY"]
    assert [(p.old.text, p.new.text) for p in diff.reworded] == [
        ("Few trained", "Few practitioners trained in communication")
    ]
    assert [(p.old.group, p.new.group, p.new.text) for p in diff.moved] == [
        ("Staff", "Parents", "Practitioners more confident")
    ]
    assert [(a.source.text, a.target.text) for a in diff.arrows_added] == [
        ("Peer coaching sessions", "Practitioners more confident")
    ]
    assert [(a.source.text, a.target.text, a.label) for a in diff.arrows_removed] == [
        ("Audit by CLARITY", "Video coaching", "so that")
    ]
    assert [
        (r.source.key, r.target.key, r.old_label, r.new_label) for r in diff.arrows_relabelled
    ] == [("12", "13", "", "leads to")]
    assert not diff.is_empty
    assert diff.summary == (
        "1 step added, 1 step removed, 1 step reworded, 1 step moved to another theme or group, "
        "1 arrow added, 1 arrow removed and 1 arrow relabelled."
    )


def test_ends_of_changed_arrows_are_the_steps_of_the_version_they_belong_to():
    diff = diff_versions(V1, V2)
    assert diff.arrows_removed[0].source.key == "4"  # the old version's step
    assert diff.arrows_added[0].target.key == "15"  # the new version's step


def test_a_copy_with_new_keys_but_the_same_lineages_is_unchanged():
    copy = Flowchart(
        "copy",
        GROUPS,
        tuple(replace(s, key=f"c{s.key}") for s in V1.steps),
        tuple(replace(ln, source=f"c{ln.source}", target=f"c{ln.target}") for ln in V1.links),
    )
    diff = diff_versions(V1, copy)
    assert diff.is_empty
    assert diff.summary == "No changes: the steps and arrows are the same."


def test_same_words_under_a_new_lineage_is_a_removal_and_an_addition():
    renewed = Flowchart(
        "v2", GROUPS, (replace(V1.steps[0], key="9", lineage="someone-else"), *V1.steps[1:])
    )
    diff = diff_versions(Flowchart("v1", GROUPS, V1.steps), renewed)
    assert [s.key for s in diff.added] == ["9"] and [s.key for s in diff.removed] == ["1"]
    assert not diff.reworded


def test_a_step_both_reworded_and_moved_is_listed_in_both():
    old = Flowchart("v1", GROUPS, (Step("1", S, "Staff", "Few trained", lineage="x"),))
    new = Flowchart("v2", GROUPS, (Step("2", A, "Staff", "Train everyone", lineage="x"),))
    diff = diff_versions(old, new)
    assert len(diff.reworded) == 1 and len(diff.moved) == 1
    assert (diff.moved[0].old.theme, diff.moved[0].new.theme) == (S, A)
    assert diff.summary == "1 step reworded and 1 step moved to another theme or group."


def test_reordering_inside_a_cell_is_not_a_change():
    a = Step("1", A, "Staff", "First", lineage="a")
    b = Step("2", A, "Staff", "Second", lineage="b")
    diff = diff_versions(Flowchart("v1", GROUPS, (a, b)), Flowchart("v2", GROUPS, (b, a)))
    assert diff.is_empty


def test_plurals_and_a_single_kind_of_change():
    old = Flowchart("v1", GROUPS, (Step("1", S, "Staff", "One", lineage="1"),))
    new = Flowchart(
        "v2",
        GROUPS,
        (
            Step("1", S, "Staff", "One", lineage="1"),
            Step("2", A, "Staff", "Two", lineage="2"),
            Step("3", OUT, "Staff", "Three", lineage="3"),
        ),
    )
    assert diff_versions(old, new).summary == "2 steps added."
    back = diff_versions(new, old)
    assert back.summary == "2 steps removed."


def test_steps_without_a_lineage_are_matched_by_key():
    old = Flowchart("v1", GROUPS, (Step("k", S, "Staff", "Before"),))
    new = Flowchart("v2", GROUPS, (Step("k", S, "Staff", "After"),))
    diff = diff_versions(old, new)
    assert [(p.old.text, p.new.text) for p in diff.reworded] == [("Before", "After")]
    assert not diff.added and not diff.removed
