"""Keep each audit chain's length and head at its last entry that changed the study

A study's revision (``services.study_revision``), which kept pages are keyed by, was the chain's
length and head, so every download, export and report built expired every kept page of the
study. The chain now also keeps where it stood at its last entry that changed what the study
holds; an existing chain starts from its head.

Revision ID: a7c3e9f2b1d4
Revises: f1a9c3e5b7d2
Create Date: 2026-12-04 18:20:00

"""

import sqlalchemy as sa
from alembic import op

revision = "a7c3e9f2b1d4"
down_revision = "f1a9c3e5b7d2"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_chains") as batch:
        batch.add_column(sa.Column("content_length", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("content_head", sa.String(64), nullable=False, server_default=""))
    op.execute("UPDATE audit_chains SET content_length = length, content_head = head")


def downgrade() -> None:
    with op.batch_alter_table("audit_chains") as batch:
        batch.drop_column("content_head")
        batch.drop_column("content_length")
