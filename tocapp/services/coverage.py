"""Coverage: per round and setting, who has been heard, and which roles have not yet been.

People marked as not interviewed (an evaluator, a consultant) are listed but never counted as
"not yet heard"; a person is matched by their reference, never by their label.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tocapp.domain.people import Perspective
from tocapp.domain.voices import Coverage, PersonInRound, coverage_of_people
from tocapp.models import Interview, InterviewParticipant, Participant, Project, Round, Setting
from tocapp.models.studies import participant_label


@dataclass(frozen=True)
class SettingCoverage:
    """One setting in one round: each participant, whether heard, and the roles not yet heard."""

    setting: Setting
    people: tuple[PersonInRound, ...]
    coverage: Coverage

    @property
    def not_yet_heard(self) -> list[PersonInRound]:
        """The people expected to be interviewed who have not been yet."""
        absent = Perspective.NOT_INTERVIEWED
        return [p for p in self.people if not p.heard_on and p.perspective is not absent]


@dataclass(frozen=True)
class RoundCoverage:
    """Every setting of a study in one round."""

    round: Round
    settings: tuple[SettingCoverage, ...]

    @property
    def participant_count(self) -> int:
        """Everyone expected to be interviewed (or heard anyway)."""
        return sum(s.coverage.expected_count for s in self.settings)

    @property
    def interviewed_count(self) -> int:
        return sum(s.coverage.interviewed_count for s in self.settings)


def study_coverage(
    session: Session,
    project: Project,
    *,
    rounds: Sequence[Round] | None = None,
    settings: Sequence[Setting] | None = None,
) -> list[RoundCoverage]:
    """Per round and setting, which participants (and so which roles) have been interviewed:
    every round and setting of the study, or only those given.

    Matched by participant id, not label; a heard participant counts in the role they held at
    that interview. A fixed number of statements whatever the size of the study.
    """
    # Only the settings asked for, when asked.
    ids = None if settings is None else [s.id for s in settings]
    rounds = list(project.rounds if rounds is None else rounds)
    settings = list(project.settings if settings is None else settings)
    heard: dict[tuple[int, int], list[tuple[str, date]]] = {}
    rows = session.execute(
        select(
            Interview.round_id,
            InterviewParticipant.participant_id,
            InterviewParticipant.role_label,
            Interview.held_on,
        )
        .join(InterviewParticipant, InterviewParticipant.interview_id == Interview.id)
        # The study's rounds scope the interviews to the study, so no join with its settings:
        # with stale statistics (a study just imported) PostgreSQL planned that join as a loop
        # over every setting scanning every interview, 270 ms at 300 settings.
        .where(
            Interview.round_id.in_([r.id for r in rounds]),
            *([] if ids is None else [Interview.setting_id.in_(ids)]),
        )
        .order_by(Interview.held_on, Interview.id)
    ).all()
    for round_id, participant_id, role_label, held_on in rows:
        heard.setdefault((round_id, participant_id), []).append((role_label, held_on))
    # Each person heard in a round: the role of their first interview in it, and every date.
    first_role_and_dates = {
        key: (interviews[0][0], tuple([on for _, on in interviews]))
        for key, interviews in heard.items()
    }
    # Everyone of every setting in one statement, not one lazy load per setting; as rows, since
    # making thousands of ORM objects was most of the page's time at 300 settings.
    people: dict[int, list[_Person]] = {}
    participants = session.execute(
        select(
            Participant.id,
            Participant.setting_id,
            Participant.reference,
            Participant.pseudonym,
            Participant.role_label,
            Participant.perspective,
        )
        .where(Participant.setting_id.in_([s.id for s in settings]))  # no join: as above
        .order_by(Participant.id)
    )
    for participant_id, setting_id, reference, pseudonym, role_label, perspective in participants:
        label = participant_label(pseudonym, role_label)
        person = (participant_id, reference, label, role_label, _PERSPECTIVES[perspective])
        people.setdefault(setting_id, []).append(person)
    return [
        RoundCoverage(
            round_,
            tuple(
                _setting_coverage(
                    setting, round_.id, people.get(setting.id, ()), first_role_and_dates
                )
                for setting in settings
            ),
        )
        for round_ in rounds
    ]


# A participant as read: id, reference, label, current role, perspective.
_Person = tuple[int, str, str, str, Perspective]
_PERSPECTIVES = {perspective.value: perspective for perspective in Perspective}  # no Enum call


def setting_count(session: Session, project: Project) -> int:
    """How many settings the study has, counted by the database (none of them loaded)."""
    return (
        session.scalar(
            select(func.count()).select_from(Setting).where(Setting.project_id == project.id)
        )
        or 0
    )


def latest_round_heard(session: Session, project: Project) -> Round | None:
    """The study's latest round in which anyone has been interviewed (None before the first)."""
    return session.scalars(
        select(Round)
        .join(Interview, Interview.round_id == Round.id)
        .where(Round.project_id == project.id)
        .order_by(Round.number.desc())
        .limit(1)
    ).first()


def _setting_coverage(
    setting: Setting,
    round_id: int,
    people: Sequence[_Person],
    heard: dict[tuple[int, int], tuple[str, tuple[date, ...]]],
) -> SettingCoverage:
    """One setting's people in one round, each with the role they were heard in (or their
    current role) and the dates; built for thousands of people a page, so plainly."""
    found = []
    for participant_id, reference, label, current_role, perspective in people:
        role_label, dates = heard.get((round_id, participant_id)) or (current_role, ())
        found.append(PersonInRound(reference, label, role_label, dates, perspective))
    return SettingCoverage(setting, tuple(found), coverage_of_people(found))
