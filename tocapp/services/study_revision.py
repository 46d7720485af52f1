"""A study's revision: what pages key the HTML they keep by (``web.flowchart_body``, the
comparison page), read in one indexed statement."""

from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from tocapp.models.audit import AuditChain

# Read on every view of a page that keeps its HTML, so built once (see ``users.find_login``),
# and on the table's columns: a plain row, with none of the ORM's work per statement (half the
# time of the same SELECT on the mapped attributes).
_CHAINS = AuditChain.__table__
_REVISION = select(_CHAINS.c.content_length, _CHAINS.c.content_head).where(
    _CHAINS.c.project_id == bindparam("project_id")
)


def study_revision(session: Session, project_id: int) -> str:
    """A short text that changes whenever anything in the study changes, in one statement: the
    length and head hash of the study's audit chain at its last entry that changed the study.

    Every change to a study appends an entry to its chain (the request wrapper refuses to commit
    a change without one), and the head hash covers every entry before it, times included, so a
    study restored from a backup and changed again never repeats an earlier revision. Entries
    that only read the study (a download, an export, a report built: ``READING_KINDS``) leave it
    as it was. A page keyed by it needs to read nothing else to know that what it showed is
    still right.
    """
    row = session.execute(_REVISION, {"project_id": project_id}).first()
    return "" if row is None else f"{row.content_length}:{row.content_head}"
