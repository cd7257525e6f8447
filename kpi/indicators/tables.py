"""Target tables' approval state (批复): which tables are fixed, and marking them.

A table is a unit's 单位整体 table (scope "unit", no budget line) or a project's own
(scope "project" with its budget line). Its indicators are found by that key; its
state is one TargetTable row, or none for a table never approved (a draft).
"""

from __future__ import annotations

from sqlmodel import Session, select

from kpi.db import utcnow
from kpi.indicators.models import Indicator, TargetTable

# Fields an approved table fixes; everything else on the settings page stays editable.
FIXED_WHEN_APPROVED = ("target_text", "points")
APPROVED_MESSAGE = (
    "本表绩效目标已批复，年度指标值和分值不能直接修改；"
    "如需调整，请提交绩效目标调整申请，经审核人初审、财政局批复后生效。"
)


def line_of(indicator: Indicator) -> int | None:
    """The budget line that names the indicator's table (a unit-wide row's project link does not)."""
    return indicator.budget_line_id if indicator.scope == "project" else None


def find_table(session: Session, unit_id: int, year_id: int, budget_line_id: int | None) -> TargetTable | None:
    query = select(TargetTable).where(TargetTable.unit_id == unit_id, TargetTable.year_id == year_id)
    if budget_line_id is None:
        query = query.where(TargetTable.scope == "unit")
    else:
        query = query.where(TargetTable.scope == "project", TargetTable.budget_line_id == budget_line_id)
    return session.exec(query).first()


def table_of(session: Session, indicator: Indicator) -> TargetTable | None:
    return find_table(session, indicator.unit_id, indicator.year_id, line_of(indicator))


def is_approved(session: Session, indicator: Indicator) -> bool:
    table = table_of(session, indicator)
    return table is not None and table.is_approved


def mark_table(
    session: Session,
    *,
    unit_id: int,
    year_id: int,
    budget_line_id: int | None,
    status: str,
    approved_by_id: int | None = None,
) -> TargetTable:
    """Set a table's state, creating its row if needed (the caller commits)."""
    table = find_table(session, unit_id, year_id, budget_line_id)
    if table is None:
        table = TargetTable(
            unit_id=unit_id,
            year_id=year_id,
            budget_line_id=budget_line_id,
            scope="unit" if budget_line_id is None else "project",
        )
    table.status = status
    table.updated_at = utcnow()
    if status == "approved":
        table.approved_at, table.approved_by_id = utcnow(), approved_by_id
    else:
        table.approved_at = table.approved_by_id = None
    session.add(table)
    session.flush()
    return table


def mark_year(session: Session, unit_id: int, year_id: int, status: str) -> int:
    """Mark every table of the unit's year that has indicators; returns how many."""
    keys = session.exec(
        select(Indicator.scope, Indicator.budget_line_id)
        .where(Indicator.unit_id == unit_id, Indicator.year_id == year_id)
        .distinct()
    ).all()
    lines = {line if scope == "project" else None for scope, line in keys}
    for line in sorted(lines, key=lambda value: (value is not None, value or 0)):
        mark_table(session, unit_id=unit_id, year_id=year_id, budget_line_id=line, status=status)
    return len(lines)


def tables_of_year(session: Session, unit_id: int, year_id: int) -> dict[int | None, TargetTable]:
    """Every recorded table of the unit's year by budget line, whatever its state."""
    rows = session.exec(select(TargetTable).where(TargetTable.unit_id == unit_id, TargetTable.year_id == year_id))
    return {row.budget_line_id: row for row in rows}
