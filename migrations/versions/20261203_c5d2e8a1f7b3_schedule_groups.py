"""The built-in theory-of-change schedule's question 6 names the study's own groups

Question 6 read "(children, staff, parents etc)" whatever the study's groups were; it now holds the
``{groups}`` placeholder, which the app fills from the study's groups when the question is asked.
Only the shared built-in row is changed (project_id IS NULL), if it still holds the old text.

Revision ID: c5d2e8a1f7b3
Revises: e4f7a9c1d2b8
Create Date: 2026-12-03 07:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = "c5d2e8a1f7b3"
down_revision = "e4f7a9c1d2b8"
branch_labels = None
depends_on = None

OLD = (
    "What will this be like for different members of your community (children, staff, parents etc)?"
)
NEW = "What will this be like for different members of your community ({groups})?"


def _set_question_6(old: str, new: str) -> None:
    op.execute(
        sa.text(
            "UPDATE schedule_questions SET text = :new WHERE number = 6 AND text = :old "
            "AND schedule_id IN (SELECT id FROM schedules "
            "WHERE project_id IS NULL AND key = 'theory-of-change')"
        ).bindparams(old=old, new=new)
    )


def upgrade():
    _set_question_6(OLD, NEW)


def downgrade():
    _set_question_6(NEW, OLD)
