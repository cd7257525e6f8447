"""Enter once: a unit-table indicator that repeats a project's indicator links to it (same_as_id).

Revision ID: 0019
Revises: 0018

An indicator listed both in the 单位整体支出绩效目标表 and in a project's table (e.g.
投诉调解辅助服务 ≥19000宗 in the unit table and in 市场监督管理事务's) is one measure: its
quarterly figures are entered once, on the project's row, and the unit row shows them
(issue #17). The link is indicator.same_as_id → the project's indicator; NULL for every other row.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | Sequence[str] | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("indicator") as batch:
        batch.add_column(sa.Column("same_as_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            batch.f("fk_indicator_same_as_id_indicator"), "indicator", ["same_as_id"], ["id"], ondelete="SET NULL"
        )
        batch.create_index(batch.f("ix_indicator_same_as_id"), ["same_as_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("indicator") as batch:
        batch.drop_index(batch.f("ix_indicator_same_as_id"))
        batch.drop_constraint(batch.f("fk_indicator_same_as_id_indicator"), type_="foreignkey")
        batch.drop_column("same_as_id")
