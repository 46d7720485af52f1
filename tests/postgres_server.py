"""A throwaway PostgreSQL cluster for one test run, in a temporary folder, reached by its socket.

``./scripts/test.sh`` runs the whole suite twice: on SQLite, then with
``TOCAPP_TEST_DATABASE=postgresql``, when the session fixture in ``tests/conftest.py`` starts this
cluster (Debian's ``postgresql`` package, installed by ``scripts/setup.sh --with-test-tools``) and
stops it at the end. Nothing listens on the network: only a Unix socket in the cluster's folder.

Each test gets a database of its own, copied from a template that already has the schema, so
tests are as isolated as with their own SQLite file.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg2
from sqlalchemy import create_engine

SUPERUSER = "tocapp"
TEMPLATE = "tocapp_template"


def _binary(name: str) -> str:
    """pg_ctl and initdb live in Debian's versioned folder, not on PATH."""
    found = shutil.which(name) or next(
        iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None
    )
    if found is None:
        raise RuntimeError(
            f"{name} was not found: ./scripts/setup.sh --with-test-tools installs PostgreSQL."
        )
    return found


def _as_owner(command: list[str], owner: str | None) -> list[str]:
    """PostgreSQL refuses to run as root: as root, run it as the postgres user."""
    return ["runuser", "-u", owner, "--", *command] if owner else command


@contextmanager
def postgres_cluster(folder: Path) -> Iterator[str]:
    """Start a cluster in ``folder``; yield the URL of its template database; stop it after."""
    owner = "postgres" if os.geteuid() == 0 else None
    data, socket = folder / "data", folder / "socket"
    data.mkdir(parents=True)
    socket.mkdir()
    if owner:
        shutil.chown(folder, owner)
        shutil.chown(data, owner)
        shutil.chown(socket, owner)
    run = {"check": True, "capture_output": True, "timeout": 120}
    subprocess.run(
        _as_owner(
            [
                _binary("initdb"),
                "-D",
                str(data),
                "-U",
                SUPERUSER,
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
            ],
            owner,
        ),
        **run,
    )
    options = (
        f"-c listen_addresses='' -c unix_socket_directories={socket} -c fsync=off "
        "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
    )
    subprocess.run(
        _as_owner(
            [
                _binary("pg_ctl"),
                "-D",
                str(data),
                "-l",
                str(folder / "server.log"),
                "-o",
                options,
                "-w",
                "start",
            ],
            owner,
        ),
        **run,
    )
    try:
        admin = psycopg2.connect(dbname="postgres", user=SUPERUSER, host=str(socket))
        admin.autocommit = True
        admin.cursor().execute(f"CREATE DATABASE {TEMPLATE}")
        admin.close()
        yield url(socket, TEMPLATE)
    finally:
        subprocess.run(
            _as_owner([_binary("pg_ctl"), "-D", str(data), "-m", "immediate", "stop"], owner),
            capture_output=True,
            timeout=60,
        )


def url(socket: Path, database: str) -> str:
    return f"postgresql+psycopg2://{SUPERUSER}@/{database}?host={socket}"


def create_schema(template_url: str, metadata: object) -> None:
    """The models' tables in the template, once, so every copy starts with them."""
    engine = create_engine(template_url)
    metadata.create_all(engine)  # type: ignore[attr-defined]
    engine.dispose()


def new_database(template_url: str, name: str) -> str:
    """A fresh database copied from the template (with the schema); returns its URL."""
    return _create(template_url, name, TEMPLATE)


def empty_database(template_url: str, name: str) -> str:
    """A database with no tables at all (for migrations to build)."""
    return _create(template_url, name, "template0")


def _create(template_url: str, name: str, template: str) -> str:
    socket = Path(template_url.rsplit("host=", 1)[1])
    admin = psycopg2.connect(dbname="postgres", user=SUPERUSER, host=str(socket))
    admin.autocommit = True
    admin.cursor().execute(f'CREATE DATABASE "{name}" TEMPLATE {template}')
    admin.close()
    return url(socket, name)


def drop_database(database_url: str) -> None:
    socket = Path(database_url.rsplit("host=", 1)[1])
    name = database_url.split("/")[-1].split("?")[0]
    admin = psycopg2.connect(dbname="postgres", user=SUPERUSER, host=str(socket))
    admin.autocommit = True
    admin.cursor().execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()
