"""Link each notification to the e-mail digest it went into.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 23:30:24

A reminder reaches each person in the app (a notification) and, when they have an
address, in that person's daily digest (outbox_email). Several reminders share one
digest and a late one may roll over to the next day's, so the digest cannot be
found again from the user and the date: the notification records it, and the
mailer follows it back to set the reminder's delivery_state. Nullable: in-app only
notifications, and every row written before this revision, have no digest.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes  # noqa: F401  (autogenerate renders AutoString; docs/engineering.md §3)
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.add_column(sa.Column("outbox_email_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_notification_outbox_email_id"), ["outbox_email_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_notification_outbox_email_id_outbox_email"), "outbox_email", ["outbox_email_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_notification_outbox_email_id_outbox_email"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_notification_outbox_email_id"))
        batch_op.drop_column("outbox_email_id")
