"""Command-line tools (``flask --app tocapp …``): user create and password, demo load, render, jobs
worker, audit verify, backup create and restore."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask import Flask

from tocapp.cli_backup import backup_cli
from tocapp.extensions import db


def register_commands(app: Flask) -> None:
    app.cli.add_command(user_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(render_command)
    app.cli.add_command(jobs_cli)
    app.cli.add_command(backup_cli)
    app.cli.add_command(audit_cli)


@click.group("user", help="Manage accounts.")
def user_cli() -> None:
    pass


@user_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", default="")
@click.password_option()
def create_user_command(email: str, name: str, password: str) -> None:
    """Create an account that can log in."""
    from tocapp.services.users import create_user

    user = create_user(db.session, None, email, name, password)
    db.session.commit()
    click.echo(f"Created {user.email}.")


@user_cli.command("password")
@click.option("--email", required=True)
@click.password_option(prompt="New password")
def reset_password_command(email: str, password: str) -> None:
    """Set an account's password (when its owner has forgotten it); ends all its sessions."""
    from tocapp.domain.errors import DomainError
    from tocapp.services.users import find_user_by_email, set_password

    user = find_user_by_email(db.session, email)
    if user is None:
        raise click.ClickException(f"There is no account for {email}.")
    try:
        set_password(db.session, None, user, password)
    except DomainError as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"The password of {user.email} is changed; it is logged out everywhere.")


@click.group("demo", help="The demo study.")
def demo_cli() -> None:
    pass


@demo_cli.command("load")
def load_demo_command() -> None:
    """Load the demo study and its login (does nothing if they are already there)."""
    from tocapp.services.demo import load_demo_study

    login = load_demo_study(db.session)
    db.session.commit()
    state = "Loaded" if login.created else "Already loaded:"
    click.echo(f"{state} the demo study. Demo login: {login.email} / password {login.password}")


@click.command("render")
@click.argument("chart_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Where to write the drawing; .svg or .png.",
)
@click.option("--dpi", type=click.IntRange(36, 600), default=None, help="PNG resolution.")
def render_command(chart_file: Path, output: Path, dpi: int | None) -> None:
    """Draw a flowchart described in a JSON file as SVG or PNG, without the web app."""
    from tocapp.domain.errors import DomainError
    from tocapp.render import ChartJsonError, RenderError, flowchart_from_json, render_flowchart

    fmt = output.suffix.lower().lstrip(".")
    if fmt not in ("svg", "png"):
        raise click.BadParameter("the output file must end in .svg or .png", param_hint="-o")
    try:
        chart = flowchart_from_json(json.loads(chart_file.read_text(encoding="utf-8")))
        data = render_flowchart(chart, fmt, dpi=dpi)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise click.ClickException(f"{chart_file} is not JSON: {error}") from error
    except (ChartJsonError, DomainError, RenderError) as error:
        raise click.ClickException(str(error)) from error
    output.write_bytes(data)
    click.echo(f"Drew {len(chart.steps)} steps and {len(chart.links)} arrows to {output}.")


@click.group("jobs", help="The background job queue (PDF and Word comparison reports).")
def jobs_cli() -> None:
    pass


@jobs_cli.command("worker")
@click.option("--workers", type=click.IntRange(1, 16), default=2, help="Jobs run at once.")
def worker_command(workers: int) -> None:
    """Run queued jobs until stopped: Ctrl+C lets running jobs finish, SIGTERM stops at once."""
    import logging

    from flask import current_app

    from tocapp.jobs import JobQueueConfigError, job_queue

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    for chatty in (
        "weasyprint",
        "fontTools",
        "matplotlib",
    ):  # page-by-page progress, font subsetting
        logging.getLogger(chatty).setLevel(logging.WARNING)
    if job_queue().immediate:
        click.echo(
            "No job worker needed: JOBS_QUEUE is 'immediate', so reports are built in the request."
        )
        return
    try:
        consumer = job_queue().consumer(workers=workers)
    except JobQueueConfigError as error:
        raise click.ClickException(str(error)) from error
    from tocapp.services.report_jobs import fail_jobs_of_dead_workers

    lost = fail_jobs_of_dead_workers(db.session)
    db.session.commit()
    if lost:
        click.echo(f"{lost} report(s) left half-built by a stopped worker are marked failed.")
    click.echo(
        f"tocapp job worker: {workers} worker(s) on the {current_app.config['JOBS_QUEUE']} queue."
    )
    consumer.run()


@click.group("audit", help="The audit trail.")
def audit_cli() -> None:
    pass


@audit_cli.command("verify")
def verify_audit_command() -> None:
    """Check that no audit entry was edited, inserted or deleted; exit 1 naming each one if so."""
    from tocapp.services.audit_verify import verify_trail

    verdict = verify_trail(db.session)
    db.session.rollback()
    if verdict.intact:
        click.echo(
            f"The audit trail is intact: {verdict.entries} entries in {verdict.chains} chains."
        )
        return
    for problem in verdict.problems:
        click.echo(f"BROKEN {problem}", err=True)
    raise SystemExit(1)
