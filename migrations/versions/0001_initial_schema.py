"""Initial schema: units, years, budget lines, goals, indicators, results, users, audit.

Revision ID: 0001
Revises:
Create Date: 2026-11-27 22:57:00.531106
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes  # noqa: F401  (autogenerate renders AutoString; docs/engineering.md §3)
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "fiscal_year",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fiscal_year")),
        sa.UniqueConstraint("year", name=op.f("uq_fiscal_year_year")),
    )
    op.create_table(
        "unit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["parent_id"], ["unit.id"], name=op.f("fk_unit_parent_id_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unit")),
        sa.UniqueConstraint("name", name=op.f("uq_unit_name")),
    )
    with op.batch_alter_table("unit", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_unit_parent_id"), ["parent_id"], unique=False)

    op.create_table(
        "budget_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("year_id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("initial_budget", sa.Numeric(16, 4), nullable=False),
        sa.Column("adjusted_budget", sa.Numeric(16, 4), nullable=True),
        sa.Column("fiscal_appropriation", sa.Numeric(16, 4), nullable=True),
        sa.Column("other_funds", sa.Numeric(16, 4), nullable=True),
        sa.Column("display_order", sa.Integer(), nullable=False),
        sa.CheckConstraint("kind IN ('basic', 'project')", name=op.f("ck_budget_line_kind")),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_budget_line_unit_id_unit")),
        sa.ForeignKeyConstraint(["year_id"], ["fiscal_year.id"], name=op.f("fk_budget_line_year_id_fiscal_year")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_budget_line")),
        sa.UniqueConstraint("unit_id", "year_id", "name", name=op.f("uq_budget_line_unit_id_year_id_name")),
    )
    with op.batch_alter_table("budget_line", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_budget_line_unit_id"), ["unit_id"], unique=False)

    op.create_table(
        "user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("display_name", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=True),
        sa.Column("password_hash", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("role", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("password_changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("role IN ('staff', 'reviewer', 'finance', 'admin')", name=op.f("ck_user_role")),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_user_unit_id_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user")),
        sa.UniqueConstraint("username", name=op.f("uq_user_username")),
    )
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_user_unit_id"), ["unit_id"], unique=False)

    op.create_table(
        "audit_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("actor", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("entity", sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=True),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column("field", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("old_value", sa.Text(), nullable=True),
        sa.Column("new_value", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_audit_event_unit_id_unit")),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f("fk_audit_event_user_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_event")),
    )
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.create_index("ix_audit_event_entity", ["entity", "entity_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_event_unit_id"), ["unit_id"], unique=False)

    op.create_table(
        "indicator",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("year_id", sa.Integer(), nullable=False),
        sa.Column("scope", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("budget_line_id", sa.Integer(), nullable=True),
        sa.Column("level1", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("level2", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("level1_points", sa.Numeric(8, 2), nullable=True),
        sa.Column("target_text", sa.Text(), nullable=False),
        sa.Column("comparator", sqlmodel.sql.sqltypes.AutoString(length=2), nullable=True),
        sa.Column("target_value", sa.Numeric(20, 4), nullable=True),
        sa.Column("target_upper", sa.Numeric(20, 4), nullable=True),
        sa.Column("unit", sqlmodel.sql.sqltypes.AutoString(length=50), nullable=True),
        sa.Column("qualifier", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("direction", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("target_date_from", sa.Date(), nullable=True),
        sa.Column("target_date_to", sa.Date(), nullable=True),
        sa.Column("aggregation", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("points", sa.Numeric(8, 2), nullable=True),
        sa.Column("plan_q1", sa.Numeric(20, 4), nullable=True),
        sa.Column("plan_q2", sa.Numeric(20, 4), nullable=True),
        sa.Column("plan_q3", sa.Numeric(20, 4), nullable=True),
        sa.Column("plan_q4", sa.Numeric(20, 4), nullable=True),
        sa.Column("display_order", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "scope = 'unit' OR budget_line_id IS NOT NULL", name=op.f("ck_indicator_project_scope_has_line")
        ),
        sa.CheckConstraint("scope IN ('unit', 'project')", name=op.f("ck_indicator_scope")),
        sa.ForeignKeyConstraint(
            ["budget_line_id"], ["budget_line.id"], name=op.f("fk_indicator_budget_line_id_budget_line")
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_indicator_unit_id_unit")),
        sa.ForeignKeyConstraint(["year_id"], ["fiscal_year.id"], name=op.f("fk_indicator_year_id_fiscal_year")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_indicator")),
    )
    with op.batch_alter_table("indicator", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_indicator_budget_line_id"), ["budget_line_id"], unique=False)
        batch_op.create_index(
            "ix_indicator_unit_year_scope", ["unit_id", "year_id", "scope", "display_order"], unique=False
        )

    op.create_table(
        "performance_goal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("year_id", sa.Integer(), nullable=False),
        sa.Column("budget_line_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["budget_line_id"], ["budget_line.id"], name=op.f("fk_performance_goal_budget_line_id_budget_line")
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_performance_goal_unit_id_unit")),
        sa.ForeignKeyConstraint(["year_id"], ["fiscal_year.id"], name=op.f("fk_performance_goal_year_id_fiscal_year")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_performance_goal")),
    )
    with op.batch_alter_table("performance_goal", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_performance_goal_unit_id"), ["unit_id"], unique=False)

    op.create_table(
        "quarter_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("year_id", sa.Integer(), nullable=False),
        sa.Column("quarter", sa.Integer(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("submitted_by_id", sa.Integer(), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reviewed_by_id", sa.Integer(), nullable=True),
        sa.Column("review_reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('draft', 'submitted', 'approved', 'returned')", name=op.f("ck_quarter_report_status")
        ),
        sa.CheckConstraint("quarter BETWEEN 1 AND 4", name=op.f("ck_quarter_report_quarter")),
        sa.ForeignKeyConstraint(["reviewed_by_id"], ["user.id"], name=op.f("fk_quarter_report_reviewed_by_id_user")),
        sa.ForeignKeyConstraint(["submitted_by_id"], ["user.id"], name=op.f("fk_quarter_report_submitted_by_id_user")),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_quarter_report_unit_id_unit")),
        sa.ForeignKeyConstraint(["year_id"], ["fiscal_year.id"], name=op.f("fk_quarter_report_year_id_fiscal_year")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quarter_report")),
        sa.UniqueConstraint("unit_id", "year_id", "quarter", name=op.f("uq_quarter_report_unit_id_year_id_quarter")),
    )
    op.create_table(
        "budget_execution",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("budget_line_id", sa.Integer(), nullable=False),
        sa.Column("spent", sa.Numeric(16, 4), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["budget_line_id"], ["budget_line.id"], name=op.f("fk_budget_execution_budget_line_id_budget_line")
        ),
        sa.ForeignKeyConstraint(
            ["report_id"], ["quarter_report.id"], name=op.f("fk_budget_execution_report_id_quarter_report")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_budget_execution")),
        sa.UniqueConstraint("report_id", "budget_line_id", name=op.f("uq_budget_execution_report_id_budget_line_id")),
    )
    with op.batch_alter_table("budget_execution", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_budget_execution_report_id"), ["report_id"], unique=False)

    op.create_table(
        "indicator_result",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("indicator_id", sa.Integer(), nullable=False),
        sa.Column("value", sa.Numeric(20, 4), nullable=True),
        sa.Column("numerator", sa.Numeric(20, 4), nullable=True),
        sa.Column("denominator", sa.Numeric(20, 4), nullable=True),
        sa.Column("band", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("achieved_on", sa.Date(), nullable=True),
        sa.Column("assessment", sa.Text(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["indicator_id"], ["indicator.id"], name=op.f("fk_indicator_result_indicator_id_indicator")
        ),
        sa.ForeignKeyConstraint(
            ["report_id"], ["quarter_report.id"], name=op.f("fk_indicator_result_report_id_quarter_report")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_indicator_result")),
        sa.UniqueConstraint("report_id", "indicator_id", name=op.f("uq_indicator_result_report_id_indicator_id")),
    )
    with op.batch_alter_table("indicator_result", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_indicator_result_indicator_id"), ["indicator_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_indicator_result_report_id"), ["report_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("indicator_result", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_indicator_result_report_id"))
        batch_op.drop_index(batch_op.f("ix_indicator_result_indicator_id"))

    op.drop_table("indicator_result")
    with op.batch_alter_table("budget_execution", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_budget_execution_report_id"))

    op.drop_table("budget_execution")
    op.drop_table("quarter_report")
    with op.batch_alter_table("performance_goal", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_performance_goal_unit_id"))

    op.drop_table("performance_goal")
    with op.batch_alter_table("indicator", schema=None) as batch_op:
        batch_op.drop_index("ix_indicator_unit_year_scope")
        batch_op.drop_index(batch_op.f("ix_indicator_budget_line_id"))

    op.drop_table("indicator")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_event_unit_id"))
        batch_op.drop_index("ix_audit_event_entity")

    op.drop_table("audit_event")
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_unit_id"))

    op.drop_table("user")
    with op.batch_alter_table("budget_line", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_budget_line_unit_id"))

    op.drop_table("budget_line")
    with op.batch_alter_table("unit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_unit_parent_id"))

    op.drop_table("unit")
    op.drop_table("fiscal_year")
