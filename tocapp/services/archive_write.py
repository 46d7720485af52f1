"""Gathering a whole study into the archive's records (``archive_format``), pseudonymised unless
the owner asked for an identified archive.

Pseudonymised (PRODUCT.md, privacy): participants' real names and e-mail addresses are left out
(their reference, role label and pseudonym stay), a setting's name becomes its code, and the
names of interviewers and of whoever recorded a withdrawal are left out. Interview notes and
quotes are kept whole: the archive moves the study, it is not a report. Keys are the old ids with
a prefix (``"step-17"``), opaque to the importing server.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from tocapp.models import (
    AnnotationAction,
    FlowchartVersion,
    Interview,
    Link,
    Participant,
    Project,
    Schedule,
    Setting,
    Step,
    VoiceNote,
    Withdrawal,
)
from tocapp.services import archive_format as fmt


def gather_study(session: Session, project: Project, identified: bool) -> fmt.StudyArchive:
    """Everything of the study but its members, as archive records."""
    own_schedules = session.scalars(
        select(Schedule).where(Schedule.project_id == project.id).order_by(Schedule.id)
    )
    withdrawals = session.scalars(
        select(Withdrawal).where(Withdrawal.project_id == project.id).order_by(Withdrawal.id)
    )
    groups = dict(project.group_ids_and_names)
    return fmt.StudyArchive(
        study=fmt.StudyRecord(
            title=project.title,
            focus=project.focus,
            partner=project.partner,
            intervention=project.intervention,
            min_group_size=project.min_group_size,
            personal_data_until=project.personal_data_until,
            groups=project.group_names,
        ),
        rounds=[fmt.RoundRecord(r.number, r.title, r.kind, r.planned_on) for r in project.rounds],
        schedules=[_schedule(s) for s in own_schedules],
        settings=[_setting(s, identified, groups) for s in project.settings],
        withdrawals=[_withdrawal(w, identified) for w in withdrawals],
    )


def _key(obj: object) -> str:
    return f"{type(obj).__name__.lower()}-{obj.id}"  # type: ignore[attr-defined]


def _schedule(schedule: Schedule) -> fmt.ScheduleRecord:
    return fmt.ScheduleRecord(
        key=_key(schedule),
        name=schedule.name,
        description=schedule.description,
        questions=[fmt.QuestionRecord(q.number, q.text, q.stimulus) for q in schedule.questions],
    )


def _setting(setting: Setting, identified: bool, groups: dict[int, str]) -> fmt.SettingRecord:
    interviews = sorted(setting.interviews, key=lambda i: (i.held_on, i.id))
    return fmt.SettingRecord(
        name=setting.name if identified else setting.code,
        code=setting.code,
        kind=setting.kind,
        participants=[_participant(p, identified) for p in setting.participants],
        versions=[_version(v, groups) for v in setting.versions],
        interviews=[_interview(i, identified) for i in interviews],
    )


def _participant(person: Participant, identified: bool) -> fmt.ParticipantRecord:
    return fmt.ParticipantRecord(
        key=_key(person),
        number=person.number,
        reference=person.reference,
        perspective=person.perspective,
        role_label=person.role_label,
        pseudonym=person.pseudonym,
        real_name=person.real_name if identified else "",
        email=person.email if identified else "",
        consent_participate=person.consent_participate,
        consent_record=person.consent_record,
        consent_quote=person.consent_quote,
        consent_date=person.consent_date,
        withdrawn_on=person.withdrawn_on,
        created_at=person.created_at,
    )


def _version(version: FlowchartVersion, groups: dict[int, str]) -> fmt.VersionRecord:
    return fmt.VersionRecord(
        key=_key(version),
        number=version.number,
        created_at=version.created_at,
        frozen_at=version.frozen_at,
        steps=[_step(s) for s in _in_order(version.steps)],
        links=[_link(ln) for ln in version.links],
        groups=None
        if version.group_order is None
        else [groups[i] for i in version.group_order if i in groups],
    )


def _in_order(steps: list[Step]) -> list[Step]:
    return sorted(steps, key=lambda s: (s.position, s.id))


def _step(step: Step) -> fmt.StepRecord:
    return fmt.StepRecord(
        key=_key(step),
        theme=step.theme,
        group=step.group.name,
        position=step.position,
        text=step.text,
        lineage=step.lineage,
        source_answer=_key(step.source_answer) if step.source_answer else None,
        source_quote=step.source_quote,
    )


def _link(link: Link) -> fmt.LinkRecord:
    return fmt.LinkRecord(
        key=_key(link),
        source=_key(link.source),
        target=_key(link.target),
        label=link.label,
        note=link.note,
        verbatim=link.verbatim,
    )


def _interview(interview: Interview, identified: bool) -> fmt.InterviewRecord:
    schedule = interview.schedule
    return fmt.InterviewRecord(
        key=_key(interview),
        round=interview.round.number,
        built_in_schedule=schedule.key if schedule and schedule.project_id is None else None,
        schedule=_key(schedule) if schedule and schedule.project_id is not None else None,
        version=_key(interview.version) if interview.version else None,
        held_on=interview.held_on,
        mode=interview.mode,
        interviewer=interview.interviewer if identified else "",
        created_at=interview.created_at,
        updated_at=interview.updated_at,
        people=[
            fmt.PersonRecord(_key(p.participant), p.role_label, p.perspective)
            for p in interview.people
        ],
        answers=[
            fmt.AnswerRecord(_key(a), a.number, a.question_text, a.stimulus, a.notes)
            for a in interview.answers
        ],
        steps=[_step(s) for s in _in_order(interview.added_steps)],
        links=[_link(ln) for ln in interview.added_links],
        marks=[fmt.MarkRecord(_key(m.step), m.mark, m.updated_at) for m in interview.marks],
        notes=[_note(n) for n in interview.notes],
        actions=[_action(a, interview) for a in interview.actions],
    )


def _note(note: VoiceNote) -> fmt.NoteRecord:
    return fmt.NoteRecord(
        key=_key(note),
        number=note.number,
        step=_key(note.step) if note.step else None,
        link=_key(note.link) if note.link else None,
        text=note.text,
        verbatim=note.verbatim,
        created_at=note.created_at,
        updated_at=note.updated_at,
    )


def _action(action: AnnotationAction, interview: Interview) -> fmt.ActionRecord:
    """The undo's database ids become keys; one naming something no longer there becomes null
    (undoing it then does nothing, as it would have here)."""
    undo = action.undo
    version_steps = interview.version.steps if interview.version else []
    known: dict[str, dict[object, str]] = {
        "step_id": {s.id: _key(s) for s in [*version_steps, *interview.added_steps]},
        "note_id": {n.id: _key(n) for n in interview.notes},
        "link_id": {ln.id: _key(ln) for ln in interview.added_links},
    }
    refs = {name: ids.get(undo.get(name)) for name, ids in known.items()}
    return fmt.ActionRecord(
        kind=action.kind,
        description=action.description,
        undo=fmt.UndoRecord(
            step=refs["step_id"],
            note=refs["note_id"],
            link=refs["link_id"],
            mark=_str_or_none(undo.get("mark")),
            text=_str_or_none(undo.get("text")),
            verbatim=bool(undo["verbatim"]) if "verbatim" in undo else None,
        ),
        created_at=action.created_at,
    )


def _str_or_none(value: object) -> str | None:
    return None if value is None else str(value)


def _withdrawal(record: Withdrawal, identified: bool) -> fmt.WithdrawalRecord:
    return fmt.WithdrawalRecord(
        setting_code=record.setting_code,
        participant_reference=record.participant_reference,
        role_label=record.role_label,
        withdrawn_on=record.withdrawn_on,
        scope=record.scope,
        keep_before=record.keep_before,
        source_steps=record.source_steps,
        removed=dict(record.removed),
        recorded_by=record.recorded_by if identified else "",
        recorded_at=record.recorded_at,
    )
