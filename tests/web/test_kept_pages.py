"""Pages kept as HTML under the study's revision (``web.kept_html``: coverage, every voice): a
change committed while a page is being made is not kept with its old values, each reader's rights
are part of the key, and a made-up query is shown but not kept."""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from tests.conftest import TEST_DATABASE
from tests.web import test_voices
from tocapp.extensions import db
from tocapp.models import Setting
from tocapp.models.users import Role
from tocapp.services import studies
from tocapp.services.demo import load_demo_study
from tocapp.web import kept_html

setting_with_map = test_voices.setting_with_map  # a mapped chart, no return interview yet


def _kept(app: Any, kind: str) -> list[Path]:
    return list(Path(app.config["RENDER_CACHE_DIR"]).rglob(f"*.{kind}.html"))


def _text(client: Any, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return html.unescape(response.get_data(as_text=True))


@pytest.fixture
def demo(client: Any) -> dict[str, Any]:
    login = load_demo_study(db.session)
    db.session.commit()
    client.post("/login", data={"email": login.email, "password": login.password})
    nursery = db.session.query(Setting).filter_by(project_id=login.project_id, code="NUR").one()
    db.session.commit()  # the test's own transaction ends, as a request's would
    return {"login": login, "project_id": login.project_id, "nursery_id": nursery.id}


@pytest.mark.skipif(
    TEST_DATABASE == "sqlite",
    reason="SQLite cannot commit a change mid-request: each request's BEGIN IMMEDIATE waits",
)
@pytest.mark.parametrize("page", ["voices", "coverage"])
def test_a_change_committed_while_the_page_is_made_is_not_kept_stale(
    client: Any, demo: dict[str, Any], monkeypatch: pytest.MonkeyPatch, page: str
) -> None:
    """The setting is read (access check) before the revision; another request renames it and
    commits in between. The page must not be kept under the new revision with the old name:
    on PostgreSQL each statement sees the latest commit."""
    project_id, nursery_id = demo["project_id"], demo["nursery_id"]
    url = (
        f"/studies/{project_id}/settings/{nursery_id}/voices"
        if page == "voices"
        else f"/studies/{project_id}/coverage?setting={nursery_id}"
    )
    real = kept_html.study_revision
    renamed: list[bool] = []

    def revision_after_a_rename(session: Any, wanted: int) -> str:
        if not renamed:
            renamed.append(True)
            with Session(db.engine) as other:  # another request, committed meanwhile
                setting = other.get(Setting, nursery_id)
                assert setting is not None
                fields = studies.SettingFields("Renamed nursery", setting.code, setting.kind)
                studies.update_setting(other, None, setting, fields)
                other.commit()
        return real(session, wanted)

    monkeypatch.setattr(kept_html, "study_revision", revision_after_a_rename)
    client.get(url)
    assert renamed
    assert "Renamed nursery" in _text(client, url)  # the study has not changed since


def _owner_then_viewer(
    app: Any, client: Any, auth: Any, viewer: Any, url: str, kind: str, only_for_the_owner: str
) -> None:
    """Owner and viewer read the same revision: the owner's page, kept, is not the viewer's."""
    assert only_for_the_owner in _text(client, url)
    assert len(_kept(app, kind)) == 1
    auth.logout()
    auth.login(viewer)
    assert only_for_the_owner not in _text(client, url)
    assert len(_kept(app, kind)) == 2


def test_coverage_keeps_a_page_per_readers_rights(
    app: Any, client: Any, auth: Any, make_user: Any, make_project: Any
) -> None:
    owner, viewer = make_user(), make_user()
    project = make_project(owner=owner)  # no settings yet: an owner is offered to add one
    studies.add_member(db.session, None, project, viewer.email, Role.VIEWER)
    db.session.commit()
    auth.login(owner)
    url = f"/studies/{project.id}/coverage"
    _owner_then_viewer(app, client, auth, viewer, url, "coverage", "Add a setting")


def test_every_voice_keeps_a_page_per_readers_rights(
    app: Any, client: Any, auth: Any, make_user: Any, setting_with_map: Any
) -> None:
    viewer = make_user()  # before the owner's view, so both read the same revision
    project = setting_with_map["setting"].project
    studies.add_member(db.session, None, project, viewer.email, Role.VIEWER)
    db.session.commit()
    url = setting_with_map["all"]  # no return interview yet: an owner is offered to start one
    _owner_then_viewer(app, client, auth, viewer, url, "every-voice", "Start a return interview")


def test_a_made_up_query_is_shown_but_not_kept(app: Any, client: Any, demo: dict[str, Any]) -> None:
    base = f"/studies/{demo['project_id']}/settings/{demo['nursery_id']}/voices"
    for query in ("?role=nobody", "?voice=999", "?round=9", "?audience=other", "?version=01"):
        assert "Every voice" in _text(client, base + query)
    assert _kept(app, "every-voice") == []
    page = _text(client, base + "?round=2&role=Teaching+assistant")
    assert re.search(r"Teaching assistant", page)
    assert len(_kept(app, "every-voice")) == 1


def test_a_consent_taken_back_empties_the_kept_pages_and_drawings(
    app: Any, client: Any, demo: dict[str, Any]
) -> None:
    """Kept pages and drawings may hold a participant's words: once their consent to quotation
    is taken back, the render cache is emptied (after the commit), as for a withdrawal."""
    project_id, nursery_id = demo["project_id"], demo["nursery_id"]
    assert "Every voice" in _text(client, f"/studies/{project_id}/settings/{nursery_id}/voices")
    cache = Path(app.config["RENDER_CACHE_DIR"])
    assert _kept(app, "every-voice") and list(cache.rglob("*.svg"))
    person = next(p for p in db.session.get(Setting, nursery_id).participants if p.consent_quote)
    edited = client.post(
        f"/studies/{project_id}/participants/{person.id}/edit",
        data={
            "role_label": person.role_label,
            "perspective": person.perspective,
            "consent_participate": "y",  # consent to quotation unticked: taken back
            "consent_date": "2026-02-03",
        },
    )
    assert edited.status_code == 302
    db.session.expire_all()
    assert not db.session.get(type(person), person.id).consent_quote
    assert not _kept(app, "every-voice") and not list(cache.rglob("*.svg"))
