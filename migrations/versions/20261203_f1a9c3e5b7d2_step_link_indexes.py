"""Index the steps' and arrows' version and interview, and the interviews' setting

A chart's steps and arrows are read by version (every flowchart, voice and comparison page) and a
voice's own by interview (the comparison reads them for all chosen settings at once); deleting an
interview or a version (withdrawal, erasure) finds them the same way. PostgreSQL does not index a
foreign key by itself, so each of these reads scanned the whole table. The comparison also finds
the chosen settings' interviews by setting.

Revision ID: f1a9c3e5b7d2
Revises: c5d2e8a1f7b3
Create Date: 2026-12-03 11:40:00

"""

from alembic import op

revision = "f1a9c3e5b7d2"
down_revision = "c5d2e8a1f7b3"
branch_labels = None
depends_on = None

INDEXES = [
    ("steps", "version_id"),
    ("steps", "interview_id"),
    ("links", "version_id"),
    ("links", "interview_id"),
    ("interviews", "setting_id"),
]


def upgrade() -> None:
    for table, column in INDEXES:
        op.create_index(f"ix_{table}_{column}", table, [column])


def downgrade() -> None:
    for table, column in reversed(INDEXES):
        op.drop_index(f"ix_{table}_{column}", table_name=table)
