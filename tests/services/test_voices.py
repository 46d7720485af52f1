"""Return interviews: freezing, new versions, each voice's annotations, undo and coverage."""

from __future__ import annotations

from datetime import date

import pytest

from tocapp.domain.errors import DomainError
from tocapp.extensions import db
from tocapp.models import FlowchartVersion
from tocapp.services import flowcharts, interviews, voices
from tocapp.services.coverage import study_coverage
from tocapp.services.errors import StaleEditError
from tocapp.services.flowcharts import StepFields
from tocapp.services.versions import start_next_version
from tocapp.services.voice_read import voice_of as voice_layer


@pytest.fixture
def mapped(make_setting, make_participant, make_interview):
    """A setting with a leader's round-1 map of three steps and two arrows, and two staff."""
    setting = make_setting()
    head = make_participant(setting=setting, role_label="Headteacher")
    teacher = make_participant(setting=setting, role_label="Teacher")
    make_participant(setting=setting, role_label="Teaching assistant")
    make_interview(participant=head)
    version = flowcharts.current_version(db.session, setting)
    group = setting.project.groups[0].id
    steps = [
        flowcharts.add_step(db.session, None, version, StepFields(theme, group, text))
        for theme, text in [
            ("situation", "Few trained"),
            ("action", "Coaching"),
            ("outcome", "Confident staff"),
        ]
    ]
    flowcharts.add_link(db.session, None, version, steps[0].id, steps[1].id)
    flowcharts.add_link(db.session, None, version, steps[1].id, steps[2].id)
    db.session.commit()
    return {
        "setting": setting,
        "head": head,
        "teacher": teacher,
        "version": version,
        "steps": steps,
    }


def _return_interview(setting, participant, held_on=date(2026, 7, 20)):
    return_round = setting.project.rounds[1]
    interview = voices.start_return_interview(
        db.session,
        None,
        setting,
        interviews.InterviewFields(
            round_id=return_round.id,
            held_on=held_on,
            mode="face-to-face",
            people=[(participant.id, participant.role_label)],
        ),
    )
    db.session.commit()
    return interview


def test_a_version_is_frozen_on_its_earliest_interview_whatever_order_they_are_typed_in(mapped):
    """The teacher's interview of 22 July is typed up first, the teaching assistant's of 26 May
    afterwards: the chart was first shown on 26 May. Moving that interview later moves it back."""
    setting = mapped["setting"]
    _return_interview(setting, mapped["teacher"], date(2026, 7, 22))
    ta = next(p for p in setting.participants if p.role_label == "Teaching assistant")
    earlier = _return_interview(setting, ta, date(2026, 5, 26))
    version = mapped["version"]
    assert version.frozen_at.date() == date(2026, 5, 26)
    fields = interviews.InterviewFields(
        round_id=earlier.round_id,
        held_on=date(2026, 9, 1),
        mode="video",
        people=[(ta.id, "Teaching assistant")],
    )
    interviews.update_interview(db.session, None, earlier, fields)
    assert version.frozen_at.date() == date(2026, 7, 22)


def test_starting_a_return_interview_freezes_the_version(mapped):
    interview = _return_interview(mapped["setting"], mapped["teacher"])
    assert interview.version_id == mapped["version"].id
    assert mapped["version"].is_frozen
    with pytest.raises(DomainError, match="frozen"):
        flowcharts.add_step(
            db.session,
            None,
            mapped["version"],
            StepFields("situation", mapped["steps"][0].group_id, "Late edit"),
        )


def test_new_version_after_freezing_leaves_annotations_on_the_old(mapped):
    interview = _return_interview(mapped["setting"], mapped["teacher"])
    first = mapped["steps"][0]
    voices.set_mark(db.session, None, interview, first.id, "achieved")
    db.session.commit()
    new = start_next_version(db.session, None, mapped["setting"])
    db.session.commit()
    assert new.number == 2 and not new.is_frozen
    assert [s.lineage for s in new.steps] == [s.lineage for s in mapped["version"].steps]
    assert len(new.links) == 2
    flowcharts.update_step(
        db.session,
        None,
        new.steps[0],
        StepFields("situation", first.group_id, "Reworded in version 2"),
    )
    db.session.commit()
    db.session.refresh(interview)
    assert interview.version.number == 1
    assert interview.marks[0].step.text == "Few trained"
    assert interview.marks[0].step.version_id == mapped["version"].id


def test_a_voice_never_changes_the_leaders_map(mapped):
    interview = _return_interview(mapped["setting"], mapped["teacher"])
    steps = mapped["steps"]
    added = voices.add_voice_step(
        db.session,
        None,
        interview,
        voices.VoiceStepFields("outcome", steps[0].group_id, "Watching myself was uncomfortable"),
    )
    voices.add_voice_link(
        db.session, None, interview, steps[1].id, added.id, "Because of the video"
    )
    db.session.commit()
    version = db.session.get(FlowchartVersion, mapped["version"].id)
    db.session.expire(version)
    assert len(version.steps) == 3
    assert len(version.links) == 2
    assert [s.text for s in interview.added_steps] == ["Watching myself was uncomfortable"]
    layer = voice_layer(interview)
    assert layer.links[0].note == "Because of the video"
    assert not layer.is_leader


def test_marks_notes_and_their_rules(mapped):
    interview = _return_interview(mapped["setting"], mapped["teacher"])
    steps = mapped["steps"]
    voices.set_mark(db.session, None, interview, steps[0].id, "achieved")
    voices.set_mark(db.session, None, interview, steps[0].id, "elusive")
    note = voices.add_note(
        db.session, None, interview, "I trusted them", verbatim=True, step_id=steps[0].id
    )
    thread = voices.add_note(db.session, None, interview, "A grander plan than I knew")
    db.session.commit()
    layer = voice_layer(interview)
    assert layer.marks == {str(steps[0].id): "elusive"}
    assert [n.number for n in layer.notes] == [1, 2]
    assert layer.notes_on(str(steps[0].id))[0].verbatim
    assert [n.text for n in layer.thread_notes] == [thread.text]
    with pytest.raises(DomainError, match="mark"):
        voices.set_mark(db.session, None, interview, steps[0].id, "excellent")
    with pytest.raises(DomainError, match="not on the flowchart"):
        voices.set_mark(db.session, None, interview, 999_999, "achieved")
    with pytest.raises(DomainError, match="at most"):
        voices.add_note(db.session, None, interview, "x" * 5000)
    with pytest.raises(DomainError, match="same step"):
        voices.add_voice_link(db.session, None, interview, steps[0].id, steps[0].id)
    with pytest.raises(DomainError, match="already"):
        voices.add_voice_link(db.session, None, interview, steps[0].id, steps[1].id)
    with pytest.raises(StaleEditError):
        voices.edit_note(
            db.session, None, note, "changed", False, expected_revision=note.revision - 1
        )


def test_arrow_to_a_step_of_another_setting_is_refused(mapped, make_setting):
    interview = _return_interview(mapped["setting"], mapped["teacher"])
    other = make_setting(project=mapped["setting"].project)
    version = flowcharts.current_version(db.session, other)
    foreign = flowcharts.add_step(
        db.session, None, version, StepFields("action", mapped["steps"][0].group_id, "Elsewhere")
    )
    db.session.commit()
    with pytest.raises(DomainError, match="this flowchart version"):
        voices.add_voice_link(db.session, None, interview, mapped["steps"][0].id, foreign.id)


def test_undo_reverts_each_kind_of_action_in_turn(mapped):
    interview = _return_interview(mapped["setting"], mapped["teacher"])
    steps = mapped["steps"]
    voices.set_mark(db.session, None, interview, steps[0].id, "achieved")
    voices.set_mark(db.session, None, interview, steps[0].id, "partly")
    note = voices.add_note(db.session, None, interview, "first words")
    voices.edit_note(db.session, None, note, "second words", False, note.revision)
    voices.add_voice_link(db.session, None, interview, steps[2].id, steps[0].id)
    db.session.commit()

    assert voices.undo_last(db.session, None, interview) == "Drew a new arrow"
    assert interview.added_links == []
    voices.undo_last(db.session, None, interview)
    assert note.text == "first words"
    voices.undo_last(db.session, None, interview)
    assert interview.notes == []
    voices.undo_last(db.session, None, interview)
    assert voice_layer(interview).marks == {str(steps[0].id): "achieved"}
    voices.undo_last(db.session, None, interview)
    assert voice_layer(interview).marks == {}
    assert voices.undo_last(db.session, None, interview) is None


def test_coverage_per_setting_and_round(mapped):
    setting = mapped["setting"]
    _return_interview(setting, mapped["teacher"])
    first, second = (r.settings[0].coverage for r in study_coverage(db.session, setting.project))
    assert second.interviewed_count == 1
    assert second.roles_not_heard == ["Headteacher", "Teaching assistant"]
    assert first.roles_not_heard == ["Teacher", "Teaching assistant"]


def test_return_interview_needs_a_map(make_setting, make_participant):
    setting = make_setting()
    person = make_participant(setting=setting)
    with pytest.raises(DomainError, match="Map this setting"):
        _return_interview(setting, person)


def test_a_version_whose_only_interview_is_withdrawn_keeps_no_trace_of_its_date(mapped):
    """The only return interview on version 1 is withdrawn: the newest version opens again;
    had a version 2 been started from it, version 1 would be dated when it was superseded."""
    from tocapp.services.withdrawals import WithdrawalRequest, withdraw_participant

    setting = mapped["setting"]
    _return_interview(setting, mapped["teacher"], date(2026, 3, 17))
    version = mapped["version"]
    assert version.frozen_at.date() == date(2026, 3, 17)
    owner = setting.project.memberships[0].user
    withdraw_participant(db.session, owner, mapped["teacher"], WithdrawalRequest(date(2026, 4, 1)))
    db.session.commit()
    assert db.session.get(type(version), version.id).frozen_at is None
