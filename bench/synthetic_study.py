"""A synthetic study in the real database, for benchmarks: N settings, each with a mapped chart of
30 steps and arrows, a leader and 7 staff, and 3 return rounds in which all 8 voices mark about 60%
of the steps. Structure goes through the services; the marks are inserted in bulk (the benchmarks
time reports, not typing)."""

from __future__ import annotations

import random
from datetime import date

from sqlalchemy.orm import Session

from tocapp.domain.voices import Mark
from tocapp.models import Project, StepMark, User
from tocapp.services import flowcharts, interviews, participants, rounds, studies, voices

ROLES = ("Headteacher", "Teacher", "Teaching assistant", "SENCo")
THEMES = ("situation", "action", "outcome")


def build_study(
    session: Session,
    owner: User,
    settings: int,
    *,
    return_rounds: int = 3,
    voices_per_round: int = 8,
    steps: int = 30,
    seed: int = 1,
) -> Project:
    rng = random.Random(seed)
    project = studies.create_project(
        session,
        owner,
        studies.ProjectFields(f"Bench study, {settings} settings", "language", "Bench"),
        groups=["Staff", "Children", "Parents"],
        first_round_on=date(2025, 1, 6),
    )
    for _ in range(return_rounds - 1):
        rounds.add_round(session, None, project, rounds.RoundFields("Further return interviews"))
    first, *returns = project.rounds
    for s in range(settings):
        setting = studies.add_setting(
            session,
            None,
            project,
            studies.SettingFields(f"Setting {s}", f"S{s:02d}", "Primary school"),
        )
        people = [
            participants.add_participant(
                session,
                None,
                setting,
                participants.ParticipantFields(
                    "Headteacher" if v == 0 else ROLES[1 + v % 3],
                    "leadership" if v == 0 else "practice",
                    consent_participate=True,
                ),
            )
            for v in range(voices_per_round)
        ]
        leader = people[0]
        interviews.record_interview(
            session,
            None,
            setting,
            interviews.InterviewFields(
                first.id, date(2025, 1, 6), "face-to-face", people=[(leader.id, "Headteacher")]
            ),
        )
        version = flowcharts.current_version(session, setting)
        made = [
            flowcharts.add_step(
                session,
                None,
                version,
                flowcharts.StepFields(
                    THEMES[i % 3], project.groups[i % 3].id, f"Step {i} of setting {s}"
                ),
            )
            for i in range(steps)
        ]
        for i in range(0, steps - 3, 3):
            flowcharts.add_link(session, None, version, made[i].id, made[i + 1].id)
            flowcharts.add_link(session, None, version, made[i + 1].id, made[i + 2].id)
        marks = []
        for round_ in returns:
            for person in people:
                interview = voices.start_return_interview(
                    session,
                    None,
                    setting,
                    interviews.InterviewFields(
                        round_.id,
                        date(2025, 7, 1),
                        "face-to-face",
                        people=[(person.id, person.role_label)],
                    ),
                )
                marks += [
                    StepMark(
                        interview_id=interview.id, step_id=step.id, mark=rng.choice(list(Mark))
                    )
                    for step in made
                    if rng.random() < 0.6
                ]
        session.add_all(marks)
        session.flush()
    return project
