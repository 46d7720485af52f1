"""The migrations build exactly the schema the models describe, and can be undone."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect

from tocapp import create_app
from tocapp.extensions import db


def _migrated_app(tmp_path: Any) -> Flask:
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'migrated.sqlite'}",
        }
    )


def test_upgrade_head_matches_models(tmp_path: Any) -> None:
    app = _migrated_app(tmp_path)
    with app.app_context():
        upgrade()
        engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, db.metadata)
        engine.dispose()
        db.engine.dispose()
    assert differences == []


def test_downgrade_to_base_and_upgrade_again(tmp_path: Any) -> None:
    app = _migrated_app(tmp_path)
    with app.app_context():
        upgrade()
        downgrade(revision="base")
        tables = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
        assert tables == set()
        upgrade()
        assert "steps" in inspect(db.engine).get_table_names()
        db.engine.dispose()
