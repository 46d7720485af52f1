"""Restoring a backup (see ``services.backup``) into an empty tocapp instance.

Restoring checks everything first — manifest, format version, checksums, engine, that the
instance holds no user or study, that the tools are there — so a refused restore changes nothing;
then the database is replaced in one transaction (SQLite's online backup API, or ``pg_restore``
and ``psql`` on PostgreSQL), and the secret key and built reports are put in place.

Nothing here needs Flask: the paths and the database URL are passed in (``InstancePaths``).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
import sqlite3
import tarfile
import tempfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from tocapp.services import backup_postgres
from tocapp.services.backup import (
    CHUNK,
    DATABASE_FILES,
    FORMAT,
    FORMAT_VERSION,
    MANIFEST,
    MEMBER,
    REPORTS,
    SECRET_KEY,
    BackupError,
    BackupSummary,
    InstancePaths,
    engine_of,
    sqlite_path,
    tocapp_version,
    tool_errors,
    work_folder,
)

# What a damaged or foreign file raises while it is read as a .tar.gz.
_UNREADABLE = (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile)


def read_manifest(archive: Path) -> dict[str, Any]:
    """The manifest of a backup, checked for its format (not yet its checksums)."""
    with _open_archive(archive) as tar:
        return _manifest(tar, archive)


def restore_backup(archive: Path, paths: InstancePaths) -> BackupSummary:
    """Put a backup into an empty instance: its database, secret key and built reports.

    Refuses, changing nothing, unless the archive is a whole, known-format backup of the same
    database engine and the instance holds no user and no study.
    """
    engine = engine_of(paths.database_uri)
    work_parent = paths.secret_key_file.parent
    with work_folder(work_parent) as work:
        manifest = _extract_verified(archive, work)
        if manifest["engine"] != engine:
            raise BackupError(
                f"{archive} is a backup of a {manifest['engine']} database, but this instance "
                f"uses {engine}: restore it into an instance configured for {manifest['engine']}."
            )
        database = work / DATABASE_FILES[engine]
        if not database.is_file():
            raise BackupError(f"{archive} holds no database.")
        _refuse_unless_empty(paths.database_uri)
        if engine == "sqlite":
            _check_sqlite_copy(database, archive)
            _restore_sqlite(database, sqlite_path(paths.database_uri))
        else:
            with tool_errors():
                backup_postgres.restore(make_url(paths.database_uri), database, _own_tables())
        has_key = (work / SECRET_KEY).is_file()
        if has_key:
            _place(work / SECRET_KEY, paths.secret_key_file)
        reports = sorted((work / REPORTS).glob("*")) if (work / REPORTS).is_dir() else []
        for report in reports:
            paths.reports_dir.mkdir(parents=True, exist_ok=True)
            _place(report, paths.reports_dir / report.name)
    return BackupSummary(
        archive,
        archive.stat().st_size,
        engine,
        manifest.get("alembic_revision"),
        has_key,
        len(reports),
    )


def _extract_verified(archive: Path, work: Path) -> dict[str, Any]:
    """Unpack into ``work``, checking every file against the manifest's size and SHA-256."""
    with _open_archive(archive) as tar:
        manifest = _manifest(tar, archive)
        expected = {entry["path"]: entry for entry in manifest["files"]}
        seen: set[str] = set()
        (work / REPORTS).mkdir()
        members = iter(tar)
        next(members)  # the manifest, read above
        try:
            for member in members:
                name = member.name
                if name not in expected or name in seen or not member.isfile():
                    raise BackupError(
                        f"{archive} holds {name!r}, which its manifest does not list."
                    )
                seen.add(name)
                if member.size != expected[name].get("size"):
                    raise BackupError(
                        f"{archive} is damaged: {name} is not the size its manifest says. "
                        "Nothing was restored."
                    )
                digest = hashlib.sha256()
                source = tar.extractfile(member)
                assert source is not None  # a regular file always has content
                with source, (work / name).open("xb") as target:
                    for chunk in iter(lambda: source.read(CHUNK), b""):  # noqa: B023
                        digest.update(chunk)
                        target.write(chunk)
                if digest.hexdigest() != expected[name]["sha256"]:
                    raise BackupError(
                        f"{archive} is damaged: {name} does not match its checksum. Nothing was "
                        "restored."
                    )
        except _UNREADABLE as error:
            raise BackupError(f"{archive} is damaged ({error}). Nothing was restored.") from error
        missing = sorted(set(expected) - seen)
        if missing:
            raise BackupError(f"{archive} is incomplete: {', '.join(missing)} is missing.")
    return manifest


def _manifest(tar: tarfile.TarFile, archive: Path) -> dict[str, Any]:
    not_ours = f"{archive} is not a tocapp backup"
    try:
        first = tar.next()
        if first is None or first.name != MANIFEST or not first.isfile():
            raise BackupError(f"{not_ours}: it does not start with {MANIFEST}.")
        source = tar.extractfile(first)
        assert source is not None
        manifest = json.loads(source.read(CHUNK))
    except (*_UNREADABLE, ValueError) as error:
        raise BackupError(f"{not_ours} (its {MANIFEST} cannot be read: {error}).") from error
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{not_ours}: its {MANIFEST} is not tocapp's.")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(
            f"{archive} is a tocapp backup of format version {manifest.get('format_version')!r}, "
            f"which this tocapp ({tocapp_version()}, format version {FORMAT_VERSION}) cannot "
            "read. Restore it with the tocapp version that wrote it."
        )
    files = manifest.get("files")
    if (
        manifest.get("engine") not in DATABASE_FILES
        or not isinstance(files, list)
        or not all(
            isinstance(entry, dict)
            and isinstance(entry.get("path"), str)
            and MEMBER.fullmatch(entry["path"])
            and entry["path"] != MANIFEST
            and isinstance(entry.get("sha256"), str)
            for entry in files
        )
    ):
        raise BackupError(f"{archive} has a {MANIFEST} that does not make sense.")
    return manifest


@contextmanager
def _open_archive(archive: Path) -> Iterator[tarfile.TarFile]:
    if not archive.is_file():
        raise BackupError(f"There is no file {archive}.")
    try:
        tar = tarfile.open(archive, mode="r:gz")  # noqa: SIM115  (closed by the with below)
    except (*_UNREADABLE, OSError) as error:
        raise BackupError(f"{archive} is not a tocapp backup (not a .tar.gz archive).") from error
    with tar:
        yield tar


def _refuse_unless_empty(database_uri: str) -> None:
    """An instance with any account or study is not overwritten: a restore is for a new one."""
    if engine_of(database_uri) == "sqlite" and not sqlite_path(database_uri).exists():
        return  # no database yet (and none made by looking)
    engine = create_engine(database_uri)
    try:
        with engine.connect() as connection:
            tables = set(inspect(connection).get_table_names())
            for table, what in (("users", "account"), ("projects", "study")):
                if table in tables and connection.scalar(text(f"SELECT count(*) FROM {table}")):
                    raise BackupError(
                        f"This instance already has at least one {what}: a backup is restored "
                        "only into an empty instance (a new database and instance folder). "
                        "Nothing was restored."
                    )
    finally:
        engine.dispose()


# Tables every tocapp database has had: a backup's database without them is not tocapp's.
_CORE_TABLES = frozenset({"users", "projects", "settings"})


def _check_sqlite_copy(database: Path, archive: Path) -> None:
    """The backup's database opens, is whole and is tocapp's (its checksums only show that it
    is the file the backup was made with)."""
    try:
        with _closing_sqlite(database) as connection:
            problem = connection.execute("PRAGMA quick_check").fetchone()[0]
            tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    except sqlite3.DatabaseError as error:
        raise BackupError(f"The database in {archive} cannot be read ({error}).") from error
    if problem != "ok":
        raise BackupError(f"The database in {archive} is damaged ({problem}).")
    if not _CORE_TABLES.issubset(tables):
        raise BackupError(f"The database in {archive} is not a tocapp database.")


def _restore_sqlite(copy: Path, target: Path) -> None:
    """Replace the target database's content with the backup API: one transaction, so either
    the whole backup is in place or nothing changed, and open -wal/-shm files stay consistent."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with _closing_sqlite(copy) as source, _closing_sqlite(target) as destination:
        source.backup(destination)


@contextmanager
def _closing_sqlite(path: Path) -> Iterator[sqlite3.Connection]:
    connection = sqlite3.connect(path, timeout=30)
    try:
        yield connection
    finally:
        connection.close()


def _own_tables() -> set[str]:
    """The tables this tocapp's models define (a database being restored into may have them)."""
    import tocapp.models  # noqa: F401  (registers every table on the metadata)
    from tocapp.extensions import db

    return set(db.metadata.tables)


def _place(source: Path, target: Path) -> None:
    """Move a restored file into place atomically, readable by its owner only."""
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".restore-")
    try:
        os.fchmod(handle, 0o600)
        with os.fdopen(handle, "wb") as file, source.open("rb") as data:
            shutil.copyfileobj(data, file)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
