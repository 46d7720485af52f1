"""Command-line tools: ``flask --app tocapp user create``, ``demo load``, ``render``."""

from __future__ import annotations

import click
from flask import Flask

from tocapp.extensions import db


def register_commands(app: Flask) -> None:
    app.cli.add_command(user_cli)
    app.cli.add_command(demo_cli)


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

    user = create_user(db.session, email, name, password)
    db.session.commit()
    click.echo(f"Created {user.email}.")


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
