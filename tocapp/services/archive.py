"""The study archive: an owner downloads a whole study as one file and imports it on another
tocapp server as a new study.

The file is a zip holding ``study.json`` (``archive_format.StudyArchive``: everything of the study
but its members) and ``manifest.json`` (format version, tocapp version, schema revision, when,
for which audience, and the SHA-256 of study.json). Gathering is in ``archive_write``; reading
and every check in ``archive_read`` and ``archive_references``. Here the two are packed and
unpacked, and an import is built by plain model construction — not through the services that
check each edit — because frozen versions, note numbers, withdrawn participants and marks must
arrive exactly as they were.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from dataclasses import asdict
from datetime import date, datetime
from functools import lru_cache
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as package_version

from sqlalchemy import select
from sqlalchemy.orm import Session

from tocapp.domain.errors import DomainError
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
from tocapp.models.base import utcnow
from tocapp.models.users import Role
from tocapp.services import archive_format as fmt
from tocapp.services import audit
from tocapp.services.archive_format import ArchiveError
from tocapp.services.archive_read import (
    MANIFEST_MEMBER,
    MAX_STUDY_BYTES,
    STUDY_MEMBER,
    check_study,
    read_archive,
)
from tocapp.services.archive_write import gather_study
from tocapp.services.schedules import ensure_built_in_schedules

__all__ = ["ArchiveError", "archive_audience", "import_study", "study_archive"]


def study_archive(session: Session, project: Project, identified: bool) -> bytes:
    """The whole study as a zip file, pseudonymised unless ``identified``."""
    study = json.dumps(
        asdict(gather_study(session, project, identified)),
        ensure_ascii=False,
        indent=1,
        default=_iso,
    ).encode("utf-8")
    if len(study) > MAX_STUDY_BYTES:  # no server would import it: say so now, not there
        raise DomainError(
            f"This study is bigger ({len(study) // 2**20} MB) than an archive can hold "
            f"({MAX_STUDY_BYTES // 2**20} MB)."
        )
    try:  # the same checks as an import, so every archive made here can be imported
        check_study(json.loads(study))
    except ArchiveError as error:
        raise DomainError(
            "No archive was made: this study holds something another tocapp server would "
            f"refuse ({error.where}: {error.problem}) Correct it, then download again."
        ) from None
    manifest = fmt.Manifest(
        format=fmt.FORMAT_NAME,
        format_version=fmt.FORMAT_VERSION,
        tocapp_version=_tocapp_version(),
        schema_revision=_schema_revision(),
        created_at=utcnow(),
        audience=archive_audience(identified),
        study_sha256=hashlib.sha256(study).hexdigest(),
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(MANIFEST_MEMBER, json.dumps(asdict(manifest), indent=1, default=_iso))
        archive.writestr(STUDY_MEMBER, study)
    return out.getvalue()


def archive_audience(identified: bool) -> str:
    """What the manifest says: ``identified`` (real names) or ``research`` (pseudonymised)."""
    return fmt.AUDIENCES[1] if identified else fmt.AUDIENCES[0]


def _iso(value: object) -> str:
    if isinstance(value, date | datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not part of the archive format")


def _tocapp_version() -> str:
    try:
        return package_version("tocapp")
    except PackageNotFoundError:
        return "unknown"


@lru_cache(maxsize=1)
def _schema_revision() -> str | None:
    """The newest Alembic revision this code ships: the schema the archive was made against."""
    from alembic.script import ScriptDirectory

    from tocapp import _migrations_dir  # the one place that knows where migrations live

    try:
        return ScriptDirectory(_migrations_dir()).get_current_head()
    except Exception:  # noqa: BLE001  (an install without its migrations still exports)
        return None


def import_study(session: Session, actor: User, data: bytes) -> Project:
    """A new study owned by ``actor`` from an archive's bytes; ArchiveError (a DomainError) if
    anything in it is wrong, raised before anything is added to the session."""
    manifest, study = read_archive(data)
    ensure_built_in_schedules(session)
    project = _Builder(session, study).build(actor)
    summary = "Imported from an archive"
    if manifest.audience == archive_audience(identified=True):
        summary += " (identified: with participants' real names)"
    audit.record(
        session, actor, "study.import", project_id=project.id, target=project, summary=summary
    )
    return project


class _Builder:
    """Models from a checked archive: keys become objects, never ids. Flushed in stages (the
    study; its settings, people, interviews and leader's maps; each voice's own items), then the
    undo log, whose saved ids are the new ones."""

    def __init__(self, session: Session, study: fmt.StudyArchive) -> None:
        self.session = session
        self.study = study
        self.steps: dict[str, Step] = {}
        self.links: dict[str, Link] = {}
        self.notes: dict[str, VoiceNote] = {}

    def build(self, actor: User) -> Project:
        spec = self.study.study
        project = Project(
            title=spec.title,
            focus=spec.focus,
            partner=spec.partner,
            intervention=spec.intervention,
            min_group_size=spec.min_group_size,
            personal_data_until=spec.personal_data_until,
        )
        self.session.add(project)
        self.session.add(Membership(project=project, user_id=actor.id, role=Role.OWNER.value))
        project.groups = [ProjectGroup(name=n, position=i) for i, n in enumerate(spec.groups)]
        self.groups = {g.name: g for g in project.groups}
        project.rounds = [
            Round(number=r.number, title=r.title, kind=r.kind, planned_on=r.planned_on)
            for r in self.study.rounds
        ]
        self.rounds = {r.number: r for r in project.rounds}
        self.session.flush()  # the study's id, for its schedules and withdrawal records
        self.schedules = {s.key: self._schedule(project, s) for s in self.study.schedules}
        self.built_in = {
            s.key: s
            for s in self.session.scalars(select(Schedule).where(Schedule.project_id.is_(None)))
        }
        voices = [voice for spec in self.study.settings for voice in self._setting(project, spec)]
        self.session.flush()
        for interview, record in voices:
            self._voice_items(interview, record)
        self.session.flush()
        for interview, record in voices:
            self._actions(interview, record)
        for w in self.study.withdrawals:
            self.session.add(_withdrawal(project, w))
        self.session.flush()
        return project

    def _schedule(self, project: Project, spec: fmt.ScheduleRecord) -> Schedule:
        schedule = Schedule(
            project_id=project.id, key="", name=spec.name, description=spec.description
        )
        schedule.questions = [
            ScheduleQuestion(number=q.number, text=q.text, stimulus=q.stimulus)
            for q in spec.questions
        ]
        self.session.add(schedule)
        return schedule

    def _setting(
        self, project: Project, spec: fmt.SettingRecord
    ) -> list[tuple[Interview, fmt.InterviewRecord]]:
        # Children join their parents' collections: since SQLAlchemy 2.0 only that (not setting
        # a child's parent) brings them into the session.
        setting = Setting(name=spec.name, code=spec.code, kind=spec.kind)
        project.settings.append(setting)
        people = {p.key: _participant(p) for p in spec.participants}
        setting.participants.extend(people.values())
        answers: dict[str, Answer] = {}
        interviews = [
            (self._interview(setting, record, people, answers), record)
            for record in spec.interviews
        ]
        versions = {v.key: self._version(setting, v, answers) for v in spec.versions}
        voices = []
        for interview, record in interviews:
            if record.version is not None:
                interview.version = versions[record.version]
                voices.append((interview, record))
        return voices

    def _interview(
        self,
        setting: Setting,
        spec: fmt.InterviewRecord,
        people: dict[str, Participant],
        answers: dict[str, Answer],
    ) -> Interview:
        schedule = None
        if spec.built_in_schedule is not None:
            schedule = self.built_in[spec.built_in_schedule]
        elif spec.schedule is not None:
            schedule = self.schedules[spec.schedule]
        interview = Interview(
            round=self.rounds[spec.round],
            schedule=schedule,
            held_on=spec.held_on,
            mode=spec.mode,
            interviewer=spec.interviewer,
            created_at=spec.created_at,
            updated_at=spec.updated_at,
        )
        setting.interviews.append(interview)
        interview.people = [
            InterviewParticipant(
                participant=people[p.participant],
                role_label=p.role_label,
                perspective=p.perspective,
            )
            for p in spec.people
        ]
        for a in spec.answers:
            answers[a.key] = Answer(
                number=a.number, question_text=a.question_text, stimulus=a.stimulus, notes=a.notes
            )
            interview.answers.append(answers[a.key])
        return interview

    def _group_order(self, spec: fmt.VersionRecord) -> list[int] | None:
        """A frozen version's lanes as group ids (flushed with the study); an archive of format 1
        keeps none, so its frozen versions take the study's order."""
        if spec.frozen_at is None:
            return None
        names = spec.groups if spec.groups is not None else list(self.groups)
        return [self.groups[name].id for name in names]

    def _version(
        self, setting: Setting, spec: fmt.VersionRecord, answers: dict[str, Answer]
    ) -> FlowchartVersion:
        version = FlowchartVersion(
            number=spec.number,
            created_at=spec.created_at,
            frozen_at=spec.frozen_at,
            group_order=self._group_order(spec),
        )
        setting.versions.append(version)
        for s in spec.steps:
            step = self._step(s)
            step.source_answer = answers[s.source_answer] if s.source_answer else None
            version.steps.append(step)
        for ln in spec.links:
            version.links.append(self._link(ln))
        return version

    def _step(self, spec: fmt.StepRecord) -> Step:
        self.steps[spec.key] = Step(
            theme=spec.theme,
            group=self.groups[spec.group],
            text=spec.text,
            position=spec.position,
            lineage=spec.lineage,
            source_quote=spec.source_quote,
        )
        return self.steps[spec.key]

    def _link(self, spec: fmt.LinkRecord) -> Link:
        self.links[spec.key] = Link(
            source=self.steps[spec.source],
            target=self.steps[spec.target],
            label=spec.label,
            note=spec.note,
            verbatim=spec.verbatim,
        )
        return self.links[spec.key]

    def _voice_items(self, interview: Interview, spec: fmt.InterviewRecord) -> None:
        """A voice's own steps and arrows hang from its interview and carry the version's id
        only, so they never join the leader's map (FlowchartVersion.steps)."""
        assert interview.version is not None
        version_id = interview.version.id
        for s in spec.steps:
            step = self._step(s)
            step.version_id = version_id
            interview.added_steps.append(step)
        for ln in spec.links:
            link = self._link(ln)
            link.version_id = version_id
            interview.added_links.append(link)
        for m in spec.marks:
            interview.marks.append(
                StepMark(step=self.steps[m.step], mark=m.mark, updated_at=m.updated_at)
            )
        for n in spec.notes:
            self.notes[n.key] = VoiceNote(
                number=n.number,
                step=self.steps[n.step] if n.step else None,
                link=self.links[n.link] if n.link else None,
                text=n.text,
                verbatim=n.verbatim,
                created_at=n.created_at,
                updated_at=n.updated_at,
            )
            interview.notes.append(self.notes[n.key])

    def _actions(self, interview: Interview, spec: fmt.InterviewRecord) -> None:
        for a in spec.actions:
            undo: dict[str, object] = {}
            for name, found in (("step", self.steps), ("note", self.notes), ("link", self.links)):
                ref = getattr(a.undo, name)
                # Null: it named something gone before the export; 0 is no row, so undoing
                # it does nothing, as it would have done on the first server.
                if ref is not None or _needs(a.kind, name):
                    undo[f"{name}_id"] = found[ref].id if ref is not None else 0
            for name in ("mark", "text", "verbatim"):
                if getattr(a.undo, name) is not None:
                    undo[name] = getattr(a.undo, name)
            self.session.add(
                AnnotationAction(
                    interview_id=interview.id,
                    kind=a.kind,
                    description=a.description,
                    undo=undo,
                    created_at=a.created_at,
                )
            )


def _needs(kind: str, name: str) -> bool:
    """Which id each kind of action's undo holds (services.voices)."""
    return name == {"mark": "step", "note_edit": "note"}.get(kind, kind)


def _participant(spec: fmt.ParticipantRecord) -> Participant:
    return Participant(
        number=spec.number,
        reference=spec.reference,
        perspective=spec.perspective,
        role_label=spec.role_label,
        pseudonym=spec.pseudonym,
        real_name=spec.real_name,
        email=spec.email,
        consent_participate=spec.consent_participate,
        consent_record=spec.consent_record,
        consent_quote=spec.consent_quote,
        consent_date=spec.consent_date,
        withdrawn_on=spec.withdrawn_on,
        created_at=spec.created_at,
    )


def _withdrawal(project: Project, spec: fmt.WithdrawalRecord) -> Withdrawal:
    return Withdrawal(
        project_id=project.id,
        setting_code=spec.setting_code,
        participant_reference=spec.participant_reference,
        role_label=spec.role_label,
        withdrawn_on=spec.withdrawn_on,
        scope=spec.scope,
        keep_before=spec.keep_before,
        source_steps=spec.source_steps,
        removed=spec.removed,
        recorded_by_id=None,
        recorded_by=spec.recorded_by,
        recorded_at=spec.recorded_at,
    )
