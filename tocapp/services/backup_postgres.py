"""The PostgreSQL half of backups: ``pg_dump`` out, ``pg_restore`` and ``psql`` back in.

The client programs come with Debian's ``postgresql-client`` package; they are looked for on the
PATH, then in Debian's versioned folders (``/usr/lib/postgresql/<version>/bin``), newest first,
because a newer ``pg_dump`` reads an older server but not the other way round.

The password never appears on a command line (where ``ps`` would show it): it goes in
``PGPASSWORD``, and everything else in a libpq connection string built from the SQLAlchemy URL.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import subprocess
from collections.abc import Collection
from pathlib import Path

from sqlalchemy import create_engine, inspect
from sqlalchemy.engine import URL


class PostgresToolError(Exception):
    """pg_dump, pg_restore or psql is missing or failed, or the database is not tocapp's alone;
    the message says why."""


def dump(url: URL, target: Path) -> None:
    """A custom-format dump of the database at ``url``: one consistent snapshot, taken while
    the app keeps running."""
    conninfo, env = _connection(url)
    _run(
        [_binary("pg_dump"), "--format=custom", "--no-password", f"--file={target}", conninfo],
        env,
    )


def restore(url: URL, dump_file: Path, own_tables: Collection[str]) -> None:
    """Replace tocapp's tables with the dump's, in one transaction: if anything fails, the
    database is as it was.

    ``pg_restore`` turns the dump into SQL (which also proves the dump readable); ``psql`` runs
    it after dropping the tables the (empty) database already has — an ``upgrade`` makes them,
    maybe newer than the dump's — in a single transaction. Only tocapp's tables (``own_tables``,
    the dump's and ``alembic_version``) are dropped: a database that holds anything else is
    refused, because a restore must not take someone else's tables with it.
    """
    conninfo, env = _connection(url)
    script = dump_file.with_suffix(".sql")
    _run(
        [
            _binary("pg_restore"),
            "--no-owner",  # the tables belong to whoever restores, as on the first install
            "--no-privileges",
            f"--file={script}",
            str(dump_file),
        ],
        env,
    )
    known = {"alembic_version", *own_tables, *_CREATED_TABLE.findall(script.read_text("utf-8"))}
    drops = dump_file.with_suffix(".drop.sql")
    drops.write_text(_drop_tables(url, known), encoding="utf-8")
    _run(
        [
            _binary("psql"),
            "--no-psqlrc",
            "--quiet",
            "--no-password",
            "--set=ON_ERROR_STOP=1",
            "--single-transaction",
            f"--file={drops}",
            f"--file={script}",
            f"--dbname={conninfo}",
        ],
        {**env, "PGOPTIONS": "-c client_min_messages=warning"},
    )


_CREATED_TABLE = re.compile(r'^CREATE TABLE "?\w+"?\."?(\w+)"? \(', re.MULTILINE)


def _drop_tables(url: URL, known: set[str]) -> str:
    """SQL dropping the database's tables (their sequences and indexes go with them)."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            inspector = inspect(connection)
            schema = inspector.default_schema_name or "public"
            tables = inspector.get_table_names()
            others = sorted(set(tables) - known) + inspector.get_view_names()
    finally:
        engine.dispose()
    if others:
        raise PostgresToolError(
            f"The database holds tables that are not tocapp's ({', '.join(others[:5])}): restore "
            "into a database of tocapp's own. Nothing was restored."
        )
    quote = engine.dialect.identifier_preparer.quote
    return "".join(f"DROP TABLE {quote(schema)}.{quote(name)} CASCADE;\n" for name in tables)


def _connection(url: URL) -> tuple[str, dict[str, str]]:
    """A libpq connection string for ``url`` (without its password) and the environment."""
    keywords: dict[str, object] = {
        "dbname": url.database,
        "user": url.username,
        "host": url.host,
        "port": url.port,
    }
    # Query parameters (?host=/run/postgresql, ?sslmode=require) are libpq keywords already.
    keywords.update({key: value for key, value in url.query.items() if isinstance(value, str)})
    conninfo = " ".join(
        f"{key}={_quoted(str(value))}" for key, value in keywords.items() if value not in (None, "")
    )
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return conninfo, env


def _quoted(value: str) -> str:
    return "'" + re.sub(r"(['\\])", r"\\\1", value) + "'"


def _binary(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    versioned = sorted(
        glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
        key=lambda path: [int(part) for part in re.findall(r"\d+", path)],
        reverse=True,
    )
    if not versioned:
        raise PostgresToolError(
            f"{name} was not found: install PostgreSQL's client programs "
            "(sudo apt-get install postgresql-client)."
        )
    return versioned[0]


def _run(command: list[str], env: dict[str, str]) -> None:
    try:
        subprocess.run(command, env=env, check=True, capture_output=True, text=True)
    except subprocess.CalledProcessError as error:
        lines = (error.stderr or error.stdout or "").strip().splitlines()
        detail = " ".join(lines[-3:]) or f"exit status {error.returncode}"
        raise PostgresToolError(f"{Path(command[0]).name} failed: {detail}") from error
