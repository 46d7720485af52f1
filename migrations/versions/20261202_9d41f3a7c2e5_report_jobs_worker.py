"""Report jobs remember the worker process building them

Revision ID: 9d41f3a7c2e5
Revises: 7c2e4b91d0aa
Create Date: 2026-12-02 23:40:00

"""

import sqlalchemy as sa
from alembic import op

revision = "9d41f3a7c2e5"
down_revision = "7c2e4b91d0aa"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("report_jobs") as batch:
        batch.add_column(
            sa.Column("worker", sa.String(length=120), server_default="", nullable=False)
        )


def downgrade():
    with op.batch_alter_table("report_jobs") as batch:
        batch.drop_column("worker")
