"""Reminders, notifications, the e-mail outbox, the monitoring report and per-year settings.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 23:25:21.445049
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes  # noqa: F401  (autogenerate renders AutoString; docs/engineering.md §3)
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "reminder",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year_id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("period", sa.Integer(), nullable=False),
        sa.Column("stage", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("raised_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("delivery_state", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.CheckConstraint("kind IN ('monitoring', 'quarterly', 'self_evaluation')", name=op.f("ck_reminder_kind")),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_reminder_unit_id_unit")),
        sa.ForeignKeyConstraint(["year_id"], ["fiscal_year.id"], name=op.f("fk_reminder_year_id_fiscal_year")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminder")),
        sa.UniqueConstraint(
            "year_id", "kind", "period", "stage", "unit_id", name=op.f("uq_reminder_year_id_kind_period_stage_unit_id")
        ),
    )
    with op.batch_alter_table("reminder", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reminder_unit_id"), ["unit_id"], unique=False)

    op.create_table(
        "monitoring_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("year_id", sa.Integer(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("submitted_by_id", sa.Integer(), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reviewed_by_id", sa.Integer(), nullable=True),
        sa.Column("review_reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('draft', 'submitted', 'approved', 'returned')", name=op.f("ck_monitoring_report_status")
        ),
        sa.ForeignKeyConstraint(["reviewed_by_id"], ["user.id"], name=op.f("fk_monitoring_report_reviewed_by_id_user")),
        sa.ForeignKeyConstraint(
            ["submitted_by_id"], ["user.id"], name=op.f("fk_monitoring_report_submitted_by_id_user")
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_monitoring_report_unit_id_unit")),
        sa.ForeignKeyConstraint(["year_id"], ["fiscal_year.id"], name=op.f("fk_monitoring_report_year_id_fiscal_year")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitoring_report")),
        sa.UniqueConstraint("unit_id", "year_id", name=op.f("uq_monitoring_report_unit_id_year_id")),
    )
    op.create_table(
        "notification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("reminder_id", sa.Integer(), nullable=True),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("link", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["reminder_id"], ["reminder.id"], name=op.f("fk_notification_reminder_id_reminder")),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f("fk_notification_user_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification")),
    )
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.create_index("ix_notification_user_unread", ["user_id", "read_at"], unique=False)

    op.create_table(
        "outbox_email",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("to_address", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
        sa.Column("digest_date", sa.Date(), nullable=False),
        sa.Column("subject", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f("fk_outbox_email_user_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_email")),
        sa.UniqueConstraint("user_id", "digest_date", name=op.f("uq_outbox_email_user_id_digest_date")),
    )
    with op.batch_alter_table("outbox_email", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_email_pending", ["status", "next_attempt_at"], unique=False)

    op.create_table(
        "monitoring_budget_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("budget_line_id", sa.Integer(), nullable=False),
        sa.Column("spent_to_july", sa.Numeric(16, 4), nullable=True),
        sa.Column("forecast_spent", sa.Numeric(16, 4), nullable=True),
        sa.Column("cause", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["budget_line_id"], ["budget_line.id"], name=op.f("fk_monitoring_budget_item_budget_line_id_budget_line")
        ),
        sa.ForeignKeyConstraint(
            ["report_id"], ["monitoring_report.id"], name=op.f("fk_monitoring_budget_item_report_id_monitoring_report")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitoring_budget_item")),
        sa.UniqueConstraint(
            "report_id", "budget_line_id", name=op.f("uq_monitoring_budget_item_report_id_budget_line_id")
        ),
    )
    with op.batch_alter_table("monitoring_budget_item", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_monitoring_budget_item_report_id"), ["report_id"], unique=False)

    op.create_table(
        "monitoring_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("indicator_id", sa.Integer(), nullable=False),
        sa.Column("july_value", sa.Numeric(20, 4), nullable=True),
        sa.Column("july_numerator", sa.Numeric(20, 4), nullable=True),
        sa.Column("july_denominator", sa.Numeric(20, 4), nullable=True),
        sa.Column("july_band", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("july_achieved_on", sa.Date(), nullable=True),
        sa.Column("forecast", sa.Numeric(20, 4), nullable=True),
        sa.Column("forecast_band", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("deviation", sa.Boolean(), nullable=False),
        sa.Column("cause_category", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("cause", sa.Text(), nullable=True),
        sa.Column("likelihood", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("corrective_measures", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["indicator_id"], ["indicator.id"], name=op.f("fk_monitoring_item_indicator_id_indicator")
        ),
        sa.ForeignKeyConstraint(
            ["report_id"], ["monitoring_report.id"], name=op.f("fk_monitoring_item_report_id_monitoring_report")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitoring_item")),
        sa.UniqueConstraint("report_id", "indicator_id", name=op.f("uq_monitoring_item_report_id_indicator_id")),
    )
    with op.batch_alter_table("monitoring_item", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_monitoring_item_report_id"), ["report_id"], unique=False)

    with op.batch_alter_table("fiscal_year", schema=None) as batch_op:
        # Existing years get an empty dict of overrides: every rule keeps its default.
        batch_op.add_column(sa.Column("settings", sa.JSON(), nullable=False, server_default="{}"))


def downgrade() -> None:
    with op.batch_alter_table("fiscal_year", schema=None) as batch_op:
        batch_op.drop_column("settings")

    with op.batch_alter_table("monitoring_item", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_monitoring_item_report_id"))

    op.drop_table("monitoring_item")
    with op.batch_alter_table("monitoring_budget_item", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_monitoring_budget_item_report_id"))

    op.drop_table("monitoring_budget_item")
    with op.batch_alter_table("outbox_email", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_email_pending")

    op.drop_table("outbox_email")
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_index("ix_notification_user_unread")

    op.drop_table("notification")
    op.drop_table("monitoring_report")
    with op.batch_alter_table("reminder", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reminder_unit_id"))

    op.drop_table("reminder")
