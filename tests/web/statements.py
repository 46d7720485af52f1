"""Counting the SQL statements one request runs, for the tests that keep list pages flat."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import event

from tocapp.extensions import db


def statements_of(client: FlaskClient, url: str) -> tuple[int, list[str]]:
    """How many statements a GET of ``url`` sends to the database, and their text (for the
    message when a count differs). Asserts the page answers 200.

    It counts the second of two requests: the first after the test's own commit begins its
    transaction differently (SQLite's ``BEGIN``), and fills the chart drawings' cache."""
    client.get(url)
    sent: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        sent.append(" ".join(statement.split())[:160])

    engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        response = client.get(url)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert response.status_code == 200, (url, response.status_code)
    return len(sent), sent
