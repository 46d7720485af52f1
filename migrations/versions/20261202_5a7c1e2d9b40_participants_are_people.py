"""Participants are people: a stable reference, a perspective said not guessed, withdrawals

Existing studies get their references (the setting's code and the participant's number in it)
and a perspective filled once from what the app used to guess — whoever was interviewed in an
initial round speaks for leadership, everyone else for practice — which the evaluator can then
correct. Each interview's people take their participant's perspective.

Revision ID: 5a7c1e2d9b40
Revises: 14b1d8cac7d6
Create Date: 2026-12-02 22:40:00

"""

import sqlalchemy as sa
from alembic import op

revision = "5a7c1e2d9b40"
down_revision = "14b1d8cac7d6"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("projects") as batch:
        batch.add_column(
            sa.Column("min_group_size", sa.Integer(), server_default="3", nullable=False)
        )
    with op.batch_alter_table("participants") as batch:
        batch.add_column(sa.Column("number", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("reference", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("perspective", sa.String(length=20), nullable=True))
        batch.add_column(sa.Column("withdrawn_on", sa.Date(), nullable=True))
    with op.batch_alter_table("interview_participants") as batch:
        batch.add_column(sa.Column("perspective", sa.String(length=20), nullable=True))

    _fill_people(op.get_bind())

    with op.batch_alter_table("participants") as batch:
        batch.alter_column("number", existing_type=sa.Integer(), nullable=False)
        batch.alter_column("reference", existing_type=sa.String(length=40), nullable=False)
        batch.alter_column("perspective", existing_type=sa.String(length=20), nullable=False)
        batch.create_unique_constraint(
            op.f("uq_participants_setting_id_number"), ["setting_id", "number"]
        )
    with op.batch_alter_table("interview_participants") as batch:
        batch.alter_column("perspective", existing_type=sa.String(length=20), nullable=False)

    op.create_table(
        "withdrawals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("setting_code", sa.String(length=12), nullable=False),
        sa.Column("participant_reference", sa.String(length=40), nullable=False),
        sa.Column("role_label", sa.String(length=120), nullable=False),
        sa.Column("withdrawn_on", sa.Date(), nullable=False),
        sa.Column("scope", sa.String(length=20), nullable=False),
        sa.Column("keep_before", sa.Date(), nullable=True),
        sa.Column("source_steps", sa.String(length=20), nullable=False),
        sa.Column("removed", sa.JSON(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_by", sa.String(length=300), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_withdrawals_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["users.id"],
            name=op.f("fk_withdrawals_recorded_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_withdrawals")),
    )


def _fill_people(bind):
    """References by setting code and order of adding; perspective from the old inference."""
    settings = dict(bind.execute(sa.text("SELECT id, code FROM settings")).all())
    leaders = {
        row[0]
        for row in bind.execute(
            sa.text(
                "SELECT DISTINCT ip.participant_id FROM interview_participants ip "
                "JOIN interviews i ON i.id = ip.interview_id "
                "JOIN rounds r ON r.id = i.round_id WHERE r.kind = 'initial'"
            )
        )
    }
    numbers: dict[int, int] = {}
    rows = bind.execute(sa.text("SELECT id, setting_id FROM participants ORDER BY id")).all()
    for participant_id, setting_id in rows:
        numbers[setting_id] = numbers.get(setting_id, 0) + 1
        bind.execute(
            sa.text(
                "UPDATE participants SET number = :n, reference = :ref, perspective = :p "
                "WHERE id = :id"
            ),
            {
                "n": numbers[setting_id],
                "ref": f"{settings[setting_id]}-P{numbers[setting_id]:02d}",
                "p": "leadership" if participant_id in leaders else "practice",
                "id": participant_id,
            },
        )
    bind.execute(
        sa.text(
            "UPDATE interview_participants SET perspective = (SELECT p.perspective FROM "
            "participants p WHERE p.id = interview_participants.participant_id)"
        )
    )


def downgrade():
    op.drop_table("withdrawals")
    with op.batch_alter_table("interview_participants") as batch:
        batch.drop_column("perspective")
    with op.batch_alter_table("participants") as batch:
        batch.drop_constraint(op.f("uq_participants_setting_id_number"), type_="unique")
        batch.drop_column("withdrawn_on")
        batch.drop_column("perspective")
        batch.drop_column("reference")
        batch.drop_column("number")
    with op.batch_alter_table("projects") as batch:
        batch.drop_column("min_group_size")
