"""Shared fixtures: an app on a temporary SQLite file, a client, a login helper and factories.

Factories return callables (``make_project(owner=..., title=...)``) so each test states only what
matters to it.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tocapp import create_app
from tocapp.extensions import db
from tocapp.models import Interview, Participant, Project, Setting, User
from tocapp.services import interviews, participants, studies
from tocapp.services.schedules import ensure_built_in_schedules
from tocapp.services.users import create_user

PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail any test that tries to reach beyond this machine."""
    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address: Any) -> Any:
        host = address[0] if isinstance(address, tuple) else address
        if (
            isinstance(host, str)
            and host not in ("127.0.0.1", "localhost", "::1")
            and not (host.startswith("/"))
        ):
            raise RuntimeError(f"test tried to reach the network: {address!r}")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)


# The suite runs on SQLite, and again with TOCAPP_TEST_DATABASE=postgresql (scripts/test.sh).
TEST_DATABASE = os.environ.get("TOCAPP_TEST_DATABASE", "sqlite")


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str | None]:
    """On a PostgreSQL run: a throwaway cluster and a template database with the schema."""
    if TEST_DATABASE != "postgresql":
        yield None
        return
    from tests.postgres_server import create_schema, postgres_cluster

    # Not under pytest's temporary folder: as root, the server runs as the postgres user, who
    # may not enter root's private folders.
    folder = Path(tempfile.mkdtemp(prefix="tocapp-postgres-"))
    try:
        with postgres_cluster(folder) as template:
            create_schema(template, db.metadata)
            yield template
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def make_database(tmp_path: Path, postgres_template: str | None) -> Iterator[Callable[[str], str]]:
    """A fresh, empty database of the engine under test: a SQLite file, or a PostgreSQL database
    copied from the template (dropped after the test). ``schema`` False: no tables at all."""
    from tests import postgres_server

    made: list[str] = []

    def make(name: str = "test", schema: bool = True) -> str:
        if postgres_template is None:
            return f"sqlite:///{tmp_path / f'{name}.sqlite'}"
        database = f"t{os.getpid()}_{len(made)}_{tmp_path.name}"[:60].lower()
        made.append(
            postgres_server.new_database(postgres_template, database)
            if schema
            else postgres_server.empty_database(postgres_template, database)
        )
        return made[-1]

    yield make
    for url in made:
        postgres_server.drop_database(url)


@pytest.fixture
def database_uri(make_database: Callable[..., str]) -> str:
    return make_database()


@pytest.fixture
def app_config(tmp_path: Any, database_uri: str) -> dict[str, Any]:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "WTF_CSRF_ENABLED": False,
        "SQLALCHEMY_DATABASE_URI": database_uri,
        "RENDER_CACHE_DIR": str(tmp_path / "render-cache"),
        "JOBS_QUEUE": "immediate",
        "REPORTS_DIR": str(tmp_path / "reports"),
    }


@pytest.fixture
def app(app_config: dict[str, Any]) -> Iterator[Flask]:
    app = create_app(app_config)
    with app.app_context():
        db.create_all()
        ensure_built_in_schedules(db.session)
        db.session.commit()
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def session(app: Flask) -> Any:
    return db.session


class AuthActions:
    def __init__(self, client: FlaskClient) -> None:
        self._client = client

    def login(self, user: User, password: str = PASSWORD) -> Any:
        return self._client.post("/login", data={"email": user.email, "password": password})

    def logout(self) -> Any:
        return self._client.post("/logout")


@pytest.fixture
def auth(client: FlaskClient) -> AuthActions:
    return AuthActions(client)


@pytest.fixture
def make_user(app: Flask) -> Callable[..., User]:
    counter = iter(range(1, 10_000))

    def make(email: str | None = None, name: str = "Test evaluator") -> User:
        user = create_user(
            db.session, None, email or f"user{next(counter)}@school.test", name, PASSWORD
        )
        db.session.commit()
        return user

    return make


@pytest.fixture
def make_project(make_user: Callable[..., User]) -> Callable[..., Project]:
    def make(owner: User | None = None, **fields: Any) -> Project:
        owner = owner or make_user()
        defaults = {
            "title": "Coaching study",
            "focus": "speech and language development",
            "partner": "CLARITY",
        }
        project = studies.create_project(
            db.session, owner, studies.ProjectFields(**{**defaults, **fields})
        )
        db.session.commit()
        return project

    return make


@pytest.fixture
def make_setting(make_project: Callable[..., Project]) -> Callable[..., Setting]:
    counter = iter(range(1, 10_000))

    def make(project: Project | None = None, **fields: Any) -> Setting:
        project = project or make_project()
        n = next(counter)
        values = {"name": f"School {n}", "code": f"S{n:02d}", "kind": "Primary school", **fields}
        setting = studies.add_setting(db.session, None, project, studies.SettingFields(**values))
        db.session.commit()
        return setting

    return make


@pytest.fixture
def make_participant(make_setting: Callable[..., Setting]) -> Callable[..., Participant]:
    def make(setting: Setting | None = None, **fields: Any) -> Participant:
        setting = setting or make_setting()
        values = {
            "role_label": "Headteacher",
            "consent_participate": True,
            "consent_quote": True,
            **fields,
        }
        # The factory's convenience: a head speaks for leadership unless the test says otherwise.
        values.setdefault(
            "perspective", "leadership" if "head" in values["role_label"].lower() else "practice"
        )
        participant = participants.add_participant(
            db.session, None, setting, participants.ParticipantFields(**values)
        )
        db.session.commit()
        return participant

    return make


@pytest.fixture
def make_interview(make_participant: Callable[..., Participant]) -> Callable[..., Interview]:
    """A round-1 interview with the theory-of-change schedule; notes by question number."""

    def make(
        participant: Participant | None = None, notes: dict[int, str] | None = None, **fields: Any
    ) -> Interview:
        participant = participant or make_participant()
        setting = participant.setting
        from tocapp.services.schedules import schedules_for

        schedule = schedules_for(db.session, setting.project)[0]
        values: dict[str, Any] = {
            "round_id": setting.project.rounds[0].id,
            "held_on": date(2026, 1, 20),
            "mode": "face-to-face",
            "schedule_id": schedule.id,
            "people": [(participant.id, participant.role_label)],
            "notes": notes or {1: "Many children arrive with speech needs."},
            **fields,
        }
        interview = interviews.record_interview(
            db.session, None, setting, interviews.InterviewFields(**values)
        )
        db.session.commit()
        return interview

    return make


# What a job worker process needs to share the test app's database, queue and folders.
WORKER_CONFIG_KEYS = (
    "SQLALCHEMY_DATABASE_URI",
    "SECRET_KEY",
    "RENDER_CACHE_DIR",
    "JOBS_QUEUE",
    "JOBS_SQLITE_PATH",
    "JOBS_REDIS_URL",
    "REPORTS_DIR",
)


@pytest.fixture
def start_job_worker(
    tmp_path: Path,
) -> Iterator[Callable[[dict[str, Any]], subprocess.Popen[bytes]]]:
    """Start the real ``flask --app tocapp jobs worker`` process on an app's configuration.

    It is stopped with Ctrl+C (SIGINT) at the end of the test, as a person would stop it.
    """
    started: list[subprocess.Popen[bytes]] = []

    def start(config: dict[str, Any]) -> subprocess.Popen[bytes]:
        env = dict(os.environ)
        env.update(
            {f"TOCAPP_{k}": str(config[k]) for k in WORKER_CONFIG_KEYS if config.get(k) is not None}
        )
        log = open(tmp_path / f"worker-{len(started)}.log", "wb")  # noqa: SIM115 (closed below)
        process = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "tocapp", "jobs", "worker", "--workers", "1"],
            cwd=Path(__file__).resolve().parents[1],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture
def redis_url(tmp_path) -> Iterator[str]:
    """A throwaway redis-server on a free loopback port, for the length of a test."""
    server = shutil.which("redis-server") or "/usr/bin/redis-server"
    if not shutil.which(server):
        pytest.fail(
            "redis-server was not found: ./scripts/setup.sh --with-test-tools installs it.",
            pytrace=False,
        )
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [server, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no"],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                pytest.fail("redis-server did not start", pytrace=False)
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0"
    process.terminate()
    process.wait(timeout=10)
