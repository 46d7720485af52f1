"""tocapp: theory-of-change interview cycles for schools, nurseries and colleges."""

from __future__ import annotations

from typing import Any

from flask import Flask


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app: configuration, extensions, blueprints, commands."""
    app = Flask(__name__, instance_relative_config=True)

    from tocapp.instance_files import keep_instance_private

    keep_instance_private(app.instance_path)  # files 0600, folders 0700, before anything is written

    from tocapp.config import load_config

    load_config(app, test_config)

    from tocapp.services import audit_hashing

    audit_hashing.configure(app.config["SECRET_KEY"])  # the audit chain's hashes are keyed with it

    from tocapp import models  # noqa: F401  (registers the tables with SQLAlchemy)
    from tocapp.extensions import (
        CONTENT_SECURITY_POLICY,
        csrf,
        db,
        limiter,
        login_manager,
        migrate,
        talisman,
    )
    from tocapp.models.sqlite import configure_sqlite

    db.init_app(app)
    migrate.init_app(app, db, render_as_batch=True, directory=_migrations_dir())
    csrf.init_app(app)
    login_manager.init_app(app)
    limiter.init_app(app)
    secure = bool(app.config["SESSION_COOKIE_SECURE"])
    talisman.init_app(
        app,
        content_security_policy=CONTENT_SECURITY_POLICY,
        force_https=False,  # HTTPS is the web server's in front (README); it redirects
        strict_transport_security=secure,  # only when served over HTTPS
        session_cookie_secure=secure,
        frame_options="DENY",
        referrer_policy="same-origin",
    )
    with app.app_context():
        configure_sqlite(db.engine)

    from tocapp.jobs import init_jobs

    init_jobs(app)

    from tocapp.web import register_web

    register_web(app)

    from tocapp.render.mark_charts import use_chart_cache
    from tocapp.web.chart_images import render_cache

    use_chart_cache(render_cache(app.config))  # the comparison's charts, drawn once per data

    from tocapp.cli import register_commands

    register_commands(app)
    return app


def _migrations_dir() -> str:
    from pathlib import Path

    return str(Path(__file__).resolve().parent.parent / "migrations")
