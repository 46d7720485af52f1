"""Data at rest: whatever tocapp writes in its instance folder is readable by its own user only.

The instance holds interview notes and participants' words (database, reports, drawn charts, the
job queue, backups) and the key that signs every login. A common umask of 022 would leave all of
it readable by every account on the machine; tocapp sets its own at start.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path
from unittest import mock

import pytest
from flask import Flask
from sqlalchemy import select

from tests.conftest import TEST_DATABASE
from tocapp import create_app
from tocapp.extensions import db
from tocapp.jobs import job_queue
from tocapp.models import ReportJob, Setting
from tocapp.services.demo import load_demo_study
from tocapp.services.schedules import ensure_built_in_schedules


@pytest.fixture
def loose_umask() -> Iterator[None]:
    """The umask most systems start processes with: new files 0644, new folders 0755."""
    before = os.umask(0o022)
    yield
    os.umask(before)


def app_in(folder: Path, make_database: Callable[..., str]) -> Flask:
    config = {"TESTING": True, "WTF_CSRF_ENABLED": False, "JOBS_QUEUE": "sqlite"}
    if TEST_DATABASE != "sqlite":
        config["SQLALCHEMY_DATABASE_URI"] = make_database()
    with mock.patch.object(Flask, "auto_find_instance_path", return_value=str(folder)):
        return create_app(config)


def modes(folder: Path) -> dict[str, str]:
    """Every file and folder under ``folder`` (and itself) with its permissions, as ``ls`` shows."""
    found = {".": stat.filemode(folder.stat().st_mode)}
    for path in folder.rglob("*"):
        found[str(path.relative_to(folder))] = stat.filemode(path.lstat().st_mode)
    return found


def test_every_file_tocapp_writes_is_0600_and_every_folder_0700(
    tmp_path, make_database, loose_umask
):
    instance = tmp_path / "instance"
    instance.mkdir()
    # Left from before tocapp kept its files private: a settings file and a folder made by hand.
    (instance / "config.py").write_text("REPORT_JOBS_KEEP_DAYS = 7\n")
    (instance / "old-reports").mkdir()
    (instance / "old-reports" / "report.pdf").write_bytes(b"%PDF")
    assert stat.filemode((instance / "config.py").stat().st_mode) == "-rw-r--r--"

    app = app_in(instance, make_database)
    with app.app_context():
        if TEST_DATABASE == "sqlite":
            db.create_all()
            ensure_built_in_schedules(db.session)
        login = load_demo_study(db.session)
        db.session.commit()
        setting_id = db.session.scalars(select(Setting.id)).first()
        client = app.test_client()
        client.post("/login", data={"email": login.email, "password": login.password})
        setting = f"/studies/{login.project_id}/settings/{setting_id}"
        for url in (f"{setting}/flowchart", f"{setting}/flowchart.png"):  # the render cache
            assert client.get(url).status_code == 200
        with client.get(f"{setting}/exports/flowchart.pdf") as export:
            assert export.status_code == 200
        # A report queued on the SQLite queue (its file), then built as the worker builds it.
        started = client.post(
            f"/studies/{login.project_id}/comparison/reports", data={"fmt": "pdf"}
        )
        assert started.status_code == 303
        huey = job_queue(app).huey
        huey.execute(huey.dequeue())
        db.session.rollback()
        assert db.session.scalars(select(ReportJob.state)).one() == "done"
        (instance / "backups").mkdir()
        result = app.test_cli_runner().invoke(args=["backup", "create", str(instance / "backups")])
        assert result.exit_code == 0, result.output

        found = modes(instance)  # while the database is open: its -wal and -shm files are there
    for expected in ("secret_key", "jobs.sqlite", "reports", "render-cache", "backups"):
        assert expected in found, sorted(found)
    if TEST_DATABASE == "sqlite":
        assert {"tocapp.sqlite", "tocapp.sqlite-wal", "tocapp.sqlite-shm"} <= set(found)
    assert any(name.startswith("render-cache/") and name.endswith(".png") for name in found)
    assert any(name.startswith("reports/report-") for name in found)
    assert any(name.startswith("backups/tocapp-backup-") for name in found)
    loose = {name: mode for name, mode in found.items() if mode not in ("-rw-------", "drwx------")}
    assert loose == {}


def test_an_instance_folder_shared_by_link_is_not_followed(tmp_path, make_database, loose_umask):
    """A link in the instance (say, to a shared folder) is left alone, and so is its target."""
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "handbook.pdf").write_bytes(b"%PDF")
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "handbook").symlink_to(shared)
    app_in(instance, make_database)
    assert stat.filemode(shared.stat().st_mode) == "drwxr-xr-x"
    assert stat.filemode((shared / "handbook.pdf").stat().st_mode) == "-rw-r--r--"
    assert stat.filemode(instance.stat().st_mode) == "drwx------"
