"""Enter once: a unit-table indicator that repeats a project's indicator links to it (same_as_id).

Revision ID: 0019
Revises: 0018

An indicator listed both in the 单位整体支出绩效目标表 and in a project's table (e.g.
投诉调解辅助服务 ≥19000宗 in the unit table and in 市场监督管理事务's) is one measure: its
quarterly figures are entered once, on the project's row, and the unit row shows them
(issue #17). The link is indicator.same_as_id → the project's indicator; NULL for every other row.

Existing years are linked here by the rule of kpi/indicators/links.py, restated so that this
script keeps doing what it did when the code moves on: same 三级指标 and same 年初指标值 after
NFKC and with whitespace removed; a unit row naming its project is matched there only, a
unit-wide row only when exactly one project row matches. A unit row that already holds a
figure of its own differing from its project row's in some quarter is left unlinked: linking
it would silently change what staff entered (and perhaps what a reviewer approved), so both
rows stay entered until someone reconciles them.
"""

import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | Sequence[str] | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("indicator") as batch:
        batch.add_column(sa.Column("same_as_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            batch.f("fk_indicator_same_as_id_indicator"), "indicator", ["same_as_id"], ["id"], ondelete="SET NULL"
        )
        batch.create_index(batch.f("ix_indicator_same_as_id"), ["same_as_id"], unique=False)
    _link_existing_years(op.get_bind())


_indicator = sa.table(
    "indicator",
    sa.column("id", sa.Integer),
    sa.column("unit_id", sa.Integer),
    sa.column("year_id", sa.Integer),
    sa.column("scope", sa.String),
    sa.column("budget_line_id", sa.Integer),
    sa.column("name", sa.String),
    sa.column("target_text", sa.Text),
    sa.column("original_target_text", sa.Text),
    sa.column("same_as_id", sa.Integer),
)
_result = sa.table(
    "indicator_result",
    sa.column("report_id", sa.Integer),
    sa.column("indicator_id", sa.Integer),
    sa.column("value", sa.Text),
    sa.column("numerator", sa.Text),
    sa.column("denominator", sa.Text),
    sa.column("band", sa.String),
    sa.column("achieved_on", sa.Date),
    sa.column("assessment", sa.Text),
    sa.column("note", sa.Text),
)


def _normalise(text: str | None) -> str:
    return "".join(unicodedata.normalize("NFKC", text or "").split())


def _link_existing_years(connection) -> None:
    rows = connection.execute(sa.select(_indicator)).mappings().all()
    by_year: dict[tuple[int, int], list] = {}
    for row in rows:
        by_year.setdefault((row["unit_id"], row["year_id"]), []).append(row)
    pairs = []
    for year_rows in by_year.values():
        keys: dict[tuple[str, str], list] = {}
        for row in year_rows:
            if row["scope"] == "project":
                key = (_normalise(row["name"]), _normalise(row["original_target_text"] or row["target_text"]))
                keys.setdefault(key, []).append(row)
        for row in year_rows:
            if row["scope"] != "unit":
                continue
            key = (_normalise(row["name"]), _normalise(row["original_target_text"] or row["target_text"]))
            candidates = keys.get(key, [])
            if row["budget_line_id"] is not None:
                candidates = [c for c in candidates if c["budget_line_id"] == row["budget_line_id"]]
            if len(candidates) == 1:
                pairs.append((row["id"], candidates[0]["id"]))
    for unit_id, project_id in pairs:
        if _figures(connection, unit_id) and _figures(connection, unit_id) != _figures(connection, project_id):
            continue  # the unit row's own figures differ: see the module docstring
        connection.execute(sa.update(_indicator).where(_indicator.c.id == unit_id).values(same_as_id=project_id))


def _figures(connection, indicator_id: int) -> dict:
    """The row's figures by report, as stored."""
    rows = connection.execute(sa.select(_result).where(_result.c.indicator_id == indicator_id)).all()
    return {row[0]: tuple(row[2:]) for row in rows}


def downgrade() -> None:
    with op.batch_alter_table("indicator") as batch:
        batch.drop_index(batch.f("ix_indicator_same_as_id"))
        batch.drop_constraint(batch.f("fk_indicator_same_as_id_indicator"), type_="foreignkey")
        batch.drop_column("same_as_id")
