"""Background jobs run by their own worker process: a lease, attempts, arguments; any kind.

Revision ID: 0014
Revises: 0013

export_job rows were run by a thread inside the web worker that started them, so a job died
with that worker and stayed "running" for ever (issue #14). Now `kpi worker` claims a row with
a lease that it renews while it runs; a row whose lease has run out is taken up again. The kind
is no longer fixed by a CHECK: features register their kinds (kpi.jobs.queue.register).
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes  # noqa: F401  (autogenerate renders AutoString; docs/engineering.md §3)
from alembic import op

revision: str = "0014"
down_revision: str | Sequence[str] | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("export_job", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_export_job_kind"), type_="check")
        batch_op.add_column(sa.Column("params", sa.Text(), nullable=False, server_default="{}"))
        batch_op.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("claimed_by", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True))
        batch_op.add_column(sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("download_name", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True))
        batch_op.add_column(sa.Column("started_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f("ix_export_job_status"), ["status"], unique=False)
    # A job left "running" by the old in-process thread is dead: say so rather than run it again.
    # Queued ones are simply taken up by the new worker.
    op.execute(
        "UPDATE export_job SET status = 'failed', error = '任务在系统升级前中断，请重新生成。' WHERE status = 'running'"
    )


def downgrade() -> None:
    op.execute("DELETE FROM export_job WHERE kind <> 'consolidated'")
    with op.batch_alter_table("export_job", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_export_job_status"))
        batch_op.drop_column("started_at")
        batch_op.drop_column("download_name")
        batch_op.drop_column("lease_until")
        batch_op.drop_column("claimed_by")
        batch_op.drop_column("attempts")
        batch_op.drop_column("params")
        batch_op.create_check_constraint(batch_op.f("ck_export_job_kind"), "kind IN ('consolidated')")
