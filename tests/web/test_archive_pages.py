"""The study archive's pages: owners download a study (pseudonymised unless they tick the box),
anyone logged in imports one from the studies list, and a refused file changes nothing."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

from sqlalchemy import func, select

from tests.web.conftest import REAL_NAME
from tocapp.extensions import db
from tocapp.models import AuditEntry, Membership, Project

ZIP = "application/zip"


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(Project)) or 0


def _member(data: bytes, name: str) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read(name)


def _upload(client: Any, data: bytes, name: str = "study.zip") -> Any:
    return client.post(
        "/studies/import",
        data={"archive": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def test_an_owner_downloads_a_pseudonymised_archive_unless_they_ask(client, comparison_demo):
    project_id, _ = comparison_demo
    page = client.get(f"/studies/{project_id}").get_data(as_text=True)
    assert f'href="/studies/{project_id}/archive/options"' in page
    options = client.get(f"/studies/{project_id}/archive/options").get_data(as_text=True)
    assert 'name="identified"' in options and "Warning:" in options

    response = client.get(f"/studies/{project_id}/archive")
    assert response.status_code == 200 and response.mimetype == ZIP
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "pseudonymised" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"
    assert REAL_NAME.encode() not in _member(response.data, "study.json")
    assert json.loads(_member(response.data, "manifest.json"))["audience"] == "research"

    identified = client.get(f"/studies/{project_id}/archive?identified=1")
    assert REAL_NAME.encode() in _member(identified.data, "study.json")
    assert json.loads(_member(identified.data, "manifest.json"))["audience"] == "identified"
    summaries = db.session.scalars(
        select(AuditEntry.summary).where(
            AuditEntry.action == "study.archive", AuditEntry.project_id == project_id
        )
    ).all()
    assert summaries == [
        "Archive downloaded (pseudonymised)",
        "Archive downloaded (identified)",
    ]


def test_only_owners_download_and_non_members_see_nothing(client, auth, make_user, make_project):
    owner, interviewer, stranger = make_user(), make_user(), make_user()
    project = make_project(owner=owner)
    db.session.add(Membership(project=project, user_id=interviewer.id, role="interviewer"))
    db.session.commit()
    urls = [
        f"/studies/{project.id}/archive",
        f"/studies/{project.id}/archive?identified=1",
        f"/studies/{project.id}/archive/options",
    ]
    auth.login(interviewer)
    assert "/archive/options" not in client.get(f"/studies/{project.id}").get_data(as_text=True)
    assert [client.get(url).status_code for url in urls] == [403, 403, 403]
    auth.logout()
    auth.login(stranger)
    assert [client.get(url).status_code for url in urls] == [404, 404, 404]


def test_a_study_moves_through_the_pages(client, auth, make_user, comparison_demo):
    project_id, _ = comparison_demo
    data = client.get(f"/studies/{project_id}/archive?identified=1").data
    auth.logout()
    importer = make_user()
    auth.login(importer)
    assert 'href="/studies/import"' in client.get("/").get_data(as_text=True)
    form = client.get("/studies/import")
    assert form.status_code == 200 and 'type="file"' in form.get_data(as_text=True)
    before = _count()

    response = _upload(client, data)

    assert response.status_code == 303
    assert _count() == before + 1
    new_id = int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    original, copy = db.session.get(Project, project_id), db.session.get(Project, new_id)
    assert copy.title == original.title
    assert [s.code for s in copy.settings] == [s.code for s in original.settings]
    members = db.session.scalars(select(Membership).where(Membership.project_id == new_id)).all()
    assert [(m.user_id, m.role) for m in members] == [(importer.id, "owner")]
    shown = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "has been imported" in shown
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "study.import")).one()
    assert entry.project_id == new_id and entry.user_id == importer.id


def test_a_refused_file_says_why_and_changes_nothing(client, auth, make_user, comparison_demo):
    project_id, _ = comparison_demo
    data = client.get(f"/studies/{project_id}/archive").data
    before = _count()
    damaged = io.BytesIO()
    with zipfile.ZipFile(damaged, "w") as archive:
        archive.writestr("manifest.json", _member(data, "manifest.json"))
        archive.writestr("study.json", _member(data, "study.json").replace(b"NUR", b"NUX"))
    cases = {
        b"this is not a zip file": "not a tocapp study archive",
        damaged.getvalue(): "does not match the checksum",
    }
    for upload, message in cases.items():
        response = _upload(client, upload)
        assert response.status_code == 400
        assert message in response.get_data(as_text=True)
        assert "Nothing was changed." in response.get_data(as_text=True)
    missing = client.post("/studies/import", data={}, content_type="multipart/form-data")
    assert missing.status_code == 400
    assert "Choose the study archive" in missing.get_data(as_text=True)
    assert _count() == before


class _Endless(io.RawIOBase):
    """A request body that never ends, counting what the server reads of it."""

    def __init__(self) -> None:
        self.read_bytes = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        self.read_bytes += len(buffer)
        if self.read_bytes > 2**20:
            raise AssertionError("the server read on into a body over its limit")
        buffer[:] = b"x" * len(buffer)
        return len(buffer)


def test_a_gigabyte_upload_is_refused_unread(app, client, auth, make_user):
    auth.login(make_user())
    before = _count()
    body = _Endless()
    response = client.post(
        "/studies/import",
        environ_overrides={
            "wsgi.input": body,
            "CONTENT_LENGTH": str(2**30),
            "CONTENT_TYPE": "multipart/form-data; boundary=x",
        },
    )
    assert response.status_code == 413
    assert "too much to send" in response.get_data(as_text=True)
    assert body.read_bytes == 0
    assert _count() == before


def test_an_upload_over_the_limit_is_refused(app, client, auth, make_user):
    app.config["MAX_CONTENT_LENGTH"] = 10_000
    auth.login(make_user())
    assert "largest file this server accepts is 1 MB" in client.get("/studies/import").get_data(
        as_text=True
    )
    before = _count()
    assert _upload(client, b"PK" + b"\0" * 20_000).status_code == 413
    assert _count() == before


def test_a_study_another_server_would_refuse_is_not_downloaded(client, comparison_demo):
    project_id, _ = comparison_demo
    nur = db.session.get(Project, project_id).settings[0]
    nur.kind = "Nursery\x07"  # written before forms refused control characters
    db.session.commit()
    response = client.get(f"/studies/{project_id}/archive")
    assert response.status_code == 400 and response.mimetype == "text/html"
    assert "No archive was made" in response.get_data(as_text=True)
    assert "control character (U+0007)" in response.get_data(as_text=True)
