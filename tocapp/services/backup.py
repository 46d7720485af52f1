"""Backups of one tocapp instance, taken while it runs.

A backup is one ``.tar.gz`` holding ``manifest.json`` (first, so it is read before anything else),
the database, the instance's secret key (without it, every login, remember-me cookie and form
in progress would stop working after a restore) and the built reports. The render cache is left
out: every chart in it is drawn again on demand. The job queue's file is left out: it carries only
job ids, and the jobs themselves are rows in the database.

The database is copied consistently while the app keeps writing: on SQLite with the online backup
API (one step, so one read snapshot under write-ahead logging), on PostgreSQL with ``pg_dump``
(one repeatable-read snapshot). Restoring a backup is ``services.backup_restore``; the format, the
summary and the small helpers both sides use are here.

Nothing here needs Flask: the paths and the database URL are passed in (``InstancePaths``).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sqlite3
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import URL, make_url

from tocapp.services import backup_postgres

FORMAT = "tocapp-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SECRET_KEY = "secret_key"
REPORTS = "reports"
DATABASE_FILES = {"sqlite": "database.sqlite", "postgresql": "database.pgdump"}
# Every name a backup may hold: nothing absolute, no "..", no links, nothing else.
MEMBER = re.compile(
    r"(manifest\.json|database\.sqlite|database\.pgdump|secret_key|reports/(?!\.)[\w.-]+)"
)
CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup could not be written or restored; the message says why, for whoever runs it."""


@dataclass(frozen=True)
class InstancePaths:
    """Where an instance keeps what a backup holds."""

    database_uri: str
    secret_key_file: Path
    reports_dir: Path


@dataclass(frozen=True)
class BackupSummary:
    """What a backup holds (or a restore put back), for the one-line result."""

    path: Path
    size: int
    engine: str
    alembic_revision: str | None
    secret_key: bool
    reports: int

    def describe(self) -> str:
        parts = ["database"]
        if self.secret_key:
            parts.append("secret key")
        parts.append(f"{self.reports} report" + ("" if self.reports == 1 else "s"))
        return f"{human_size(self.size)}: {', '.join(parts)}"


def human_size(size: int) -> str:
    """``812 bytes``, ``3.2 MB``: decimal units, as file managers show them."""
    if size < 1000:
        return f"{size} bytes"
    value, unit = size / 1000, "KB"
    for bigger in ("MB", "GB"):
        if value < 1000:
            break
        value, unit = value / 1000, bigger
    return f"{value:.1f} {unit}"


def engine_of(database_uri: str) -> str:
    """``sqlite`` or ``postgresql``; any other database cannot be backed up by tocapp."""
    engine = make_url(database_uri).get_backend_name()
    if engine not in DATABASE_FILES:
        raise BackupError(f"tocapp backs up SQLite and PostgreSQL databases, not {engine}.")
    return engine


# --- Writing a backup --------------------------------------------------------------------------


def create_backup(destination: Path, paths: InstancePaths) -> BackupSummary:
    """Write a backup of the running instance to ``destination`` (a folder gets a dated name).

    The archive is written under a temporary name beside its destination, with mode 0600, and
    renamed into place only when complete, so a backup file is never half written.
    """
    engine = engine_of(paths.database_uri)
    if destination.is_dir():
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        destination = destination / f"tocapp-backup-{stamp}.tar.gz"
    if not destination.parent.is_dir():
        raise BackupError(f"The folder {destination.parent} does not exist.")
    with work_folder(destination.parent) as work:
        database = work / DATABASE_FILES[engine]
        revision = _snapshot_database(paths.database_uri, engine, database)
        files = {database.name: database}
        if paths.secret_key_file.is_file():
            files[SECRET_KEY] = _copy(paths.secret_key_file, work / SECRET_KEY)
        files.update(_copy_reports(paths.reports_dir, work / REPORTS))
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "tocapp_version": tocapp_version(),
            "engine": engine,
            "alembic_revision": revision,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "files": [
                {"path": name, "size": path.stat().st_size, "sha256": _sha256(path)}
                for name, path in files.items()
            ],
        }
        manifest_file = work / MANIFEST
        manifest_file.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        _write_archive(destination, [(MANIFEST, manifest_file), *files.items()])
    return BackupSummary(
        destination,
        destination.stat().st_size,
        engine,
        revision,
        SECRET_KEY in files,
        sum(name.startswith(f"{REPORTS}/") for name in files),
    )


def _snapshot_database(database_uri: str, engine: str, target: Path) -> str | None:
    """Copy the database as it is at one moment into ``target``; return its Alembic revision."""
    if engine == "sqlite":
        _snapshot_sqlite(sqlite_path(database_uri), target)
        return _alembic_revision(f"sqlite:///{target}")  # the copy's, so they agree
    revision = _alembic_revision(database_uri)
    with tool_errors():
        backup_postgres.dump(make_url(database_uri), target)
    return revision


def _copy_reports(reports_dir: Path, work: Path) -> dict[str, Path]:
    """The finished reports, copied (a report may be deleted, expired or withdrawn, meanwhile)."""
    work.mkdir()
    copied: dict[str, Path] = {}
    for report in sorted(reports_dir.glob("*")) if reports_dir.is_dir() else []:
        name = f"{REPORTS}/{report.name}"
        # Reports are written as ".part" and renamed when whole; a finished one never changes.
        if report.is_file() and not report.name.endswith(".part") and MEMBER.fullmatch(name):
            try:
                copied[name] = _copy(report, work / report.name)
            except FileNotFoundError:
                continue
    return copied


def _snapshot_sqlite(source: Path, target: Path) -> None:
    """Copy the live database with SQLite's online backup API, in one step (one snapshot)."""
    if not source.is_file():
        raise BackupError(f"The database {source} does not exist.")
    # Read-only: taking a backup must never create, change or lock out the live database.
    live = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
    copy = sqlite3.connect(target)
    try:
        live.backup(copy)
        # The copy stands alone: no write-ahead log beside it in the archive.
        copy.execute("PRAGMA journal_mode=DELETE")
    finally:
        copy.close()
        live.close()


def _write_archive(destination: Path, members: list[tuple[str, Path]]) -> None:
    handle, temporary = tempfile.mkstemp(dir=destination.parent, prefix=".tocapp-backup-")
    try:
        os.fchmod(handle, 0o600)
        with os.fdopen(handle, "wb") as raw:
            with tarfile.open(fileobj=raw, mode="w:gz") as archive:
                for name, path in members:
                    info = archive.gettarinfo(str(path), arcname=name)
                    info.mode, info.uid, info.gid, info.uname, info.gname = 0o600, 0, 0, "", ""
                    with path.open("rb") as file:
                        archive.addfile(info, file)
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(temporary, destination)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


# --- Small helpers -----------------------------------------------------------------------------


def sqlite_path(database_uri: str) -> Path:
    """The SQLite database file a database URL names (BackupError for an in-memory one)."""
    database = make_url(database_uri).database
    if not database or database == ":memory:":
        raise BackupError("An in-memory SQLite database cannot be backed up or restored.")
    return Path(database)


def _alembic_revision(database_uri: str | URL) -> str | None:
    """The migration the database is at (None for a schema made without Alembic)."""
    engine = create_engine(database_uri)
    try:
        with engine.connect() as connection:
            if not inspect(connection).has_table("alembic_version"):
                return None
            revision = connection.scalar(text("SELECT version_num FROM alembic_version"))
            return str(revision) if revision is not None else None
    finally:
        engine.dispose()


@contextmanager
def tool_errors() -> Iterator[None]:
    """Turn a missing or failed PostgreSQL tool (pg_dump, pg_restore, psql) into a BackupError."""
    try:
        yield
    except backup_postgres.PostgresToolError as error:
        raise BackupError(str(error)) from error


def tocapp_version() -> str:
    """The installed tocapp's version ("unknown" when it is not installed as a package)."""
    try:
        return metadata.version("tocapp")
    except metadata.PackageNotFoundError:
        return "unknown"


@contextmanager
def work_folder(parent: Path) -> Iterator[Path]:
    """A private scratch folder (0700) beside the backup, on the same disk, removed after."""
    folder = Path(tempfile.mkdtemp(dir=parent, prefix=".tocapp-backup-work-"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _copy(source: Path, target: Path) -> Path:
    shutil.copyfile(source, target)
    return target


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for chunk in iter(lambda: file.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()
