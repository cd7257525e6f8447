"""The self-evaluation keeps each indicator's score as saved, beside its total.

Revision ID: 0015
Revises: 0014

The finance bureau's 汇总表 gained a 明细 sheet: one row per unit × indicator, with its 得分
(issue #14). Scoring a thousand units afresh for a download would cost more than writing it, and
the summary's 自评总分 is already the snapshot each save writes; the scores it adds up are now kept
with it (self_evaluation.indicator_scores: indicator id -> [分值, 得分] as text, exact), so the two
always agree. Reports saved before this revision show no per-indicator score until saved again.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | Sequence[str] | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("self_evaluation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("indicator_scores", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("self_evaluation", schema=None) as batch_op:
        batch_op.drop_column("indicator_scores")
