"""Backups: taken while the app is in use, restored into a new instance, every page the same.

Each app here has an instance folder of its own (as a new machine would), so the secret key file,
the built reports and — on SQLite — the database sit where ``flask --app tocapp`` puts them.
On a PostgreSQL run (``TOCAPP_TEST_DATABASE=postgresql``) the databases are the test cluster's.
"""

from __future__ import annotations

import difflib
import gzip
import hashlib
import io
import json
import re
import subprocess
import tarfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from docx import Document
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, text

from tests.conftest import TEST_DATABASE
from tocapp import create_app
from tocapp.extensions import db
from tocapp.models import Project, Setting, User
from tocapp.services.backup import FORMAT_VERSION
from tocapp.services.demo import DEMO_EMAIL, DEMO_PASSWORD, load_demo_study
from tocapp.services.schedules import ensure_built_in_schedules

REVISION = "b4ckup0test"
# The backup's own database file is checked this way on SQLite (pg_restore reads PostgreSQL's).
SQLITE_ONLY = pytest.mark.skipif(TEST_DATABASE != "sqlite", reason="a SQLite backup's database")


@pytest.fixture
def make_instance(
    tmp_path: Path, make_database: Callable[..., str]
) -> Iterator[Callable[..., Flask]]:
    """``make_instance(name)``: an app on a new instance folder; ``schema`` False: no tables.

    Calling it again with the same name starts the app again on that folder (a restart).
    """
    made: list[Flask] = []
    databases: dict[str, str | None] = {}

    def make(name: str, schema: bool = True) -> Flask:
        if name not in databases:
            # SQLite: the instance's own tocapp.sqlite, the default a new machine gets.
            databases[name] = make_database(name, schema) if TEST_DATABASE != "sqlite" else None
        config: dict[str, Any] = {"TESTING": True, "WTF_CSRF_ENABLED": False}
        config["JOBS_QUEUE"] = "immediate"
        if databases[name]:
            config["SQLALCHEMY_DATABASE_URI"] = databases[name]
        folder = tmp_path / name / "instance"
        with mock.patch.object(Flask, "auto_find_instance_path", return_value=str(folder)):
            app = create_app(config)
        if schema and databases[name] is None:
            with app.app_context():
                db.create_all()
                ensure_built_in_schedules(db.session)
                db.session.commit()
        made.append(app)
        return app

    yield make
    for app in made:
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def in_use(make_instance: Callable[..., Flask]) -> tuple[Flask, FlaskClient]:
    """An instance with the demo study, its evaluator logged in, a chart drawn, a report built."""
    app = make_instance("source")
    with app.app_context():
        login = load_demo_study(db.session)
        setting_id = db.session.scalars(select(Setting.id)).first()
        db.session.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)"))
        db.session.execute(text(f"INSERT INTO alembic_version VALUES ('{REVISION}')"))
        db.session.commit()
    client = app.test_client()
    client.post("/login", data={"email": login.email, "password": login.password})
    study = f"/studies/{login.project_id}"
    assert client.get(study).status_code == 200
    assert client.get(f"{study}/settings/{setting_id}/flowchart").status_code == 200  # drawn
    report = client.post(f"{study}/comparison/reports", data={"fmt": "pdf"})
    assert report.status_code == 303
    return app, client


def run(app: Flask, *args: str) -> Any:
    return app.test_cli_runner().invoke(args=["backup", *args])


def backup_of(app: Flask, path: Path) -> Path:
    result = run(app, "create", str(path))
    assert result.exit_code == 0, result.output
    return path


def test_a_restored_instance_shows_every_page_and_document_as_the_original(
    in_use, make_instance, tmp_path
):
    app, client = in_use
    # In use: another request's transaction has changed the study but not yet committed.
    with app.app_context():
        busy = db.engine.connect()
        transaction = busy.begin()
        busy.execute(text("UPDATE projects SET title = 'Not committed yet'"))
        archive = tmp_path / "tocapp.tar.gz"
        result = run(app, "create", str(archive))
        transaction.rollback()
        busy.close()
    assert result.exit_code == 0, result.output
    assert re.fullmatch(
        rf"Backup written to {re.escape(str(archive))} \(\d+\.\d (KB|MB): database, secret key, "
        r"1 report\)\.\n",
        result.output,
    )
    assert archive.stat().st_mode & 0o777 == 0o600

    target = make_instance("restored")
    result = run(target, "restore", str(archive))
    assert result.exit_code == 0, result.output
    assert f"the database is at revision {REVISION}" in result.output
    assert "run `flask --app tocapp db upgrade`" in result.output  # the test revision is no head
    restored = make_instance("restored")  # started again, as after a restore

    # The same login goes on working there: the same secret key, the same login session.
    again = restored.test_client()
    again.set_cookie("session", client.get_cookie("session").value)
    pages = crawl(client)
    assert len(pages) > 30, sorted(pages)
    kinds = {kind for kind, _ in pages.values()}
    assert {"html", "pdf", "docx", "svg"} <= kinds, kinds
    for url, (kind, content) in pages.items():
        with again.get(url) as response:
            assert response.status_code == 200, url
            assert normalise(kind, response) == content, difference(url, content, response)

    # The built report's file is there, byte for byte.
    reports = sorted(Path(app.config["REPORTS_DIR"]).iterdir())
    assert len(reports) == 1
    copy = Path(restored.config["REPORTS_DIR"]) / reports[0].name
    assert copy.read_bytes() == reports[0].read_bytes()
    # The demo login works with the restored password hash.
    fresh = restored.test_client()
    fresh.post("/login", data={"email": DEMO_EMAIL, "password": DEMO_PASSWORD})
    assert fresh.get("/").status_code == 200
    assert "Not committed yet" not in again.get("/").get_data(as_text=True)
    # It takes new rows (on PostgreSQL, the sequences were restored too).
    study = next(url for url in pages if re.fullmatch(r"/studies/\d+", url))
    form = fresh.get(f"{study}/settings/new").get_data(as_text=True)
    token = re.search(r'name="form_token"[^>]* value="([^"]*)"', form)
    added = fresh.post(
        f"{study}/settings/new",
        data={"name": "Hill Primary", "code": "HIL", "kind": "Primary school"}
        | ({"form_token": token.group(1)} if token else {}),
    )
    assert added.status_code == 302, added.get_data(as_text=True)
    assert "Hill Primary" in fresh.get(added.headers["Location"]).get_data(as_text=True)


def test_the_manifest_lists_every_file_with_its_checksum_and_no_render_cache(in_use, tmp_path):
    app, _ = in_use
    assert any(Path(app.config["RENDER_CACHE_DIR"]).rglob("*.svg"))  # charts were drawn
    folder = tmp_path / "backups"
    folder.mkdir()
    result = run(app, "create", str(folder))  # a folder: a dated name inside it
    assert result.exit_code == 0, result.output
    (archive,) = folder.iterdir()
    assert re.fullmatch(r"tocapp-backup-\d{8}-\d{6}\.tar\.gz", archive.name)
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        manifest = json.loads(tar.extractfile("manifest.json").read())
        for entry in manifest["files"]:
            data = tar.extractfile(entry["path"]).read()
            assert len(data) == entry["size"]
            assert hashlib.sha256(data).hexdigest() == entry["sha256"]
    assert names[0] == "manifest.json"
    database = "database.sqlite" if TEST_DATABASE == "sqlite" else "database.pgdump"
    (report,) = (path.name for path in Path(app.config["REPORTS_DIR"]).iterdir())
    assert sorted(names[1:]) == sorted([database, "secret_key", f"reports/{report}"])
    assert manifest["format"] == "tocapp-backup" and manifest["format_version"] == FORMAT_VERSION
    assert manifest["engine"] == TEST_DATABASE and manifest["alembic_revision"] == REVISION
    assert manifest["tocapp_version"] and manifest["created_at"].endswith("+00:00")
    # An existing file is never overwritten.
    again = run(app, "create", str(archive))
    assert again.exit_code == 1 and "already exists" in again.output


def test_a_backup_restores_into_a_database_with_no_tables_yet(in_use, make_instance, tmp_path):
    app, _ = in_use
    archive = backup_of(app, tmp_path / "b.tar.gz")
    target = make_instance("bare", schema=False)
    result = run(target, "restore", str(archive))
    assert result.exit_code == 0, result.output
    assert "database, secret key, 1 report" in result.output
    restored = make_instance("bare")
    client = restored.test_client()
    client.post("/login", data={"email": DEMO_EMAIL, "password": DEMO_PASSWORD})
    with restored.app_context():
        (title,) = db.session.scalars(select(Project.title)).all()
    assert title in client.get("/").get_data(as_text=True)


# --- Refusals: a clear message, and nothing changed -----------------------------------------


def state_of(app: Flask) -> dict[str, Any]:
    """What a restore would change: the database's accounts and studies, the instance folder."""
    instance = Path(app.instance_path)
    with app.app_context():
        db.session.remove()
        users = db.session.scalars(select(User.email).order_by(User.email)).all()
        projects = db.session.scalar(select(func.count()).select_from(Project))
        db.session.remove()
    return {
        "users": users,
        "projects": projects,
        "files": {
            str(path.relative_to(instance)): path.read_bytes()
            for path in sorted(instance.rglob("*"))
            if path.is_file() and not path.name.endswith(("-wal", "-shm"))
        },
    }


def rewrite(archive: Path, target: Path, change: Callable[[str, bytes], bytes]) -> Path:
    """A copy of ``archive`` with each member's bytes passed through ``change(name, data)``."""
    with tarfile.open(archive) as source, tarfile.open(target, "w:gz") as copy:
        for member in source:
            data = change(member.name, source.extractfile(member).read())
            member.size = len(data)
            copy.addfile(member, io.BytesIO(data))
    return target


def tampered_manifest(**changes: Any) -> Callable[[str, bytes], bytes]:
    def change(name: str, data: bytes) -> bytes:
        if name != "manifest.json":
            return data
        return json.dumps({**json.loads(data), **changes}).encode()

    return change


def flip_database_byte(name: str, data: bytes) -> bytes:
    if not name.startswith("database."):
        return data
    middle = len(data) // 2
    return data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1 :]


def database_replaced(data: bytes) -> Callable[[str, bytes], bytes]:
    """The database member replaced by ``data``, with the manifest's size and checksum to match:
    a backup whose checksums are right but whose database is not a good one."""

    def change(name: str, member: bytes) -> bytes:
        if name.startswith("database."):
            return data
        if name != "manifest.json":
            return member
        manifest = json.loads(member)
        for entry in manifest["files"]:
            if entry["path"].startswith("database."):
                entry.update(size=len(data), sha256=hashlib.sha256(data).hexdigest())
        return json.dumps(manifest).encode()

    return change


def foreign_sqlite_database(folder: Path) -> bytes:
    """A good SQLite file that is another app's."""
    import sqlite3

    path = folder / "foreign.sqlite"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE lessons (title TEXT)")
    return path.read_bytes()


@pytest.fixture
def archive(make_instance, tmp_path) -> Path:
    """A good backup of an instance with the demo study, to damage."""
    app = make_instance("source")
    with app.app_context():
        load_demo_study(db.session)
        db.session.commit()
    return backup_of(app, tmp_path / "good.tar.gz")


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda a, t: rewrite(a, t, flip_database_byte), "does not match its checksum"),
        (
            lambda a, t: rewrite(a, t, tampered_manifest(format_version=FORMAT_VERSION + 1)),
            f"format version {FORMAT_VERSION + 1}, which this tocapp",
        ),
        (
            lambda a, t: rewrite(a, t, tampered_manifest(format="something-else")),
            "is not a tocapp backup",
        ),
        (
            lambda a, t: rewrite(
                a,
                t,
                tampered_manifest(engine="postgresql" if TEST_DATABASE == "sqlite" else "sqlite"),
            ),
            "but this instance uses",
        ),
        (lambda a, t: t.write_bytes(b"%PDF-1.7 not a backup") and t, "is not a tocapp backup"),
        (lambda a, t: t.write_bytes(gzip.compress(b"just text")) and t, "is not a tocapp backup"),
        (lambda a, t: t.write_bytes(a.read_bytes()[:-3000]) and t, "is damaged"),
        pytest.param(
            lambda a, t: rewrite(a, t, database_replaced(b"not a database " * 300)),
            "cannot be read",
            marks=SQLITE_ONLY,
        ),
        pytest.param(
            lambda a, t: rewrite(a, t, database_replaced(foreign_sqlite_database(t.parent))),
            "is not a tocapp database",
            marks=SQLITE_ONLY,
        ),
        pytest.param(
            lambda a, t: rewrite(a, t, database_replaced(b"")),
            "is not a tocapp database",
            marks=SQLITE_ONLY,
        ),
    ],
    ids=[
        "checksum",
        "format-version",
        "foreign-manifest",
        "engine",
        "not-gzip",
        "not-tar",
        "cut",
        "database-garbage",
        "database-foreign",
        "database-empty",
    ],
)
def test_a_bad_archive_is_refused_with_a_clear_message_and_nothing_changes(
    archive, make_instance, tmp_path, damage, message
):
    bad = damage(archive, tmp_path / "bad.tar.gz")
    target = make_instance("target")
    before = state_of(target)
    result = run(target, "restore", str(bad))
    assert result.exit_code == 1
    assert message in result.output and "Traceback" not in result.output, result.output
    assert len(result.output.strip().splitlines()) == 1, result.output
    assert state_of(target) == before


def test_a_restore_into_an_instance_in_use_is_refused_and_changes_nothing(archive, make_instance):
    target = make_instance("target")
    with target.app_context():
        load_demo_study(db.session)  # someone has started using it
        db.session.commit()
    (Path(target.config["REPORTS_DIR"])).mkdir(parents=True, exist_ok=True)
    before = state_of(target)
    result = run(target, "restore", str(archive))
    assert result.exit_code == 1
    assert "already has at least one account" in result.output
    assert "Nothing was restored" in result.output
    assert state_of(target) == before
    assert not any(Path(target.config["REPORTS_DIR"]).iterdir())


@pytest.mark.skipif(TEST_DATABASE == "sqlite", reason="a SQLite file is tocapp's alone")
def test_a_database_holding_tables_of_another_app_is_refused_and_keeps_them(archive, make_instance):
    target = make_instance("target")
    with target.app_context():
        db.session.execute(text("CREATE TABLE timetable (lesson TEXT)"))
        db.session.execute(text("INSERT INTO timetable VALUES ('Phonics')"))
        db.session.commit()
    before = state_of(target)
    result = run(target, "restore", str(archive))
    assert result.exit_code == 1
    assert "tables that are not tocapp's (timetable)" in result.output
    assert state_of(target) == before
    with target.app_context():
        assert db.session.scalar(text("SELECT lesson FROM timetable")) == "Phonics"


def test_restoring_a_file_that_is_not_there_says_so(make_instance, tmp_path):
    result = run(make_instance("target"), "restore", str(tmp_path / "nowhere.tar.gz"))
    assert result.exit_code == 1 and "There is no file" in result.output


# --- Reading pages and documents ---------------------------------------------------------------

# The activity page lists what happened since the backup too (downloads are recorded), so it
# differs by design between the original and the restored instance.
SKIP = re.compile(r"^/(static/|logout)|/activity")


def crawl(client: FlaskClient, start: str = "/") -> dict[str, tuple[str, Any]]:
    """Every page and document reachable by a GET link from ``start``, normalised."""
    seen: dict[str, tuple[str, Any]] = {}
    queue = [start]
    while queue:
        url = queue.pop(0)
        if url in seen or SKIP.search(url):
            continue
        with client.get(url) as response:  # a download streams its file: close it
            assert response.status_code == 200, url
            kind, content = normalise_with_kind(response)
        seen[url] = (kind, content)
        if kind == "html":
            for link in re.findall(r'href="(/[^"#]*)', content):
                queue.append(link.replace("&amp;", "&"))
    return seen


def difference(url: str, expected: Any, response: Any) -> str:
    if not isinstance(expected, str):
        return url
    actual = normalise("html", response)
    lines = difflib.unified_diff(expected.splitlines(), actual.splitlines(), lineterm="", n=1)
    return f"{url}:\n" + "\n".join(list(lines)[:40])


def normalise_with_kind(response: Any) -> tuple[str, Any]:
    kind = {
        "text/html": "html",
        "application/pdf": "pdf",
        "image/svg+xml": "svg",
        "image/png": "png",
        "text/csv": "csv",
        "application/json": "json",
    }.get(response.mimetype, "docx" if "wordprocessingml" in response.mimetype else "bytes")
    return kind, normalise(kind, response)


def normalise(kind: str, response: Any) -> Any:
    """What must be the same: HTML but one-use tokens and nonces, documents' text, else bytes."""
    data = response.get_data()
    if kind == "html":
        page = data.decode()
        # Tokens made afresh for each form shown: CSRF, and the one that stops a double submit.
        page = re.sub(r'(name="(?:csrf|form)_token"[^>]* value=")[^"]*', r"\1…", page)
        page = re.sub(r'(data-draft-key="interview:new:\d+:)[0-9a-f]*', r"\1…", page)  # the same
        return re.sub(r'(nonce=")[^"]*', r"\1…", page)
    if kind == "pdf":  # WeasyPrint stamps the time of writing; the text must be the same
        return subprocess.run(
            ["pdftotext", "-", "-"], input=data, capture_output=True, check=True
        ).stdout.decode()
    if kind == "docx":  # python-docx stamps the time too
        document = Document(io.BytesIO(data))
        cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
        return [p.text for p in document.paragraphs] + cells
    return data
