"""Monitoring: a projected completion date for deadlines, and July's own spending per budget line.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 10:00:00

A deadline indicator's 全年预计完成值 is a date (预计完成日期), which neither `forecast`
(a number) nor `forecast_band` can hold. A budget line's July spending is asked by the
form like an indicator's July figure, and kept alone so that 1–7月 = Q1 + Q2 + July
follows the quarterly figures (`spent_to_july` stays as the total at the last save).
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes  # noqa: F401  (autogenerate renders AutoString; docs/engineering.md §3)
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("monitoring_item", schema=None) as batch_op:
        batch_op.add_column(sa.Column("forecast_date", sa.Date(), nullable=True))

    with op.batch_alter_table("monitoring_budget_item", schema=None) as batch_op:
        batch_op.add_column(sa.Column("spent_july", sa.Numeric(16, 4), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("monitoring_budget_item", schema=None) as batch_op:
        batch_op.drop_column("spent_july")

    with op.batch_alter_table("monitoring_item", schema=None) as batch_op:
        batch_op.drop_column("forecast_date")
