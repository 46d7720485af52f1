"""Loading the demo study shipped in tocapp/fixtures (drawn from the method's source text)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from importlib import resources
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tocapp.domain.schedules import THEORY_OF_CHANGE_KEY
from tocapp.models import Membership, Participant, Project, Schedule, Setting
from tocapp.services import flowcharts, interviews, participants, studies, voices
from tocapp.services.audit import Actor
from tocapp.services.schedules import ensure_built_in_schedules
from tocapp.services.users import create_user, find_user_by_email

DEMO_EMAIL = "demo@tocapp.example"
DEMO_PASSWORD = "clarity-demo"
DEMO_NAME = "Demo evaluator"


@dataclass(frozen=True)
class DemoLogin:
    email: str
    password: str
    project_id: int
    created: bool


# The demo study is loaded by a command (or at start-up), not by a person.
COMMAND_LINE: Actor = None


def demo_data() -> dict[str, Any]:
    text = resources.files("tocapp.fixtures").joinpath("clarity-study.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def load_demo_study(session: Session) -> DemoLogin:
    """Create the demo account and study unless they exist; safe to run on every start."""
    data = demo_data()
    user = find_user_by_email(session, DEMO_EMAIL)
    if user is None:
        user = create_user(
            session, COMMAND_LINE, DEMO_EMAIL, DEMO_NAME, DEMO_PASSWORD, public_demo=True
        )
    existing = session.scalar(
        select(Project)
        .join(Membership, Membership.project_id == Project.id)
        .where(Membership.user_id == user.id, Project.title == data["project"]["title"])
    )
    if existing is not None:
        return DemoLogin(DEMO_EMAIL, DEMO_PASSWORD, existing.id, created=False)

    spec = data["project"]
    rounds = spec["rounds"]
    project = studies.create_project(
        session,
        user,
        studies.ProjectFields(
            title=spec["title"],
            focus=spec["focus"],
            partner=spec["partner"],
            intervention=spec["intervention"],
        ),
        groups=spec["groups"],
        first_round_on=date.fromisoformat(rounds[0]["date"]),
    )
    for round_, round_spec in zip(project.rounds, rounds, strict=False):
        round_.title = round_spec["title"]
        round_.kind = round_spec["kind"]
        round_.planned_on = date.fromisoformat(round_spec["date"])
    ensure_built_in_schedules(session)
    schedule = session.scalar(select(Schedule).where(Schedule.key == THEORY_OF_CHANGE_KEY))
    assert schedule is not None
    for setting_spec in data["settings"]:
        _load_setting(session, project, setting_spec, schedule.id, rounds[0]["date"])
    session.flush()
    return DemoLogin(DEMO_EMAIL, DEMO_PASSWORD, project.id, created=True)


def _load_setting(
    session: Session, project: Project, spec: dict[str, Any], schedule_id: int, consent_on: str
) -> Setting:
    setting = studies.add_setting(
        session,
        COMMAND_LINE,
        project,
        studies.SettingFields(name=spec["name"], code=spec["code"], kind=spec["type"]),
    )
    people = {}
    for person in spec["participants"]:
        consent = person["consent"]
        people[person["pseudonym"]] = participants.add_participant(
            session,
            COMMAND_LINE,
            setting,
            participants.ParticipantFields(
                role_label=person["role"],
                perspective=person["perspective"],
                pseudonym=person["pseudonym"],
                consent_participate=consent["participate"],
                consent_record=consent["record"],
                consent_quote=consent["quote"],
                consent_date=date.fromisoformat(consent_on),
            ),
        )
    first = spec["round1_interview"]
    leader = people[first["participant"]]
    interview = interviews.record_interview(
        session,
        COMMAND_LINE,
        setting,
        interviews.InterviewFields(
            round_id=project.rounds[0].id,
            held_on=date.fromisoformat(first["date"]),
            mode=first["mode"],
            interviewer=DEMO_NAME,
            schedule_id=schedule_id,
            people=[(leader.id, leader.role_label)],
            notes={int(n): a["text"] for n, a in first["answers"].items()},
        ),
    )
    answers = {str(a.number): a for a in interview.answers}
    groups = {g.name: g for g in project.groups}
    version = flowcharts.current_version(session, setting)
    step_ids = {}
    for step_spec in spec["steps"]:
        answer = answers.get(step_spec.get("from_answer", ""))
        step = flowcharts.add_step(
            session,
            COMMAND_LINE,
            version,
            flowcharts.StepFields(
                theme=step_spec["theme"],
                group_id=groups[step_spec["group"]].id,
                text=step_spec["text"],
                source_answer_id=answer.id if answer else None,
                source_quote=step_spec["text"] if step_spec.get("prov") == "Q" else "",
            ),
        )
        step_ids[step_spec["id"]] = step.id
    for source, target in spec["links"]:
        flowcharts.add_link(session, COMMAND_LINE, version, step_ids[source], step_ids[target])
    for return_spec in spec.get("return_interviews", []):
        _load_return_interview(session, setting, return_spec, people, step_ids)
    return setting


def _load_return_interview(
    session: Session,
    setting: Setting,
    spec: dict[str, Any],
    people: dict[str, Participant],
    step_ids: dict[str, int],
) -> None:
    """One voice of the return round: marks with their notes, new arrows and steps, threads."""
    person = people[spec["participant"]]
    return_round = next(r for r in setting.project.rounds if r.kind == "return")
    interview = voices.start_return_interview(
        session,
        COMMAND_LINE,
        setting,
        interviews.InterviewFields(
            round_id=return_round.id,
            held_on=date.fromisoformat(spec["date"]),
            mode=spec["mode"],
            interviewer=DEMO_NAME,
            people=[(person.id, person.role_label)],
        ),
    )
    for mark in spec.get("marks", []):
        step_id = step_ids[mark["step"]]
        voices.set_mark(session, COMMAND_LINE, interview, step_id, mark["mark"])
        if mark.get("note"):
            voices.add_note(
                session,
                COMMAND_LINE,
                interview,
                mark["note"],
                mark.get("verbatim", False),
                step_id=step_id,
            )
    for link in spec.get("new_links", []):
        voices.add_voice_link(
            session,
            COMMAND_LINE,
            interview,
            step_ids[link["from"]],
            step_ids[link["to"]],
            link.get("note", ""),
            link.get("verbatim", False),
        )
    groups = {g.name: g.id for g in setting.project.groups}
    for step in spec.get("new_steps", []):
        voices.add_voice_step(
            session,
            COMMAND_LINE,
            interview,
            voices.VoiceStepFields(step["theme"], groups[step["group"]], step["text"]),
        )
    for note in spec.get("thread_notes", []):
        voices.add_note(session, COMMAND_LINE, interview, note["text"], note.get("verbatim", False))
