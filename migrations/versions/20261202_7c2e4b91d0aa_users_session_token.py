"""Users get a session token, so logging out or changing a password ends every session

Existing accounts get a random token each, which logs everyone out once.

Revision ID: 7c2e4b91d0aa
Revises: 5a7c1e2d9b40
Create Date: 2026-12-02 23:20:00

"""

import secrets

import sqlalchemy as sa
from alembic import op

revision = "7c2e4b91d0aa"
down_revision = "5a7c1e2d9b40"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("session_token", sa.String(length=64), nullable=True))
    bind = op.get_bind()
    for (user_id,) in bind.execute(sa.text("SELECT id FROM users")).all():
        bind.execute(
            sa.text("UPDATE users SET session_token = :token WHERE id = :id"),
            {"token": secrets.token_hex(16), "id": user_id},
        )
    with op.batch_alter_table("users") as batch:
        batch.alter_column("session_token", existing_type=sa.String(length=64), nullable=False)


def downgrade():
    with op.batch_alter_table("users") as batch:
        batch.drop_column("session_token")
