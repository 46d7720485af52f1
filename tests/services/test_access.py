"""Load-then-authorise: a study's object and the user's role in it, read together."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event

from tocapp.extensions import db
from tocapp.models import Project, ReportJob, Setting
from tocapp.models.users import Role
from tocapp.services import studies
from tocapp.services.access import load, load_in
from tocapp.services.errors import ForbiddenError, NotFoundError


@contextmanager
def counted() -> Iterator[list[str]]:
    sent: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        sent.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield sent
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


@pytest.fixture
def study(make_user, make_project, make_setting):
    owner, viewer, stranger = make_user(), make_user(), make_user()
    setting = make_setting(make_project(owner=owner))
    project = setting.project
    studies.add_member(db.session, owner, project, viewer.email, Role.VIEWER)
    db.session.commit()
    ids = {Project: project.id, Setting: setting.id}
    db.session.expunge_all()  # nothing in the identity map: every load reads
    return {"owner": owner, "viewer": viewer, "stranger": stranger, "ids": ids}


@pytest.mark.parametrize("model", [Project, Setting])
def test_an_object_and_the_members_role_are_one_statement(study, model):
    viewer = db.session.merge(study["viewer"])
    with counted() as sent:
        found, role = load(db.session, viewer, model, study["ids"][model])
    assert isinstance(found, model) and found.id == study["ids"][model]
    assert role is Role.VIEWER
    assert [s for s in sent if not s.startswith(("BEGIN", "SET"))] == sent[-1:]


def test_strangers_unknown_ids_and_low_roles_are_refused(study):
    ids = study["ids"]
    stranger = db.session.merge(study["stranger"])
    viewer = db.session.merge(study["viewer"])
    with pytest.raises(NotFoundError):
        load(db.session, stranger, Setting, ids[Setting])  # another's study: as if not there
    with pytest.raises(NotFoundError):
        load(db.session, viewer, Setting, ids[Setting] + 1000)
    with pytest.raises(NotFoundError):
        load(db.session, viewer, ReportJob, 1)
    with pytest.raises(ForbiddenError):
        load(db.session, viewer, Setting, ids[Setting], Role.INTERVIEWER)
    with pytest.raises(NotFoundError):  # in a study other than the one the address names
        load_in(db.session, viewer, Setting, ids[Setting], ids[Project] + 1)
    owner = db.session.merge(study["owner"])
    setting, role = load_in(db.session, owner, Setting, ids[Setting], ids[Project], Role.OWNER)
    assert role is Role.OWNER and setting.project_id == ids[Project]


def test_an_object_changed_in_this_session_is_the_one_returned(study):
    """Read with a statement, the object is still the session's own, with its changes."""
    owner = db.session.merge(study["owner"])
    setting = db.session.get(Setting, study["ids"][Setting])
    assert setting is not None
    setting.name = "Changed, not yet saved"
    found, _ = load(db.session, owner, Setting, setting.id)
    assert found is setting and found.name == "Changed, not yet saved"
    db.session.rollback()
