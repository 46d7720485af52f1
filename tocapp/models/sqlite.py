"""SQLite settings applied to every connection; other databases are left alone.

- Foreign keys are off in SQLite unless switched on per connection.
- Write-ahead logging lets pages be read while an annotation is being saved.
- Every transaction starts with ``BEGIN IMMEDIATE``: it takes the write lock at the start, so two
  requests that both read and then write wait for each other (up to ``busy_timeout``) instead of
  one failing with "database is locked" when both try to upgrade a read lock. This is the recipe
  from SQLAlchemy's SQLite dialect documentation ("Serializable isolation / Savepoints").
- A connection marked ``read_only_sqlite()`` begins with a plain (deferred) ``BEGIN`` instead: under
  write-ahead logging it reads a snapshot without blocking anyone, which is what a long report
  build needs while it records its progress through another connection.
"""

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

BUSY_TIMEOUT_MS = 15_000
READ_ONLY = "tocapp_read_only"


def read_only_sqlite(engine: Engine) -> Engine:
    """The same engine, but its transactions only read and never take SQLite's write lock."""
    return engine.execution_options(**{READ_ONLY: True})


def configure_sqlite(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        return
    in_memory = engine.url.database in (None, "", ":memory:")

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when a transaction begins.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        if not in_memory:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        read_only = connection.get_execution_options().get(READ_ONLY, False)
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")
