"""Web fixtures shared by the comparison report's tests."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from tocapp.extensions import db
from tocapp.models import Participant, Setting
from tocapp.services.demo import load_demo_study

REAL_NAME = "Philippa Quenby-Marsh"


@pytest.fixture
def comparison_demo(client: Any) -> tuple[int, int]:
    """The demo study, logged in, with a real name on NUR's teacher that must never be exported.

    Returns the study's id and the NUR setting's id.
    """
    login = load_demo_study(db.session)
    nur = db.session.scalar(select(Setting).where(Setting.code == "NUR"))
    teacher = db.session.scalar(
        select(Participant).where(
            Participant.setting_id == nur.id, Participant.role_label == "Teacher"
        )
    )
    teacher.real_name = REAL_NAME
    db.session.commit()
    client.post("/login", data={"email": login.email, "password": login.password})
    return login.project_id, nur.id


@pytest.fixture
def owned_study(
    client: Any,
    auth: Any,
    make_user: Any,
    make_project: Any,
    make_setting: Any,
    make_participant: Any,
    make_interview: Any,
) -> dict[str, Any]:
    """A study with one object of every kind, its owner logged in, and the ids every route of
    the route table takes (``ids``): a round-1 interview, a frozen version with a voice's mark and
    note, an open version after it (whose step and arrow could really be deleted), a built report.
    """
    from datetime import date

    from tocapp.models import ReportJob
    from tocapp.services import flowcharts, interviews, versions, voices

    owner = make_user()
    project = make_project(owner=owner)
    setting = make_setting(project=project)
    head = make_participant(setting=setting)
    teacher = make_participant(setting=setting, role_label="Teacher")
    make_interview(participant=head)
    version = flowcharts.current_version(db.session, setting)
    group = project.groups[0].id
    a = flowcharts.add_step(
        db.session, None, version, flowcharts.StepFields("situation", group, "A")
    )
    b = flowcharts.add_step(db.session, None, version, flowcharts.StepFields("action", group, "B"))
    flowcharts.add_link(db.session, None, version, a.id, b.id)
    later = voices.start_return_interview(
        db.session,
        None,
        setting,
        interviews.InterviewFields(
            project.rounds[1].id, date(2026, 7, 1), "video", people=[(teacher.id, "Teacher")]
        ),
    )
    voices.set_mark(db.session, None, later, a.id, "achieved")
    voices.add_note(db.session, None, later, "A note", step_id=a.id)
    editable = versions.start_next_version(db.session, None, setting)
    db.session.commit()
    auth.login(owner)
    client.post(f"/studies/{project.id}/comparison/reports", data={"fmt": "pdf"})
    job = db.session.scalars(select(ReportJob)).one()
    return {
        "project": project,
        "later": later,
        "open_step": editable.steps[1],
        "ids": {
            "project_id": project.id,
            "setting_id": setting.id,
            "participant_id": teacher.id,
            "round_id": project.rounds[1].id,
            "interview_id": later.id,
            "version_id": editable.id,
            "step_id": editable.steps[1].id,
            "link_id": editable.links[0].id,
            "note_number": 1,
            "job_id": job.id,
            "user_id": owner.id,
            "fmt": "svg",
        },
    }
