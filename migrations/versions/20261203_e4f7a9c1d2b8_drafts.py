"""Drafts: autosaves of interview notes and voice notes being typed, private to their author

Revision ID: e4f7a9c1d2b8
Revises: b3e8f1a2c4d6
Create Date: 2026-12-03 05:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = "e4f7a9c1d2b8"
down_revision = "b3e8f1a2c4d6"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "drafts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("setting_id", sa.Integer(), nullable=False),
        sa.Column("interview_id", sa.Integer(), nullable=True),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("saved_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_drafts_owner_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_drafts_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["setting_id"],
            ["settings.id"],
            name=op.f("fk_drafts_setting_id_settings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["interview_id"],
            ["interviews.id"],
            name=op.f("fk_drafts_interview_id_interviews"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_drafts")),
        sa.UniqueConstraint("owner_id", "key", name=op.f("uq_drafts_owner_id_key")),
    )
    op.create_index(op.f("ix_drafts_project_id"), "drafts", ["project_id"])
    op.create_index(op.f("ix_drafts_interview_id"), "drafts", ["interview_id"])
    op.create_index(op.f("ix_drafts_saved_at"), "drafts", ["saved_at"])


def downgrade():
    op.drop_index(op.f("ix_drafts_saved_at"), table_name="drafts")
    op.drop_index(op.f("ix_drafts_interview_id"), table_name="drafts")
    op.drop_index(op.f("ix_drafts_project_id"), table_name="drafts")
    op.drop_table("drafts")
