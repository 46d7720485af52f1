"""The migrations build exactly the schema the models describe, and can be undone."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text

from tocapp import create_app
from tocapp.extensions import db


@pytest.fixture
def migrated_app(make_database: Callable[..., str]) -> Flask:
    """An app on an empty database (no tables) of the engine under test."""
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test",
            "SQLALCHEMY_DATABASE_URI": make_database("migrated", schema=False),
        }
    )


def test_upgrade_head_matches_models(migrated_app: Flask) -> None:
    app = migrated_app
    with app.app_context():
        upgrade()
        engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, db.metadata)
        engine.dispose()
        db.engine.dispose()
    assert differences == []


def test_downgrade_to_base_and_upgrade_again(migrated_app: Flask) -> None:
    app = migrated_app
    with app.app_context():
        upgrade()
        downgrade(revision="base")
        tables = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
        assert tables == set()
        upgrade()
        assert "steps" in inspect(db.engine).get_table_names()
        db.engine.dispose()


# A study as it was before participants had references: a mentee heard in round 1 (so the old
# code took her for the leader) and a vice principal heard in round 2.
OLD_ROWS = [
    "INSERT INTO projects (id, title, focus, partner, intervention, created_at) "
    "VALUES (1, 'S', '', '', '', '2026-01-01')",
    "INSERT INTO settings (id, project_id, name, code, kind) "
    "VALUES (1, 1, 'Nursery', 'NUR', ''), (2, 1, 'School', 'PRI', '')",
    "INSERT INTO rounds (id, project_id, number, title, kind) "
    "VALUES (1, 1, 1, 'Initial', 'initial'), (2, 1, 2, 'Return', 'return')",
    *(
        "INSERT INTO participants (id, setting_id, real_name, email, pseudonym, role_label, "
        "consent_participate, consent_record, consent_quote, created_at) "
        f"VALUES ({pid}, {sid}, '', '', '', '{role}', true, false, false, '2026-01-01')"
        for pid, sid, role in ((1, 1, "Mentee"), (2, 1, "Vice principal"), (3, 2, "Teacher"))
    ),
    "INSERT INTO interviews (id, setting_id, round_id, held_on, mode, interviewer, created_at, "
    "updated_at) VALUES (1, 1, 1, '2026-01-02', 'video', '', '2026-01-02', '2026-01-02'), "
    "(2, 1, 2, '2026-07-02', 'video', '', '2026-07-02', '2026-07-02')",
    "INSERT INTO interview_participants (interview_id, participant_id, role_label) "
    "VALUES (1, 1, 'Mentee'), (2, 2, 'Vice principal')",
]


def test_existing_studies_get_references_and_a_perspective_once(migrated_app: Flask) -> None:
    """People already interviewed in an initial round become leadership, everyone else practice;
    each gets a reference from the setting's code; the downgrade gives the old schema back."""
    app = migrated_app
    with app.app_context():
        upgrade(revision="14b1d8cac7d6")
        with db.engine.begin() as c:
            for statement in OLD_ROWS:
                c.execute(text(statement))
        upgrade()
        with db.engine.connect() as c:
            people = c.execute(
                text("SELECT id, number, reference, perspective FROM participants ORDER BY id")
            ).all()
            heard = c.execute(
                text("SELECT participant_id, perspective FROM interview_participants ORDER BY id")
            ).all()
            group = c.execute(text("SELECT min_group_size FROM projects")).scalar()
        # The old guess, applied once: whoever spoke in round 1 was "the leader".
        assert people == [
            (1, 1, "NUR-P01", "leadership"),
            (2, 2, "NUR-P02", "practice"),
            (3, 1, "PRI-P01", "practice"),
        ]
        assert heard == [(1, "leadership"), (2, "practice")]
        assert group == 3
        downgrade(revision="14b1d8cac7d6")
        columns = {c["name"] for c in inspect(db.engine).get_columns("participants")}
        assert "reference" not in columns and "perspective" not in columns
        assert "withdrawals" not in inspect(db.engine).get_table_names()
        db.engine.dispose()


def test_the_built_in_question_six_gets_the_groups_placeholder(migrated_app: Flask) -> None:
    """Only the shared built-in schedule changes; an owner's copy of the old words is theirs."""
    old = (
        "What will this be like for different members of your community (children, staff, "
        "parents etc)?"
    )
    app = migrated_app
    with app.app_context():
        upgrade(revision="e4f7a9c1d2b8")
        with db.engine.begin() as c:
            c.execute(
                text(
                    "INSERT INTO schedules (id, project_id, key, name, description) VALUES "
                    "(1, NULL, 'theory-of-change', 'Theory of change', ''), "
                    "(2, NULL, 'paired-collaboration', 'Paired', '')"
                )
            )
            c.execute(
                text(
                    "INSERT INTO schedule_questions (schedule_id, number, text, stimulus) "
                    "VALUES (1, 6, :old, ''), (2, 6, :old, '')"
                ),
                {"old": old},
            )
        upgrade()
        with db.engine.connect() as c:
            texts = c.execute(
                text("SELECT schedule_id, text FROM schedule_questions ORDER BY schedule_id")
            ).all()
        assert texts == [
            (1, "What will this be like for different members of your community ({groups})?"),
            (2, old),
        ]
        downgrade(revision="e4f7a9c1d2b8")
        with db.engine.connect() as c:
            assert (
                c.execute(
                    text("SELECT text FROM schedule_questions WHERE schedule_id = 1")
                ).scalar()
                == old
            )
        db.engine.dispose()


def test_frozen_versions_get_the_group_order_they_have_now(migrated_app: Flask) -> None:
    """The best known of a chart already shown; an open version keeps none (it follows the
    study), and versions of two studies each get their own study's groups."""
    app = migrated_app
    with app.app_context():
        upgrade(revision="a7c3e9f2b1d4")
        with db.engine.begin() as c:
            c.execute(
                text(
                    "INSERT INTO projects (id, title, focus, partner, intervention, created_at) "
                    "VALUES (1, 'S', '', '', '', '2026-01-01'), (2, 'T', '', '', '', '2026-01-01')"
                )
            )
            c.execute(
                text(
                    "INSERT INTO project_groups (id, project_id, name, position) VALUES "
                    "(1, 1, 'Staff', 1), (2, 1, 'Children', 0), (3, 2, 'Parents', 0)"
                )
            )
            c.execute(
                text(
                    "INSERT INTO settings (id, project_id, name, code, kind) "
                    "VALUES (1, 1, 'Nursery', 'NUR', ''), (2, 2, 'School', 'PRI', '')"
                )
            )
            c.execute(
                text(
                    "INSERT INTO flowchart_versions (id, setting_id, number, created_at, "
                    "frozen_at) VALUES (1, 1, 1, '2026-01-01', '2026-02-01'), "
                    "(2, 1, 2, '2026-02-01', NULL), (3, 2, 1, '2026-01-01', '2026-03-01')"
                )
            )
        upgrade()
        with db.engine.connect() as c:
            rows = c.execute(
                text("SELECT id, group_order FROM flowchart_versions ORDER BY id")
            ).all()
        orders = {i: (json.loads(o) if isinstance(o, str) else o) for i, o in rows}
        assert orders == {1: [2, 1], 2: None, 3: [3]}
        downgrade(revision="a7c3e9f2b1d4")
        columns = {c["name"] for c in inspect(db.engine).get_columns("flowchart_versions")}
        assert "group_order" not in columns
        db.engine.dispose()
