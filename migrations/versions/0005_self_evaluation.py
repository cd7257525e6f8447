"""The self-evaluation (绩效自评): the scored report, its goals and per-indicator additions.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 23:55:19.488230
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes  # noqa: F401  (autogenerate renders AutoString; docs/engineering.md §3)
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "self_evaluation",
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("submitted_by_id", sa.Integer(), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reviewed_by_id", sa.Integer(), nullable=True),
        sa.Column("review_reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("year_id", sa.Integer(), nullable=False),
        sa.Column("total_score", sa.Numeric(6, 2), nullable=True),
        sa.Column("grade", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=True),
        sa.CheckConstraint(
            "status IN ('draft', 'submitted', 'approved', 'returned')", name=op.f("ck_self_evaluation_status")
        ),
        sa.ForeignKeyConstraint(["reviewed_by_id"], ["user.id"], name=op.f("fk_self_evaluation_reviewed_by_id_user")),
        sa.ForeignKeyConstraint(["submitted_by_id"], ["user.id"], name=op.f("fk_self_evaluation_submitted_by_id_user")),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_self_evaluation_unit_id_unit")),
        sa.ForeignKeyConstraint(["year_id"], ["fiscal_year.id"], name=op.f("fk_self_evaluation_year_id_fiscal_year")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_self_evaluation")),
        sa.UniqueConstraint("unit_id", "year_id", name=op.f("uq_self_evaluation_unit_id_year_id")),
    )
    op.create_table(
        "self_evaluation_goal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("evaluation_id", sa.Integer(), nullable=False),
        sa.Column("budget_line_id", sa.Integer(), nullable=True),
        sa.Column("actual_text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["budget_line_id"], ["budget_line.id"], name=op.f("fk_self_evaluation_goal_budget_line_id_budget_line")
        ),
        sa.ForeignKeyConstraint(
            ["evaluation_id"],
            ["self_evaluation.id"],
            name=op.f("fk_self_evaluation_goal_evaluation_id_self_evaluation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_self_evaluation_goal")),
    )
    with op.batch_alter_table("self_evaluation_goal", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_self_evaluation_goal_evaluation_id"), ["evaluation_id"], unique=False)

    op.create_table(
        "self_evaluation_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("evaluation_id", sa.Integer(), nullable=False),
        sa.Column("indicator_id", sa.Integer(), nullable=False),
        sa.Column("chosen_ratio", sa.Numeric(6, 4), nullable=True),
        sa.Column("actual_text", sa.Text(), nullable=True),
        sa.Column("explanation", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["evaluation_id"],
            ["self_evaluation.id"],
            name=op.f("fk_self_evaluation_item_evaluation_id_self_evaluation"),
        ),
        sa.ForeignKeyConstraint(
            ["indicator_id"], ["indicator.id"], name=op.f("fk_self_evaluation_item_indicator_id_indicator")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_self_evaluation_item")),
        sa.UniqueConstraint(
            "evaluation_id", "indicator_id", name=op.f("uq_self_evaluation_item_evaluation_id_indicator_id")
        ),
    )
    with op.batch_alter_table("self_evaluation_item", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_self_evaluation_item_evaluation_id"), ["evaluation_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("self_evaluation_item", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_self_evaluation_item_evaluation_id"))

    op.drop_table("self_evaluation_item")
    with op.batch_alter_table("self_evaluation_goal", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_self_evaluation_goal_evaluation_id"))

    op.drop_table("self_evaluation_goal")
    op.drop_table("self_evaluation")
