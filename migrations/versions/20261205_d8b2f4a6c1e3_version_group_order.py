"""Keep the study's group order on each frozen flowchart version

A version's lanes follow the study's groups, and its step numbers (S1, A2 …) follow its lanes, so
reordering the study's groups renumbered charts already shown at interviews. A frozen version now
keeps the order it was frozen in; versions frozen before this take the order the study has now,
the best that is known of it.

Revision ID: d8b2f4a6c1e3
Revises: a7c3e9f2b1d4
Create Date: 2026-12-05 00:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "d8b2f4a6c1e3"
down_revision = "a7c3e9f2b1d4"
branch_labels = None
depends_on = None

versions = sa.table(
    "flowchart_versions",
    sa.column("id", sa.Integer),
    sa.column("setting_id", sa.Integer),
    sa.column("frozen_at", sa.DateTime),
    sa.column("group_order", sa.JSON(none_as_null=True)),
)
settings = sa.table("settings", sa.column("id", sa.Integer), sa.column("project_id", sa.Integer))
groups = sa.table(
    "project_groups",
    sa.column("id", sa.Integer),
    sa.column("project_id", sa.Integer),
    sa.column("position", sa.Integer),
)


def upgrade() -> None:
    with op.batch_alter_table("flowchart_versions") as batch:
        batch.add_column(sa.Column("group_order", sa.JSON(none_as_null=True), nullable=True))
    connection = op.get_bind()
    order: dict[int, list[int]] = {}
    for project_id, group_id in connection.execute(
        sa.select(groups.c.project_id, groups.c.id).order_by(
            groups.c.project_id, groups.c.position, groups.c.id
        )
    ):
        order.setdefault(project_id, []).append(group_id)
    frozen = connection.execute(
        sa.select(versions.c.id, settings.c.project_id)
        .join(settings, settings.c.id == versions.c.setting_id)
        .where(versions.c.frozen_at.is_not(None))
    ).all()
    for version_id, project_id in frozen:
        connection.execute(
            versions.update()
            .where(versions.c.id == version_id)
            .values(group_order=order.get(project_id, []))
        )


def downgrade() -> None:
    with op.batch_alter_table("flowchart_versions") as batch:
        batch.drop_column("group_order")
