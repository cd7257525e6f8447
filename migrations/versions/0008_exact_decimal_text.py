"""Exact decimals on SQLite: every exact-decimal column gets TEXT affinity and canonical text.

Revision ID: 0008
Revises: 0007

SQLite's NUMERIC affinity turns every well-formed number, even one bound as text, into a
REAL, so 12345678901234.5678 came back as …5680. On SQLite each Money/Quantity (and other
ExactDecimal) column is rebuilt as VARCHAR(precision + 2), and its values are rewritten as
the canonical text the application now binds (kpi.core.decimals): quantized to the scale,
fixed-point, no "-0". The values are read the way the application read them before, so
what people saw is what is kept (digits a double had already lost cannot come back).
On PostgreSQL NUMERIC is exact already and nothing changes.

The tables are rebuilt by batch mode (copy, drop, rename). Dropping a table that others
reference fails while SQLite enforces foreign keys, so kpi.migrate runs migrations with
them off and checks them before committing (SQLite's own procedure for such changes).

The column list is written out: migrations never import application code.
"""

from collections.abc import Sequence
from decimal import Decimal

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MONEY, QUANTITY, POINTS, SCORE, RATIO = (16, 4), (20, 4), (8, 2), (6, 2), (6, 4)

# table → [(column, (precision, scale), nullable)]
COLUMNS = {
    "budget_line": [
        ("initial_budget", MONEY, False),
        ("adjusted_budget", MONEY, True),
        ("fiscal_appropriation", MONEY, True),
        ("other_funds", MONEY, True),
    ],
    "indicator": [
        ("level1_points", POINTS, True),
        ("target_value", QUANTITY, True),
        ("target_upper", QUANTITY, True),
        ("points", POINTS, True),
        ("plan_q1", QUANTITY, True),
        ("plan_q2", QUANTITY, True),
        ("plan_q3", QUANTITY, True),
        ("plan_q4", QUANTITY, True),
    ],
    "self_evaluation": [("total_score", SCORE, True)],
    "budget_execution": [("spent", MONEY, False)],
    "indicator_result": [("value", QUANTITY, True), ("numerator", QUANTITY, True), ("denominator", QUANTITY, True)],
    "monitoring_budget_item": [
        ("spent_july", MONEY, True),
        ("spent_to_july", MONEY, True),
        ("forecast_spent", MONEY, True),
    ],
    "monitoring_item": [
        ("july_value", QUANTITY, True),
        ("july_numerator", QUANTITY, True),
        ("july_denominator", QUANTITY, True),
        ("forecast", QUANTITY, True),
    ],
    "self_evaluation_item": [("chosen_ratio", RATIO, True)],
}


def text_type(precision: int, scale: int) -> sa.String:
    return sa.String(precision + (2 if scale else 1))


def canonical(value: object, scale: int) -> str:
    """The stored number as canonical text, read as the application read it before (via str)."""
    number = Decimal(str(value)).quantize(Decimal(1).scaleb(-scale))
    return format(number.copy_abs() if number.is_zero() else number, "f")


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    for table, columns in COLUMNS.items():
        names = [name for name, _, _ in columns]
        # Read before the rebuild: its copy casts the REALs to text with only 15 digits.
        rows = bind.execute(sa.text(f'SELECT id, {", ".join(names)} FROM "{table}"')).all()
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name, (precision, scale), nullable in columns:
                batch_op.alter_column(
                    name,
                    type_=text_type(precision, scale),
                    existing_type=sa.Numeric(precision, scale),
                    existing_nullable=nullable,
                )
        if rows:
            scales = [scale for _, (_, scale), _ in columns]
            update = sa.text(f'UPDATE "{table}" SET {", ".join(f"{n} = :new_{n}" for n in names)} WHERE id = :id')
            bind.execute(
                update,
                [
                    {
                        "id": row[0],
                        **{
                            f"new_{name}": None if value is None else canonical(value, scale)
                            for name, value, scale in zip(names, row[1:], scales)
                        },
                    }
                    for row in rows
                ],
            )


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    for table, columns in reversed(list(COLUMNS.items())):
        # The rebuild's copy casts the text back to NUMERIC (a REAL again: inexact, as before 0008).
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name, (precision, scale), nullable in columns:
                batch_op.alter_column(
                    name,
                    type_=sa.Numeric(precision, scale),
                    existing_type=text_type(precision, scale),
                    existing_nullable=nullable,
                )
