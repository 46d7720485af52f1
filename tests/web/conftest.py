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
