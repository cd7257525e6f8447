"""Reopened is a state of its own (已重新打开), not a return; an approved self-evaluation keeps its basis.

Revision ID: 0010
Revises: 0009

The three report tables' status check gains 'reopened'. A report that is 'returned'
today because it was reopened (its latest review step in the audit trail is a reopen)
becomes 'reopened', so the finance desk stops counting it as returned.

self_evaluation.approved_basis holds what an approved self-evaluation was scored on
(kpi.results.basis). Reports approved before this migration have none and score live
until they are next approved.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("quarter_report", "monitoring_report", "self_evaluation")
OLD = "status IN ('draft', 'submitted', 'approved', 'returned')"
NEW = "status IN ('draft', 'submitted', 'approved', 'returned', 'reopened')"
LAST_STEP = (
    "(SELECT action FROM audit_event WHERE audit_event.entity = '{table}' "
    "AND audit_event.entity_id = {table}.id AND audit_event.action IN ('submit', 'approve', 'return', 'reopen') "
    "ORDER BY audit_event.id DESC LIMIT 1)"
)


def upgrade() -> None:
    with op.batch_alter_table("self_evaluation") as batch:
        batch.add_column(sa.Column("approved_basis", sa.JSON(), nullable=True))
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(op.f(f"ck_{table}_status"), type_="check")
            batch.create_check_constraint("status", NEW)
        op.execute(
            f"UPDATE {table} SET status = 'reopened' "
            f"WHERE status = 'returned' AND {LAST_STEP.format(table=table)} = 'reopen'"
        )


def downgrade() -> None:
    for table in TABLES:
        op.execute(f"UPDATE {table} SET status = 'returned' WHERE status = 'reopened'")
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(op.f(f"ck_{table}_status"), type_="check")
            batch.create_check_constraint("status", OLD)
    with op.batch_alter_table("self_evaluation") as batch:
        batch.drop_column("approved_basis")
