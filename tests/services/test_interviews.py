"""Recording and editing interviews: questions as asked, people as they were, nothing half-saved."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from tocapp.domain.errors import DomainError
from tocapp.domain.schedules import COLLABORATION_DEFINITION, PAIRED_COLLABORATION_KEY
from tocapp.extensions import db
from tocapp.models import Interview, Schedule
from tocapp.services import participants
from tocapp.services.errors import StaleEditError
from tocapp.services.interviews import (
    InterviewFields,
    edit_token,
    initial_round,
    mapping_answers,
    mapping_interviews,
    questions_as_asked,
    record_interview,
    update_interview,
)


def _schedule(key: str) -> Schedule:
    return db.session.scalar(select(Schedule).where(Schedule.key == key))


def _fields(setting, who, **overrides) -> InterviewFields:
    values = {
        "round_id": setting.project.rounds[0].id,
        "held_on": date(2026, 1, 20),
        "mode": "telephone",
        "interviewer": "  Ann  ",
        "schedule_id": _schedule("theory-of-change").id,
        "people": [(p.id, p.role_label) for p in who],
        "notes": {1: "Line one\r\nLine two"},
    }
    values.update(overrides)
    return InterviewFields(**values)


def test_questions_are_asked_with_the_studys_focus_and_partner(make_project):
    project = make_project(focus="early reading", partner="Read Together")
    questions = questions_as_asked(project, _schedule("theory-of-change"))
    assert [q.number for q in questions] == [1, 2, 3, 4, 5, 6]
    assert questions[0].text == (
        "In terms of early reading what is the situation you face in your setting?"
    )
    assert "What role is Read Together playing" in questions[2].text
    paired = questions_as_asked(project, _schedule(PAIRED_COLLABORATION_KEY))
    assert len(paired) == 5 and paired[2].stimulus == COLLABORATION_DEFINITION


def test_the_default_round_is_the_first_initial_one(make_project):
    project = make_project()
    assert initial_round(project) is project.rounds[0]
    project.rounds[0].kind = "return"
    assert initial_round(project) is project.rounds[0]  # no initial round: the first one


def test_recording_keeps_the_questions_as_asked_and_tidies_the_notes(make_participant):
    head = make_participant(role_label="Headteacher")
    setting = head.setting
    interview = record_interview(db.session, None, setting, _fields(setting, [head]))
    assert interview.interviewer == "Ann"
    assert interview.answers[0].notes == "Line one\nLine two"
    assert interview.answers[0].question_text.startswith(
        "In terms of speech and language development"
    )
    # Later changes to the study do not rewrite what was asked.
    setting.project.focus = "numeracy"
    db.session.flush()
    db.session.refresh(interview.answers[0])
    assert "speech and language" in interview.answers[0].question_text


def test_the_same_form_token_returns_the_first_interview(make_participant):
    head = make_participant()
    setting = head.setting
    first = record_interview(db.session, None, setting, _fields(setting, [head], form_token="abc"))
    again = record_interview(
        db.session,
        None,
        setting,
        _fields(setting, [head], form_token="abc", notes={1: "Different"}),
    )
    assert again is first
    assert len(db.session.scalars(select(Interview)).all()) == 1


def test_a_form_token_from_another_setting_is_refused(make_participant, make_setting):
    head = make_participant()
    record_interview(
        db.session, None, head.setting, _fields(head.setting, [head], form_token="abc")
    )
    other = make_setting(project=head.setting.project)
    elsewhere = participants.add_participant(
        db.session,
        None,
        other,
        participants.ParticipantFields(role_label="Teacher", perspective="practice"),
    )
    with pytest.raises(DomainError):
        record_interview(db.session, None, other, _fields(other, [elsewhere], form_token="abc"))


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"people": []}, "at least one participant"),
        ({"mode": "carrier pigeon"}, "face-to-face, telephone or video"),
        ({"notes": {1: "x" * 20_001}}, "at most 20,000"),
        ({"interviewer": "x" * 121}, "at most 120"),
    ],
)
def test_a_refused_interview_never_reaches_the_session(make_participant, overrides, message):
    head = make_participant()
    setting = head.setting
    with pytest.raises(DomainError, match=message):
        record_interview(db.session, None, setting, _fields(setting, [head], **overrides))
    assert not [obj for obj in db.session.new if isinstance(obj, Interview)]
    assert setting.interviews == []
    db.session.flush()  # nothing half-built is waiting to be written


def test_participants_must_belong_to_the_setting_and_appear_once(make_participant):
    head = make_participant()
    stranger = make_participant()  # another study's setting
    setting = head.setting
    with pytest.raises(DomainError, match="belong to this setting"):
        record_interview(db.session, None, setting, _fields(setting, [head, stranger]))
    with pytest.raises(DomainError, match="only once"):
        record_interview(
            db.session,
            None,
            setting,
            _fields(setting, [head], people=[(head.id, "A"), (head.id, "B")]),
        )


def test_a_round_of_another_study_is_refused(make_participant, make_project):
    head = make_participant()
    other = make_project()
    with pytest.raises(DomainError, match="rounds"):
        record_interview(
            db.session,
            None,
            head.setting,
            _fields(head.setting, [head], round_id=other.rounds[0].id),
        )


def test_a_paired_interview_keeps_each_role_label_at_the_time(make_participant):
    head = make_participant(role_label="Headteacher")
    deputy = make_participant(setting=head.setting, role_label="Deputy")
    fields = _fields(
        head.setting, [head, deputy], people=[(head.id, ""), (deputy.id, "Acting head")]
    )
    interview = record_interview(db.session, None, head.setting, fields)
    assert [p.role_label for p in interview.people] == ["Headteacher", "Acting head"]


def test_updating_changes_notes_and_people_and_marks_the_interview_changed(make_interview):
    interview = make_interview(notes={1: "Before"})
    setting = interview.setting
    head = interview.people[0].participant
    deputy = participants.add_participant(
        db.session,
        None,
        setting,
        participants.ParticipantFields(
            role_label="Deputy", perspective="leadership", consent_participate=True
        ),
    )
    interview.updated_at -= timedelta(minutes=5)
    db.session.commit()
    opened = edit_token(interview)
    fields = _fields(setting, [head, deputy], notes={1: "After", 2: "New", 99: "Ignored"})
    update_interview(db.session, None, interview, fields, opened=opened)
    assert [a.notes for a in interview.answers[:2]] == ["After", "New"]
    assert len(interview.answers) == 6
    assert [p.participant_id for p in interview.people] == [head.id, deputy.id]
    assert edit_token(interview) != opened  # even though only other rows changed

    update_interview(db.session, None, interview, _fields(setting, [deputy], notes={}))
    assert [p.participant_id for p in interview.people] == [deputy.id]
    assert interview.answers[0].notes == "After"


def test_a_stale_update_is_refused_before_anything_changes(make_interview):
    interview = make_interview(notes={1: "Saved by a colleague"})
    head = interview.people[0].participant
    with pytest.raises(StaleEditError):
        update_interview(
            db.session,
            None,
            interview,
            _fields(interview.setting, [head], mode="video", notes={1: "Mine"}),
            opened="2000-01-01T00:00:00",
        )
    assert interview.answers[0].notes == "Saved by a colleague"
    assert interview.mode == "face-to-face"


def test_mapping_uses_only_initial_round_answers(make_interview):
    first = make_interview()
    setting = first.setting
    head = first.people[0].participant
    record_interview(
        db.session, None, setting, _fields(setting, [head], round_id=setting.project.rounds[1].id)
    )
    assert mapping_interviews(setting) == [first]
    assert mapping_answers(setting) == first.answers
