"""Sign the audit trail: audit_event.mac, HMAC-SHA256 of each row's hash under KPI_AUDIT_KEY.

Revision ID: 0012
Revises: 0011

The key is not in the database and migrations run without the app (tests, `alembic`), so
existing rows cannot be signed here: they keep mac NULL, `kpi audit verify` reports them
as unsigned, and `flask --app app kpi audit seal` signs them once after the upgrade
(docs/audit.md, "Upgrading").
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes  # noqa: F401  (autogenerate renders AutoString; docs/engineering.md §3)
from alembic import op

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("mac", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_column("mac")
