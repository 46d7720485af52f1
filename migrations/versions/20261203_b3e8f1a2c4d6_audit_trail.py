"""The audit trail (one hash chain per study and a system chain) and a study's personal-data date

A study's chain starts with its first entry after this upgrade: nothing before it is invented.

Revision ID: b3e8f1a2c4d6
Revises: 9d41f3a7c2e5
Create Date: 2026-12-03 04:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = "b3e8f1a2c4d6"
down_revision = "9d41f3a7c2e5"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "audit_chains",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=True),
        sa.Column("length", sa.Integer(), nullable=False),
        sa.Column("head", sa.String(length=64), nullable=False),
        sa.Column("head_mac", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_audit_chains_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_chains")),
        sa.UniqueConstraint("key", name=op.f("uq_audit_chains_key")),
        sa.UniqueConstraint("project_id", name=op.f("uq_audit_chains_project_id")),
    )
    op.create_table(
        "audit_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chain_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=400), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("object_type", sa.String(length=40), nullable=False),
        sa.Column("object_id", sa.Integer(), nullable=True),
        sa.Column("interview_id", sa.Integer(), nullable=True),
        sa.Column("participant_id", sa.Integer(), nullable=True),
        sa.Column("summary", sa.String(length=500), nullable=False),
        sa.Column("changes", sa.Text(), nullable=True),
        sa.Column("changes_digest", sa.String(length=64), nullable=False),
        sa.Column("redacted_at", sa.DateTime(), nullable=True),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["chain_id"],
            ["audit_chains.id"],
            name=op.f("fk_audit_entries_chain_id_audit_chains"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_entries")),
        sa.UniqueConstraint("chain_id", "seq", name=op.f("uq_audit_entries_chain_id_seq")),
    )
    op.create_index("ix_audit_entries_chain_user", "audit_entries", ["chain_id", "user_id", "seq"])
    op.create_index("ix_audit_entries_chain_kind", "audit_entries", ["chain_id", "kind", "seq"])
    op.create_index("ix_audit_entries_chain_at", "audit_entries", ["chain_id", "at"])
    op.create_index(
        "ix_audit_entries_chain_object", "audit_entries", ["chain_id", "object_type", "object_id"]
    )
    op.create_index(op.f("ix_audit_entries_interview_id"), "audit_entries", ["interview_id"])
    op.create_index(op.f("ix_audit_entries_participant_id"), "audit_entries", ["participant_id"])
    with op.batch_alter_table("projects") as batch_op:
        batch_op.add_column(sa.Column("personal_data_until", sa.Date(), nullable=True))


def downgrade():
    with op.batch_alter_table("projects") as batch_op:
        batch_op.drop_column("personal_data_until")
    op.drop_index(op.f("ix_audit_entries_participant_id"), table_name="audit_entries")
    op.drop_index(op.f("ix_audit_entries_interview_id"), table_name="audit_entries")
    op.drop_index("ix_audit_entries_chain_object", table_name="audit_entries")
    op.drop_index("ix_audit_entries_chain_at", table_name="audit_entries")
    op.drop_index("ix_audit_entries_chain_kind", table_name="audit_entries")
    op.drop_index("ix_audit_entries_chain_user", table_name="audit_entries")
    op.drop_table("audit_entries")
    op.drop_table("audit_chains")
