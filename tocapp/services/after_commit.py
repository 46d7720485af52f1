"""Files to delete once the transaction that stopped needing them has committed.

A service that removes rows pointing at files (built reports, cached renders holding someone's
words) asks for the files to go *after* the commit: if the commit fails, the rows and their
files are both still there; if it succeeds, the files go with them. A rollback forgets the list.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction, scoped_session

from tocapp.render import render_cache

log = logging.getLogger(__name__)

_FILES = "tocapp_delete_after_commit"
_FOLDERS = "tocapp_empty_after_commit"


def delete_after_commit(session: Session, paths: Iterable[Path]) -> None:
    """Delete these files when the session's transaction commits."""
    _in_a_transaction(session)
    session.info.setdefault(_FILES, []).extend(Path(p) for p in paths)


def empty_after_commit(session: Session, folder: Path) -> None:
    """Empty this render cache folder (kept itself) when the transaction commits; its stamp
    tells a drawing read before the commit not to stay (``render_cache.empty``)."""
    _in_a_transaction(session)
    session.info.setdefault(_FOLDERS, []).append(Path(folder))


def _in_a_transaction(session: Session) -> None:
    """The request belongs to a transaction, so that its rollback (even before any SQL was sent)
    forgets it; beginning one sends nothing to the database yet."""
    real = session() if isinstance(session, scoped_session) else session
    if not real.in_transaction():
        real.begin()


@event.listens_for(Session, "after_commit")
def _delete_now(session: Session) -> None:
    for path in session.info.pop(_FILES, []):
        try:
            path.unlink(missing_ok=True)
        except OSError:
            log.exception("could not delete %s after commit", path)
    for folder in session.info.pop(_FOLDERS, []):
        try:
            render_cache.empty(folder)
        except OSError:
            log.exception("could not empty %s after commit", folder)


@event.listens_for(Session, "after_soft_rollback")
def _forget(session: Session, previous_transaction: SessionTransaction) -> None:
    # Every rollback() of the whole transaction, even one that had not reached the database yet;
    # a savepoint rolled back inside it keeps what the outer transaction asked for.
    if previous_transaction.parent is None:
        session.info.pop(_FILES, None)
        session.info.pop(_FOLDERS, None)
