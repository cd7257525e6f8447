"""备注 on a monitoring line, as the official 绩效运行监控表 has it.

Revision ID: 0017
Revises: 0016

The printed form ends each indicator's row with a 备注 column (docs/rules/monitoring.md §1,
issue #16): a free note the unit may add, never required.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | Sequence[str] | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("monitoring_item", schema=None) as batch_op:
        batch_op.add_column(sa.Column("remark", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("monitoring_item", schema=None) as batch_op:
        batch_op.drop_column("remark")
