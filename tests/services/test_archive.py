"""The study archive: a study exported and imported elsewhere is the same study, every string
kept; a pseudonymised archive names no one; a broken or hostile archive changes nothing.

``canonical`` reads a study straight from the tables, not through the archive code, with every
id replaced by what the row is (a setting by its code, a step by its version and lineage, …).
Two studies are the same when their canonical forms are equal; and a column the archive does not
carry fails the round trip, so a column added later cannot be forgotten silently.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tocapp.domain.errors import DomainError
from tocapp.extensions import db
from tocapp.models import (
    AnnotationAction,
    Answer,
    FlowchartVersion,
    Interview,
    InterviewParticipant,
    Link,
    Membership,
    Participant,
    Project,
    ProjectGroup,
    Round,
    Schedule,
    ScheduleQuestion,
    Setting,
    Step,
    StepMark,
    User,
    VoiceNote,
    Withdrawal,
)
from tocapp.services import (
    interviews,
    participants,
    schedules,
    studies,
    versions,
    voices,
    withdrawals,
)
from tocapp.services.archive import ArchiveError, import_study, study_archive
from tocapp.services.demo import load_demo_study

REAL_NAME = "Philippa Quenby-Marsh"
EMAIL = "p.quenby-marsh@hillside.example"
INTERVIEWER = "Dr Ottoline Fairweather"
SETTING_NAME = "Hillside Nursery School"

# Columns that are not the study itself: ids, a new study's own creation time, a form's one-use
# token, SQLAlchemy's edit counters and the account that recorded a withdrawal (accounts do not
# move). Everything else must arrive as it was.
NOT_MOVED = {
    "id",
    "projects.created_at",
    "interviews.form_token",
    "step_marks.revision",
    "voice_notes.revision",
    "withdrawals.recorded_by_id",
}
# Built-in schedules have a key; a study's own never does (services.schedules.add_schedule).
ALWAYS_EMPTY = {"schedules.key"}
# A pseudonymised archive leaves these out (or puts the setting's code for its name).
IDENTIFYING = {
    "participants.real_name",
    "participants.email",
    "settings.name",
    "interviews.interviewer",
    "withdrawals.recorded_by",
}


MODELS = {m.class_.__tablename__: m.class_ for m in db.Model.registry.mappers}


def ref(obj: Any) -> Any:
    """What a row is, without ids: the key canonical() puts where a foreign key was."""
    match obj:
        case None:
            return None
        case Project():
            return "study"
        case ProjectGroup():
            return ("group", obj.name)
        case Round():
            return ("round", obj.number)
        case Schedule():
            return ("schedule", obj.key or obj.name, obj.project_id is None)
        case Setting():
            return ("setting", obj.code)
        case Participant():
            return ("participant", obj.reference)
        case FlowchartVersion():
            return ("version", obj.setting.code, obj.number)
        case Interview():
            people = tuple(sorted(p.participant.reference for p in obj.people))
            return ("interview", obj.setting.code, obj.round.number, str(obj.held_on), people)
        case Answer():
            return ("answer", ref(obj.interview), obj.number)
        case Step():
            return ("step", ref(obj.version), obj.lineage, ref(obj.interview))
        case Link():
            return ("link", ref(obj.source), ref(obj.target), ref(obj.interview))
        case VoiceNote():
            return ("note", ref(obj.interview), obj.number)
        case ScheduleQuestion():
            return ("question", ref(obj.schedule), obj.number)
    raise TypeError(type(obj).__name__)


def rows_of(session: Session, project: Project) -> dict[type, list[Any]]:
    """Every row that belongs to the study, by model (memberships aside: they do not move)."""
    settings = list(project.settings)
    interviews_ = [i for s in settings for i in s.interviews]
    versions_ = [v for s in settings for v in s.versions]
    version_ids = [v.id for v in versions_] or [0]
    own = list(session.scalars(select(Schedule).where(Schedule.project_id == project.id)))
    return {
        Project: [project],
        ProjectGroup: list(project.groups),
        Round: list(project.rounds),
        Schedule: own,
        ScheduleQuestion: [q for s in own for q in s.questions],
        Setting: settings,
        Participant: [p for s in settings for p in s.participants],
        Interview: interviews_,
        InterviewParticipant: [p for i in interviews_ for p in i.people],
        Answer: [a for i in interviews_ for a in i.answers],
        FlowchartVersion: versions_,
        Step: list(session.scalars(select(Step).where(Step.version_id.in_(version_ids)))),
        Link: list(session.scalars(select(Link).where(Link.version_id.in_(version_ids)))),
        StepMark: [m for i in interviews_ for m in i.marks],
        VoiceNote: [n for i in interviews_ for n in i.notes],
        AnnotationAction: [a for i in interviews_ for a in i.actions],
        Withdrawal: list(
            session.scalars(select(Withdrawal).where(Withdrawal.project_id == project.id))
        ),
    }


def canonical(session: Session, project: Project, leave_out: set[str] = frozenset()) -> dict:
    """The study as nested plain data: per table, its rows (every column) sorted, with each
    foreign key replaced by ``ref`` of the row it points at."""
    session.expire_all()
    out: dict[str, list[str]] = {}
    for model, rows in rows_of(session, project).items():
        table = model.__table__
        dumped = []
        for row in rows:
            values: dict[str, Any] = {}
            for column in table.columns:
                name = f"{table.name}.{column.name}"
                if column.name in NOT_MOVED or name in NOT_MOVED or name in leave_out:
                    continue
                value = getattr(row, column.key)
                if column.foreign_keys and value is not None:
                    (key,) = column.foreign_keys
                    value = ref(session.get(MODELS[key.column.table.name], value))
                elif name == "annotation_actions.undo":
                    value = _undo(session, value)
                elif name == "flowchart_versions.group_order" and value is not None:
                    value = [ref(session.get(ProjectGroup, i)) for i in value]
                values[column.name] = value
            dumped.append(json.dumps(values, default=str, sort_keys=True, ensure_ascii=False))
        out[table.name] = sorted(dumped)
    return out


def _undo(session: Session, undo: dict[str, Any]) -> dict[str, Any]:
    models = {"step_id": Step, "note_id": VoiceNote, "link_id": Link}
    return {
        k: ref(session.get(models[k], v) if v else None) if k in models else v
        for k, v in undo.items()
    }


@pytest.fixture
def demo(app: Any, tmp_path: Any) -> Project:
    """The demo study, with what it lacks added: a real name and e-mail address, a study's own
    schedule used in an interview, a second flowchart version with an edited step, an edited
    note, an undone action, and a participant who withdrew keeping what came before a date."""
    login = load_demo_study(db.session)
    project = db.session.get(Project, login.project_id)
    nur = next(s for s in project.settings if s.code == "NUR")
    nur.name = SETTING_NAME
    project.personal_data_until = date(2030, 8, 31)
    _head, assistant, teacher = nur.participants
    teacher.real_name, teacher.email, teacher.consent_record = REAL_NAME, EMAIL, True
    for interview in nur.interviews:
        interview.interviewer = INTERVIEWER
    schedule = schedules.add_schedule(
        db.session, None, project, "Our own", "Asked at the end", ["What of {partner}?"]
    )
    schedule.questions[0].stimulus = "Show the card"
    interviews.record_interview(
        db.session,
        None,
        nur,
        interviews.InterviewFields(
            round_id=project.rounds[0].id,
            held_on=date(2015, 2, 3),
            mode="telephone",
            schedule_id=schedule.id,
            people=[(teacher.id, "Nursery class teacher")],
            notes={1: "A later word."},
        ),
    )
    voice = next(i for i in nur.interviews if i.version is not None and i.notes)
    voices.edit_note(db.session, None, voice.notes[0], "Edited words", True, 1)
    voices.add_note(db.session, None, voice, "On an arrow", link_id=voice.version.links[0].id)
    voices.add_note(db.session, None, voice, "Taken back")
    voices.undo_last(db.session, None, voice)
    version = versions.start_next_version(db.session, None, nur)
    version.steps[0].text = "A step said again, in version 2"
    version.links[0].label = "because"
    # Reordered after version 1 was frozen: version 1 keeps the order it was shown in.
    studies.set_groups(project, list(reversed(project.group_names)))
    withdrawals.withdraw_participant(  # keeps her return interview of 21 July
        db.session,
        db.session.scalars(select(User).where(User.email == login.email)).one(),
        assistant,
        withdrawals.WithdrawalRequest(
            withdrawn_on=date(2015, 9, 1), scope=withdrawals.AFTER, keep_before=date(2015, 7, 22)
        ),
        reports_dir=tmp_path / "reports",
        render_cache_dir=tmp_path / "cache",
    )
    db.session.commit()
    return project


@pytest.fixture
def importer(make_user: Callable[..., User]) -> User:
    return make_user(email="importer@elsewhere.test", name="Importer")


def test_every_column_the_archive_carries_is_filled_in_the_round_trip_study(demo):
    """Else the round trip below could pass on a column the archive forgets: a new column
    must be moved (or listed in NOT_MOVED) and given a value in the ``demo`` fixture."""
    empty = []
    for model, rows in rows_of(db.session, demo).items():
        for column in model.__table__.columns:
            name = f"{model.__tablename__}.{column.name}"
            if column.name in NOT_MOVED or name in NOT_MOVED or name in ALWAYS_EMPTY:
                continue
            if not any(getattr(row, column.key) not in (None, "", False, 0, {}) for row in rows):
                empty.append(name)
    assert empty == [], empty


def test_an_identified_round_trip_keeps_everything_but_ids(demo, importer):
    before = canonical(db.session, demo)
    assert before["withdrawals"] and before["schedules"] and before["annotation_actions"]
    assert len(before["flowchart_versions"]) == 3
    copy = import_study(db.session, importer, study_archive(db.session, demo, identified=True))
    db.session.commit()
    assert copy.id != demo.id
    assert canonical(db.session, copy) == before
    owners = db.session.scalars(select(Membership).where(Membership.project_id == copy.id)).all()
    assert [(m.user_id, m.role) for m in owners] == [(importer.id, "owner")]


def test_a_pseudonymised_round_trip_keeps_everything_but_names(demo, importer):
    data = study_archive(db.session, demo, identified=False)
    copy = import_study(db.session, importer, data)
    db.session.commit()
    assert canonical(db.session, copy, IDENTIFYING) == canonical(db.session, demo, IDENTIFYING)
    people = [p for s in copy.settings for p in s.participants]
    assert {(p.real_name, p.email) for p in people} == {("", "")}
    assert [s.name for s in copy.settings] == [s.code for s in copy.settings]
    assert {i.interviewer for s in copy.settings for i in s.interviews} == {""}


def test_undo_goes_on_working_after_an_import(demo, importer):
    copy = import_study(db.session, importer, study_archive(db.session, demo, identified=True))
    db.session.commit()
    nur = next(s for s in copy.settings if s.code == "NUR")
    voice = next(i for i in nur.interviews if any(n.text == "On an arrow" for n in i.notes))
    edited = next(n for n in voice.notes if n.text == "Edited words")
    on_arrow = next(n for n in voice.notes if n.text == "On an arrow")
    assert on_arrow.link is not None and on_arrow.link.interview_id is None
    assert voices.undo_last(db.session, None, voice) == f"Added note {on_arrow.number}"
    assert [n.text for n in voice.notes if n.text == "On an arrow"] == []
    assert voices.undo_last(db.session, None, voice) == f"Edited note {edited.number}"
    assert edited.text != "Edited words"


def _names_in(data: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return data + archive.read("study.json") + archive.read("manifest.json")


def test_a_pseudonymised_archive_names_no_one_and_says_so(demo):
    data = study_archive(db.session, demo, identified=False)
    content = _names_in(data)
    names = [REAL_NAME, EMAIL, INTERVIEWER, SETTING_NAME, "Demo evaluator"]
    for name in names:
        assert name.encode() not in content, name
    manifest = json.loads(zipfile.ZipFile(io.BytesIO(data)).read("manifest.json"))
    assert manifest["audience"] == "research"
    assert manifest["format_version"] == 2 and manifest["tocapp_version"]
    assert len(manifest["schema_revision"]) == 12  # the newest Alembic revision shipped
    identified = _names_in(study_archive(db.session, demo, identified=True))
    assert REAL_NAME.encode() in identified and EMAIL.encode() in identified
    assert b'"audience": "identified"' in identified


HOSTILE = [
    '<script>alert("x")</script>',
    'a "quoted" \\ back\\slash {curly} | pipe',
    "emoji 🧒🏽👩‍🏫 and ∑",
    "Ysgol Gymraeg – ŵ ŷ",
    "مدرسة",
    "line one\nline two\ttabbed",
]


def test_hostile_text_arrives_exactly(app, make_user, importer):
    owner = make_user()
    many = " ".join(HOSTILE).replace("\n", " ").replace("\t", " ")
    project = studies.create_project(
        db.session,
        owner,
        studies.ProjectFields(title=HOSTILE[3], focus=HOSTILE[1], intervention=HOSTILE[5]),
        groups=[HOSTILE[4], HOSTILE[2]],
    )
    setting = studies.add_setting(
        db.session, None, project, studies.SettingFields(HOSTILE[0], "YG-1", HOSTILE[4])
    )
    person = participants.add_participant(
        db.session,
        None,
        setting,
        participants.ParticipantFields(
            HOSTILE[3], "leadership", HOSTILE[2], HOSTILE[4], consent_participate=True
        ),
    )
    from tocapp.services import flowcharts
    from tocapp.services.schedules import schedules_for

    first = interviews.record_interview(
        db.session,
        None,
        setting,
        interviews.InterviewFields(
            project.rounds[0].id,
            date(2026, 1, 5),
            "video",
            interviewer=HOSTILE[1],
            schedule_id=schedules_for(db.session, project)[0].id,
            people=[(person.id, HOSTILE[0])],
            notes={1: "\n".join(HOSTILE)},
        ),
    )
    version = flowcharts.current_version(db.session, setting)
    group = project.groups[0].id
    fields = flowcharts.StepFields("situation", group, many, first.answers[0].id, HOSTILE[5])
    a = flowcharts.add_step(db.session, None, version, fields)
    b = flowcharts.add_step(
        db.session, None, version, flowcharts.StepFields("outcome", group, HOSTILE[2])
    )
    flowcharts.add_link(db.session, None, version, a.id, b.id, HOSTILE[1])
    voice = voices.start_return_interview(
        db.session,
        None,
        setting,
        interviews.InterviewFields(
            project.rounds[1].id, date(2026, 7, 5), "telephone", people=[(person.id, HOSTILE[4])]
        ),
    )
    voices.set_mark(db.session, None, voice, a.id, "elusive")
    voices.add_note(db.session, None, voice, "\n".join(HOSTILE), True, step_id=a.id)
    voices.add_voice_link(db.session, None, voice, b.id, a.id, HOSTILE[0])
    voices.add_voice_step(
        db.session, None, voice, voices.VoiceStepFields("action", group, HOSTILE[3])
    )
    db.session.commit()
    copy = import_study(db.session, importer, study_archive(db.session, project, True))
    db.session.commit()
    assert canonical(db.session, copy) == canonical(db.session, project)
    assert copy.title == HOSTILE[3] and copy.group_names == [HOSTILE[4], HOSTILE[2]]
    assert copy.settings[0].interviews[0].answers[0].notes == "\n".join(HOSTILE)


# Refusals: each breaks a good archive one way; import_study refuses before adding anything.


def _unpack(data: bytes) -> tuple[dict, dict]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return json.loads(archive.read("manifest.json")), json.loads(archive.read("study.json"))


def _pack(manifest: dict, study: dict | bytes, checksum: bool = True) -> bytes:
    body = study if isinstance(study, bytes) else json.dumps(study).encode()
    if checksum:
        manifest = {**manifest, "study_sha256": hashlib.sha256(body).hexdigest()}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", json.dumps(manifest))
        archive.writestr("study.json", body)
    return out.getvalue()


def _voice(study: dict) -> dict:
    return next(i for s in study["settings"] for i in s["interviews"] if i["marks"])


def _shown_version(study: dict) -> dict:
    voice = _voice(study)
    versions = [v for s in study["settings"] for v in s["versions"]]
    return next(v for v in versions if v["key"] == voice["version"])


def _other_version_step(study: dict) -> str:
    setting = next(s for s in study["settings"] if len(s["versions"]) > 1)
    return setting["versions"][1]["steps"][0]["key"]


def _first_link(study: dict) -> dict:
    setting = next(s for s in study["settings"] if len(s["versions"]) > 1)
    return setting["versions"][0]["links"][0]


def _first_step(study: dict) -> dict:
    return study["settings"][0]["versions"][0]["steps"][0]


BREAKAGES: dict[str, tuple[Callable[[dict, dict], Any], str]] = {
    "a frozen lane of no group": (
        lambda m, s: _shown_version(s)["groups"].append("Governors"),
        "the group “Governors” is not one of the study's",
    ),
    "a frozen lane twice": (
        lambda m, s: _shown_version(s)["groups"].append(_shown_version(s)["groups"][0].upper()),
        "appears twice",
    ),
    "a newer format": (lambda m, s: m.update(format_version=3), "format version is 3"),
    "another kind of file": (lambda m, s: m.update(format="something-else"), "does not describe"),
    "a mark on a missing step": (
        lambda m, s: _voice(s)["marks"][0].update(step="step-999999"),
        "marks[0].step): it refers to a step on the chart shown that is not in the archive",
    ),
    "an arrow to another version's step": (
        lambda m, s: _first_link(s).update(target=_other_version_step(s)),
        "refers to a step of the same chart that is not in the archive",
    ),
    "an unknown participant": (
        lambda m, s: _voice(s)["people"][0].update(participant="participant-0"),
        "no such participant",
    ),
    "a step text too long": (
        lambda m, s: _first_step(s).update(text="x" * 501),
        "501 characters long, and at most 500",
    ),
    "a title too long": (lambda m, s: s["study"].update(title="t" * 201), "at most 200"),
    "a control character": (
        lambda m, s: s["settings"][0].update(kind="Nursery\x00"),
        "control character (U+0000)",
    ),
    "an unknown theme": (
        lambda m, s: _first_step(s).update(theme="vibes"),
        "“vibes” is not one of: situation, action, outcome",
    ),
    "an unknown perspective": (
        lambda m, s: s["settings"][0]["participants"][0].update(perspective="boss"),
        "“boss” is not one of",
    ),
    "a missing field": (lambda m, s: s["study"].pop("groups"), "“groups” is missing"),
    "an unknown field": (lambda m, s: s["study"].update(colour="red"), "“colour” is not known"),
    "a number as text": (lambda m, s: s["rounds"][0].update(number="1"), "whole number"),
    "a bad date": (lambda m, s: s["rounds"][0].update(planned_on="31/12/2026"), "a date"),
    "a repeated key": (
        lambda m, s: _first_step(s).update(key=s["settings"][0]["participants"][0]["key"]),
        "names two objects",
    ),
    "a self loop": (
        lambda m, s: _first_link(s).update(target=_first_link(s)["source"]),
        "starts and ends at the same step",
    ),
    "a repeated note number": (
        lambda m, s: [n.update(number=1) for n in _voice(s)["notes"]],
        "note number “1” appears twice",
    ),
    "an unfrozen version shown at an interview": (
        lambda m, s: _shown_version(s).update(frozen_at=None),
        "a version shown at a return interview is frozen",
    ),
    "someone not interviewed in an interview": (
        lambda m, s: _voice(s)["people"][0].update(perspective="not interviewed"),
        "“not interviewed” is not one of: leadership, practice",
    ),
    "a lower-case setting code": (
        lambda m, s: s["settings"][0].update(code="nur"),
        "upper case",
    ),
}


@pytest.mark.parametrize("breakage", BREAKAGES)
def test_a_broken_archive_is_refused_before_anything_is_added(demo, importer, breakage):
    manifest, study = _unpack(study_archive(db.session, demo, identified=False))
    change, message = BREAKAGES[breakage]
    change(manifest, study)
    _refused(_pack(manifest, study), message)


def _refused(data: bytes, message: str) -> None:
    studies_before = db.session.scalar(select(func.count()).select_from(Project))
    user = db.session.scalars(select(User).where(User.email == "importer@elsewhere.test")).one()
    with pytest.raises(ArchiveError) as refusal:
        import_study(db.session, user, data)
    assert message in str(refusal.value)
    assert str(refusal.value).startswith("This archive cannot be imported")
    assert str(refusal.value).endswith("Nothing was changed.")
    assert not db.session.new and not db.session.dirty
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Project)) == studies_before


def test_an_archive_of_format_1_gives_frozen_versions_the_studys_group_order(demo, importer):
    manifest, study = _unpack(study_archive(db.session, demo, identified=True))
    for setting in study["settings"]:
        for version in setting["versions"]:
            del version["groups"]
    copy = import_study(db.session, importer, _pack({**manifest, "format_version": 1}, study))
    db.session.commit()
    order = [g.id for g in copy.groups]
    frozen = [v for s in copy.settings for v in s.versions if v.frozen_at is not None]
    assert frozen and {tuple(v.group_order or ()) for v in frozen} == {tuple(order)}
    assert all(v.group_order is None for s in copy.settings for v in s.versions if not v.frozen_at)


def test_files_that_are_not_archives_are_refused(demo, importer):
    manifest, study = _unpack(study_archive(db.session, demo, identified=False))
    _refused(b"just some text", "not a tocapp study archive (a .zip file)")
    _refused(_pack(manifest, b"{not json", checksum=True), "study.json is not valid JSON")
    _refused(_pack(manifest, b"[" * 100_000, checksum=True), "study.json is not valid JSON")
    _refused(_pack(manifest, b"\xff\xfe", checksum=True), "study.json is not valid JSON")
    _refused(_pack(manifest, {**study, "rounds": []}, checksum=False), "checksum")
    _refused(_pack({**manifest, "format_version": "1"}, study), 'format version is "1"')
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("study.json", json.dumps(study))
    _refused(out.getvalue(), "holds manifest.json and study.json and nothing else")
    repeated = _pack(manifest, b'{"study": 1, "study": 2}')
    _refused(repeated, "names the same field twice")


def test_a_zip_bomb_is_refused_without_inflating_it(demo, importer, monkeypatch):
    """study.json stated (truly) as 65 MB of spaces: refused from the zip's directory."""
    manifest, _ = _unpack(study_archive(db.session, demo, identified=False))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", json.dumps(manifest))
        with archive.open("study.json", "w") as member:
            for _ in range(65):
                member.write(b" " * 2**20)
    assert len(out.getvalue()) < 2**20  # small enough to pass any upload limit
    read_sizes: list[int] = []
    real_read = zipfile.ZipExtFile.read
    monkeypatch.setattr(
        zipfile.ZipExtFile, "read", lambda self, n=-1: read_sizes.append(n) or real_read(self, n)
    )
    _refused(out.getvalue(), "study.json is bigger than this server accepts")
    assert all(n <= 64 * 1024 + 1 for n in read_sizes)  # the manifest only


def test_too_big_a_file_is_refused_unread(demo, importer):
    _refused(b"PK" + b"\0" * (64 * 2**20), "the file is bigger than 64 MB")


def test_no_archive_is_made_that_another_server_would_refuse(demo):
    """A value written before today's limits (here straight into the table) is found on the
    owner's server, where it can be corrected, not on the one importing it."""
    step = db.session.scalars(select(Step)).first()
    step.text = "x" * 600
    db.session.commit()
    with pytest.raises(DomainError) as refusal:
        study_archive(db.session, demo, identified=False)
    assert str(refusal.value).startswith("No archive was made")
    assert "600 characters long, and at most 500" in str(refusal.value)
