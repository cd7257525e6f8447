"""A reviewer's 人工调整 of an indicator's computed score, with its reason.

Revision ID: 0016
Revises: 0015

Published self-evaluations give full points to a shortfall the unit explained, and a reviewer
must be able to do the same, in the open (issue #15): the score given and why are kept on the
indicator's self-evaluation item, shown as 人工调整 in the working and the workbook, audited.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | Sequence[str] | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("self_evaluation_item", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("override_score", sa.Numeric(8, 2).with_variant(sa.String(10), "sqlite"), nullable=True)
        )
        batch_op.add_column(sa.Column("override_reason", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("self_evaluation_item", schema=None) as batch_op:
        batch_op.drop_column("override_reason")
        batch_op.drop_column("override_score")
