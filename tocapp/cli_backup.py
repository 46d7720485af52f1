"""``flask --app tocapp backup create|restore``: the command-line face of ``services.backup``.

The commands read the instance's paths from the app's configuration and hand them to the
service, which needs no Flask; they print one line of result, or a clear refusal (exit status 1).
"""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from tocapp.config import SECRET_KEY_FILE
from tocapp.extensions import db
from tocapp.services.backup import BackupError, InstancePaths, create_backup
from tocapp.services.backup_restore import restore_backup


@click.group("backup", help="Back up this instance, or restore a backup into an empty one.")
def backup_cli() -> None:
    pass


def _instance_paths() -> InstancePaths:
    return InstancePaths(
        # The engine's URL, not the setting: Flask-SQLAlchemy resolves a relative SQLite path.
        database_uri=db.engine.url.render_as_string(hide_password=False),
        secret_key_file=Path(current_app.instance_path) / SECRET_KEY_FILE,
        reports_dir=Path(current_app.config["REPORTS_DIR"]),
    )


@backup_cli.command("create")
@click.argument("path", type=click.Path(path_type=Path))
@with_appcontext
def create_backup_command(path: Path) -> None:
    """Write a backup to PATH (a .tar.gz; given a folder, a dated name inside it).

    Safe while tocapp runs: the database is copied as one consistent snapshot.
    """
    paths = _instance_paths()
    if path.exists() and not path.is_dir():
        raise click.ClickException(f"{path} already exists; choose a new name or a folder.")
    try:
        summary = create_backup(path, paths)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Backup written to {summary.path} ({summary.describe()}).")
    if not _key_from_file(paths.secret_key_file):
        click.echo(
            "Note: the secret key in use is set in the configuration (SECRET_KEY), not kept in "
            f"{paths.secret_key_file}; keep that setting safe beside the backup."
        )


@backup_cli.command("restore")
@click.argument("path", type=click.Path(path_type=Path))
@with_appcontext
def restore_backup_command(path: Path) -> None:
    """Restore the backup at PATH into this instance, which must hold no account and no study."""
    paths = _instance_paths()
    try:
        summary = restore_backup(path, paths)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    revision = summary.alembic_revision
    click.echo(
        f"Restored {summary.path} ({summary.describe()}); the database is at revision "
        f"{revision or '(none recorded)'}. Restart tocapp's web server and job worker."
    )
    if revision is not None and revision not in _migration_heads():
        click.echo("This tocapp is newer than the backup: run `flask --app tocapp db upgrade`.")


def _key_from_file(key_file: Path) -> bool:
    """Whether the app signs with the instance's key file (and so the backup carries its key)."""
    try:
        return bool(key_file.read_text().strip() == current_app.config["SECRET_KEY"])
    except OSError:
        return False


def _migration_heads() -> tuple[str, ...]:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", current_app.extensions["migrate"].directory)
    return tuple(ScriptDirectory.from_config(config).get_heads())
