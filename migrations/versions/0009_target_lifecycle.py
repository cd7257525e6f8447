"""The target lifecycle (绩效目标批复与调整): approved target tables, adjustments, versions.

Revision ID: 0009
Revises: 0008

New tables target_table, target_adjustment, target_adjustment_item, indicator_version,
and 年初 columns on indicator (NULL until an adjustment is approved). Exact-decimal columns
are text on SQLite and NUMERIC on PostgreSQL, as migration 0008 made the others. Every target table
that exists already was published with its budget, so it is marked approved (批复).
Create Date: 2026-12-01 22:40:52.267449
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
import sqlmodel.sql.sqltypes  # noqa: F401  (autogenerate renders AutoString; docs/engineering.md §3)
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "target_table",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("year_id", sa.Integer(), nullable=False),
        sa.Column("scope", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("budget_line_id", sa.Integer(), nullable=True),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("approved_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(scope = 'unit' AND budget_line_id IS NULL) OR (scope = 'project' AND budget_line_id IS NOT NULL)",
            name=op.f("ck_target_table_line_matches_scope"),
        ),
        sa.CheckConstraint("scope IN ('unit', 'project')", name=op.f("ck_target_table_scope")),
        sa.CheckConstraint("status IN ('draft', 'submitted', 'approved')", name=op.f("ck_target_table_status")),
        sa.ForeignKeyConstraint(["approved_by_id"], ["user.id"], name=op.f("fk_target_table_approved_by_id_user")),
        sa.ForeignKeyConstraint(
            ["budget_line_id"], ["budget_line.id"], name=op.f("fk_target_table_budget_line_id_budget_line")
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_target_table_unit_id_unit")),
        sa.ForeignKeyConstraint(["year_id"], ["fiscal_year.id"], name=op.f("fk_target_table_year_id_fiscal_year")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_target_table")),
        sa.UniqueConstraint("budget_line_id", name=op.f("uq_target_table_budget_line_id")),
    )
    with op.batch_alter_table("target_table", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_target_table_unit_id"), ["unit_id"], unique=False)
        batch_op.create_index(
            "uq_target_table_unit_year_unit_scope",
            ["unit_id", "year_id"],
            unique=True,
            sqlite_where=sa.text("scope = 'unit'"),
            postgresql_where=sa.text("scope = 'unit'"),
        )

    op.create_table(
        "target_adjustment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("year_id", sa.Integer(), nullable=False),
        sa.Column("target_table_id", sa.Integer(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("basis", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("return_reason", sa.Text(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("checked_by_id", sa.Integer(), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("approved_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('draft', 'submitted', 'checked', 'approved', 'returned')",
            name=op.f("ck_target_adjustment_status"),
        ),
        sa.ForeignKeyConstraint(["approved_by_id"], ["user.id"], name=op.f("fk_target_adjustment_approved_by_id_user")),
        sa.ForeignKeyConstraint(["checked_by_id"], ["user.id"], name=op.f("fk_target_adjustment_checked_by_id_user")),
        sa.ForeignKeyConstraint(["created_by_id"], ["user.id"], name=op.f("fk_target_adjustment_created_by_id_user")),
        sa.ForeignKeyConstraint(
            ["target_table_id"], ["target_table.id"], name=op.f("fk_target_adjustment_target_table_id_target_table")
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_target_adjustment_unit_id_unit")),
        sa.ForeignKeyConstraint(["year_id"], ["fiscal_year.id"], name=op.f("fk_target_adjustment_year_id_fiscal_year")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_target_adjustment")),
    )
    with op.batch_alter_table("target_adjustment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_target_adjustment_target_table_id"), ["target_table_id"], unique=False)
        batch_op.create_index("ix_target_adjustment_unit_year_status", ["unit_id", "year_id", "status"], unique=False)

    op.create_table(
        "indicator_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("indicator_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("adjustment_id", sa.Integer(), nullable=True),
        sa.Column("target_text", sa.Text(), nullable=False),
        sa.Column("comparator", sqlmodel.sql.sqltypes.AutoString(length=2), nullable=True),
        sa.Column("target_value", sa.Numeric(20, 4).with_variant(sa.String(22), "sqlite"), nullable=True),
        sa.Column("target_upper", sa.Numeric(20, 4).with_variant(sa.String(22), "sqlite"), nullable=True),
        sa.Column("unit", sqlmodel.sql.sqltypes.AutoString(length=50), nullable=True),
        sa.Column("qualifier", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("direction", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("target_date_from", sa.Date(), nullable=True),
        sa.Column("target_date_to", sa.Date(), nullable=True),
        sa.Column("points", sa.Numeric(8, 2).with_variant(sa.String(10), "sqlite"), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["adjustment_id"],
            ["target_adjustment.id"],
            name=op.f("fk_indicator_version_adjustment_id_target_adjustment"),
        ),
        sa.ForeignKeyConstraint(
            ["indicator_id"], ["indicator.id"], name=op.f("fk_indicator_version_indicator_id_indicator")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_indicator_version")),
        sa.UniqueConstraint("indicator_id", "number", name=op.f("uq_indicator_version_indicator_id_number")),
    )
    with op.batch_alter_table("indicator_version", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_indicator_version_indicator_id"), ["indicator_id"], unique=False)

    op.create_table(
        "target_adjustment_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("adjustment_id", sa.Integer(), nullable=False),
        sa.Column("indicator_id", sa.Integer(), nullable=False),
        sa.Column("old_target_text", sa.Text(), nullable=False),
        sa.Column("old_points", sa.Numeric(8, 2).with_variant(sa.String(10), "sqlite"), nullable=True),
        sa.Column("new_target_text", sa.Text(), nullable=True),
        sa.Column("new_points", sa.Numeric(8, 2).with_variant(sa.String(10), "sqlite"), nullable=True),
        sa.ForeignKeyConstraint(
            ["adjustment_id"],
            ["target_adjustment.id"],
            name=op.f("fk_target_adjustment_item_adjustment_id_target_adjustment"),
        ),
        sa.ForeignKeyConstraint(
            ["indicator_id"], ["indicator.id"], name=op.f("fk_target_adjustment_item_indicator_id_indicator")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_target_adjustment_item")),
        sa.UniqueConstraint(
            "adjustment_id", "indicator_id", name=op.f("uq_target_adjustment_item_adjustment_id_indicator_id")
        ),
    )
    with op.batch_alter_table("target_adjustment_item", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_target_adjustment_item_adjustment_id"), ["adjustment_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_target_adjustment_item_indicator_id"), ["indicator_id"], unique=False)

    with op.batch_alter_table("indicator", schema=None) as batch_op:
        batch_op.add_column(sa.Column("original_target_text", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column("original_points", sa.Numeric(8, 2).with_variant(sa.String(10), "sqlite"), nullable=True)
        )

    _approve_existing_tables()


def _approve_existing_tables() -> None:
    """One approved target_table row per (unit, year, table) that has indicators today."""
    connection = op.get_bind()
    indicator = sa.table(
        "indicator", sa.column("unit_id"), sa.column("year_id"), sa.column("scope"), sa.column("budget_line_id")
    )
    target_table = sa.table(
        "target_table",
        sa.column("unit_id"),
        sa.column("year_id"),
        sa.column("scope"),
        sa.column("budget_line_id"),
        sa.column("status"),
        sa.column("approved_at"),
        sa.column("created_at"),
        sa.column("updated_at"),
    )
    # A unit-wide indicator's budget_line_id links the project it measures; its table has none.
    line = sa.case((indicator.c.scope == "project", indicator.c.budget_line_id), else_=sa.null())
    keys = connection.execute(
        sa.select(indicator.c.unit_id, indicator.c.year_id, indicator.c.scope, line).distinct()
    ).all()
    now = datetime.now(UTC)
    rows = [
        dict(
            unit_id=unit_id,
            year_id=year_id,
            scope=scope,
            budget_line_id=line_id,
            status="approved",
            approved_at=now,
            created_at=now,
            updated_at=now,
        )
        for unit_id, year_id, scope, line_id in keys
    ]
    if rows:
        connection.execute(target_table.insert(), rows)


def downgrade() -> None:
    with op.batch_alter_table("indicator", schema=None) as batch_op:
        batch_op.drop_column("original_points")
        batch_op.drop_column("original_target_text")

    with op.batch_alter_table("target_adjustment_item", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_target_adjustment_item_indicator_id"))
        batch_op.drop_index(batch_op.f("ix_target_adjustment_item_adjustment_id"))

    op.drop_table("target_adjustment_item")
    with op.batch_alter_table("indicator_version", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_indicator_version_indicator_id"))

    op.drop_table("indicator_version")
    with op.batch_alter_table("target_adjustment", schema=None) as batch_op:
        batch_op.drop_index("ix_target_adjustment_unit_year_status")
        batch_op.drop_index(batch_op.f("ix_target_adjustment_target_table_id"))

    op.drop_table("target_adjustment")
    with op.batch_alter_table("target_table", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_target_table_unit_year_unit_scope",
            sqlite_where=sa.text("scope = 'unit'"),
            postgresql_where=sa.text("scope = 'unit'"),
        )
        batch_op.drop_index(batch_op.f("ix_target_table_unit_id"))

    op.drop_table("target_table")
