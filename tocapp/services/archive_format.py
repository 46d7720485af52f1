"""The study archive's format, written once as dataclasses: the writer fills them from the
database, the reader fills them from an uploaded file, and both go through these definitions.

Every field's annotation carries what the reader accepts (``Text``: length, choices, one line or
several; ``Whole``: a range), taken from the model columns and the services' own limits, so an
archive can never hold a value the forms would refuse. Cross references are keys local to the
archive (``"step-17"``): opaque strings, never database ids. ``study.json`` is
``asdict(StudyArchive)``; the manifest is ``Manifest``. ``ArchiveError`` refuses anything else.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any

from sqlalchemy.orm import InstrumentedAttribute

from tocapp.domain.errors import DomainError
from tocapp.domain.people import Audience, Perspective
from tocapp.domain.theory import MAX_STEP_TEXT, Theme
from tocapp.domain.voices import MAX_NOTE, Mark
from tocapp.models import (
    INTERVIEW_MODES,
    AnnotationAction,
    Interview,
    InterviewParticipant,
    Link,
    Participant,
    Project,
    ProjectGroup,
    Round,
    Schedule,
    Setting,
    Step,
    Withdrawal,
)
from tocapp.services.flowcharts import MAX_QUOTE
from tocapp.services.interviews import MAX_NOTES
from tocapp.services.rounds import ROUND_KINDS
from tocapp.services.schedules import MAX_QUESTION_LENGTH
from tocapp.services.withdrawals import AFTER, EVERYTHING, KEEP_STEPS, REMOVE_STEPS

FORMAT_NAME = "tocapp-study-archive"
FORMAT_VERSION = 2
# Version 1 had no ``VersionRecord.groups``: a frozen version of it takes the study's group order.
FORMAT_VERSIONS_READ = (1, 2)
MAX_KEY = 40
MAX_INT = 2**31 - 1  # an INTEGER column on PostgreSQL
# Text columns have no length of their own: these are the limits of the forms that fill them.
MAX_INTERVENTION = 5000  # web/forms/study_forms.LONG_TEXT
MAX_SCHEDULE_DESCRIPTION = 2000  # ScheduleForm.description
# A question as asked is the schedule's text with the study's focus and partner filled in.
MAX_QUESTION_AS_ASKED = 2 * MAX_QUESTION_LENGTH
ACTION_KINDS = ("mark", "note", "note_edit", "link", "step")
SPOKEN_FROM = (Perspective.LEADERSHIP.value, Perspective.PRACTICE.value)
AUDIENCES = (Audience.RESEARCH.value, Audience.IDENTIFIED.value)


class ArchiveError(DomainError):
    """The file is not an archive this server can import; nothing was changed."""

    def __init__(self, problem: str, where: str = "") -> None:
        self.problem, self.where = problem, where
        at = f" (at {where})" if where else ""
        super().__init__(f"This archive cannot be imported{at}: {problem} Nothing was changed.")


@dataclass(frozen=True)
class Text:
    """What a string field accepts: at most ``limit`` characters, on one line unless ``lines``,
    not blank if ``required``, one of ``choices`` if any are given."""

    limit: int
    lines: bool = False
    required: bool = False
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Whole:
    """What an integer field accepts: a whole number from ``low`` to ``high``."""

    low: int = 0
    high: int = MAX_INT


def text(
    limit: int | InstrumentedAttribute[Any],
    *,
    lines: bool = False,
    required: bool = False,
    choices: Iterable[str] = (),
) -> Text:
    """The rules of a string field; a column gives its own length."""
    length = limit if isinstance(limit, int) else limit.type.length
    return Text(length, lines, required, tuple(str(c) for c in choices))


# An archive-local key naming one object for cross references, and a reference that may be null.
Key = Annotated[str, text(MAX_KEY, required=True)]
OptionalKey = Annotated[str, text(MAX_KEY, required=True)] | None


@dataclass
class StudyRecord:
    title: Annotated[str, text(Project.title, required=True)]
    focus: Annotated[str, text(Project.focus)]
    partner: Annotated[str, text(Project.partner)]
    intervention: Annotated[str, text(MAX_INTERVENTION, lines=True)]
    min_group_size: Annotated[int, Whole(2, 50)]
    personal_data_until: date | None  # from the ethics approval: delete personal data after
    groups: list[Annotated[str, text(ProjectGroup.name, required=True)]]


@dataclass
class RoundRecord:
    number: Annotated[int, Whole(1)]
    title: Annotated[str, text(Round.title, required=True)]
    kind: Annotated[str, text(Round.kind, choices=tuple(ROUND_KINDS))]
    planned_on: date | None


@dataclass
class QuestionRecord:
    number: Annotated[int, Whole(1)]
    text: Annotated[str, text(MAX_QUESTION_LENGTH, lines=True, required=True)]
    stimulus: Annotated[str, text(MAX_QUESTION_LENGTH, lines=True)]


@dataclass
class ScheduleRecord:
    """A schedule of the study's own (the built-in ones are named by their key instead)."""

    key: Key
    name: Annotated[str, text(Schedule.name, required=True)]
    description: Annotated[str, text(MAX_SCHEDULE_DESCRIPTION, lines=True)]
    questions: list[QuestionRecord]


@dataclass
class ParticipantRecord:
    key: Key
    number: Annotated[int, Whole(1)]
    reference: Annotated[str, text(Participant.reference, required=True)]
    perspective: Annotated[str, text(Participant.perspective, choices=tuple(Perspective))]
    role_label: Annotated[str, text(Participant.role_label, required=True)]
    pseudonym: Annotated[str, text(Participant.pseudonym)]
    real_name: Annotated[str, text(Participant.real_name)]  # "" in a pseudonymised archive
    email: Annotated[str, text(Participant.email)]  # "" in a pseudonymised archive
    consent_participate: bool
    consent_record: bool
    consent_quote: bool
    consent_date: date | None
    withdrawn_on: date | None
    created_at: datetime


@dataclass
class StepRecord:
    """A step of the leader's map, or (in an interview) one a voice added."""

    key: Key
    theme: Annotated[str, text(Step.theme, choices=tuple(Theme))]
    group: Annotated[str, text(ProjectGroup.name, required=True)]  # the group's name
    position: Annotated[int, Whole()]
    text: Annotated[str, text(MAX_STEP_TEXT, required=True)]
    lineage: Annotated[str, text(Step.lineage, required=True)]
    source_answer: OptionalKey
    source_quote: Annotated[str, text(MAX_QUOTE, lines=True)]


@dataclass
class LinkRecord:
    """An arrow of the leader's map, or (in an interview) one a voice drew, with its note."""

    key: Key
    source: Key
    target: Key
    label: Annotated[str, text(Link.label)]
    note: Annotated[str, text(MAX_NOTE, lines=True)]
    verbatim: bool


@dataclass
class VersionRecord:
    key: Key
    number: Annotated[int, Whole(1)]
    created_at: datetime
    frozen_at: datetime | None
    steps: list[StepRecord]
    links: list[LinkRecord]
    # A frozen version's lanes: the study's groups in their order when it was frozen (``None``
    # while open). A field with a default may be missing: archives of format 1 have none.
    groups: list[Annotated[str, text(ProjectGroup.name, required=True)]] | None = None


@dataclass
class PersonRecord:
    """Who took part in an interview, with the role label and perspective at that time."""

    participant: Key
    role_label: Annotated[str, text(InterviewParticipant.role_label, required=True)]
    # Someone "not interviewed" is never in an interview (services.interviews refuses it).
    perspective: Annotated[str, text(InterviewParticipant.perspective, choices=SPOKEN_FROM)]


@dataclass
class AnswerRecord:
    key: Key
    number: Annotated[int, Whole(1)]
    question_text: Annotated[str, text(MAX_QUESTION_AS_ASKED, lines=True)]
    stimulus: Annotated[str, text(MAX_QUESTION_AS_ASKED, lines=True)]
    notes: Annotated[str, text(MAX_NOTES, lines=True)]


@dataclass
class MarkRecord:
    step: Key
    mark: Annotated[str, text(20, choices=tuple(Mark))]
    updated_at: datetime


@dataclass
class NoteRecord:
    key: Key
    number: Annotated[int, Whole(1)]
    step: OptionalKey
    link: OptionalKey
    text: Annotated[str, text(MAX_NOTE, lines=True, required=True)]
    verbatim: bool
    created_at: datetime
    updated_at: datetime


@dataclass
class UndoRecord:
    """What undoing an action needs, by kind: ``mark`` has step and mark (the one before);
    ``note`` has note; ``note_edit`` has note, text and verbatim; ``link`` has link; ``step`` has
    step. A reference to something no longer there is null."""

    step: OptionalKey
    note: OptionalKey
    link: OptionalKey
    mark: Annotated[str, text(20, choices=("", *Mark))] | None
    text: Annotated[str, text(MAX_NOTE, lines=True)] | None
    verbatim: bool | None


@dataclass
class ActionRecord:
    """One saved action of a voice, kept so that Undo goes on working after an import."""

    kind: Annotated[str, text(AnnotationAction.kind, choices=ACTION_KINDS)]
    description: Annotated[str, text(AnnotationAction.description, lines=True)]
    undo: UndoRecord
    created_at: datetime


@dataclass
class InterviewRecord:
    key: Key
    round: Annotated[int, Whole(1)]  # the round's number
    built_in_schedule: Annotated[str, text(Schedule.key)] | None  # a built-in schedule's key
    schedule: OptionalKey  # or the key of one of the study's own
    version: OptionalKey  # the frozen version shown at a return interview
    held_on: date
    mode: Annotated[str, text(Interview.mode, choices=INTERVIEW_MODES)]
    interviewer: Annotated[str, text(Interview.interviewer)]  # "" in a pseudonymised archive
    created_at: datetime
    updated_at: datetime
    people: list[PersonRecord]
    answers: list[AnswerRecord]
    steps: list[StepRecord]  # added by this voice
    links: list[LinkRecord]  # drawn by this voice
    marks: list[MarkRecord]
    notes: list[NoteRecord]
    actions: list[ActionRecord]


@dataclass
class SettingRecord:
    name: Annotated[str, text(Setting.name, required=True)]  # the code in a pseudonymised archive
    code: Annotated[str, text(Setting.code, required=True)]
    kind: Annotated[str, text(Setting.kind)]
    participants: list[ParticipantRecord]
    versions: list[VersionRecord]
    interviews: list[InterviewRecord]


@dataclass
class WithdrawalRecord:
    setting_code: Annotated[str, text(Withdrawal.setting_code, required=True)]
    participant_reference: Annotated[str, text(Withdrawal.participant_reference, required=True)]
    role_label: Annotated[str, text(Withdrawal.role_label)]
    withdrawn_on: date
    scope: Annotated[str, text(Withdrawal.scope, choices=(EVERYTHING, AFTER))]
    keep_before: date | None
    source_steps: Annotated[str, text(Withdrawal.source_steps, choices=(KEEP_STEPS, REMOVE_STEPS))]
    removed: dict[Annotated[str, text(MAX_KEY, required=True)], int]  # counts by kind of item
    recorded_by: Annotated[str, text(Withdrawal.recorded_by)]  # "" in a pseudonymised archive
    recorded_at: datetime


@dataclass
class StudyArchive:
    """Everything of one study but its members: ``study.json``."""

    study: StudyRecord
    rounds: list[RoundRecord]
    schedules: list[ScheduleRecord]
    settings: list[SettingRecord]
    withdrawals: list[WithdrawalRecord]


@dataclass
class Manifest:
    """``manifest.json``: what the archive is, where it came from and whether it names people."""

    format: Annotated[str, text(60, choices=(FORMAT_NAME,))]
    format_version: Annotated[int, Whole(1)]
    tocapp_version: Annotated[str, text(40)]
    schema_revision: Annotated[str, text(40)] | None
    created_at: datetime
    audience: Annotated[str, text(20, choices=AUDIENCES)]
    study_sha256: Annotated[str, text(64, required=True)]
