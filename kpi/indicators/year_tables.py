"""A unit's tables of one year as a whole (年度结转): read them, say whether a copy may replace
them, remove them, and audit each row the copy writes or removes (kpi.indicators.rollover)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Session, SQLModel, select

from kpi.audit.service import record
from kpi.budget import service as budget
from kpi.budget.models import FiscalYear, PerformanceGoal, Unit
from kpi.indicators.models import TABLE_STATUS_LABELS, Indicator
from kpi.indicators.tables import tables_of_year

AUDIT_FIELD = "年度结转"
# The rows a run writes (and --replace removes); a row of any other table that points at one
# of them (entered figures, a monitoring or self-evaluation item, an adjustment) blocks --replace.
OWN_TABLES = frozenset({"indicator", "target_table", "budget_line", "performance_goal"})


def indicators_of(session: Session, unit_id: int, year_id: int) -> list[Indicator]:
    query = select(Indicator).where(Indicator.unit_id == unit_id, Indicator.year_id == year_id)
    return list(session.exec(query.order_by(Indicator.scope.desc(), Indicator.display_order, Indicator.id)))


def goals_of(session: Session, unit_id: int, year_id: int) -> list[PerformanceGoal]:
    query = select(PerformanceGoal).where(PerformanceGoal.unit_id == unit_id, PerformanceGoal.year_id == year_id)
    return list(session.exec(query.order_by(PerformanceGoal.id)))


def blockers(session: Session, unit: Unit, year: FiscalYear | None, replace: bool, hint: str) -> list[str]:
    """Why the unit's `year` cannot take the copy: it has tables (without replace), or tables that
    replace may not remove. Empty when the year is free."""
    if year is None:
        return []
    tables = list(tables_of_year(session, unit.id, year.id).values())
    indicators = indicators_of(session, unit.id, year.id)
    lines = budget.budget_lines(session, unit, year)
    if not (tables or indicators or lines or goals_of(session, unit.id, year.id)):
        return []
    where = f"{unit.name} {year.year} 年"
    if not replace:
        return [
            f"{where}已有 {len(tables)} 张指标表（{len(indicators)} 个指标）、{len(lines)} 条预算，未复制；{hint}"
            "（覆盖将删除该年度的草稿指标表和预算）"
        ]
    problems = []
    fixed = [table for table in tables if table.status != "draft"]
    if fixed:
        states = "、".join(sorted({TABLE_STATUS_LABELS[table.status] for table in fixed}))
        problems.append(
            f"{where}有 {len(fixed)} 张指标表{states}，不能覆盖；如需修改指标值或分值，请提交绩效目标调整申请"
        )
    used = references(
        session,
        {
            "indicator": [row.id for row in indicators],
            "budget_line": [line.id for line in lines],
            "target_table": [table.id for table in tables],
        },
    )
    if used:
        problems.append(f"{where}已有 {used} 条填报、监控、自评或调整记录引用这些指标或预算，不能覆盖")
    return problems


def references(session: Session, ids: dict[str, list[int]]) -> int:
    """How many rows of other tables point at these rows. Found from the loaded models' foreign
    keys, so that this feature needs to know no other feature (the app loads every model)."""
    count = 0
    for table in SQLModel.metadata.sorted_tables:
        if table.name in OWN_TABLES:
            continue
        for key in table.foreign_keys:
            wanted = ids.get(key.column.table.name)
            if wanted and key.column.name == "id":
                query = sa.select(sa.func.count()).select_from(table).where(key.parent.in_(wanted))
                count += session.execute(query).scalar_one()
    return count


def clear(session: Session, unit: Unit, year: FiscalYear, *, actor, reason: str) -> int:
    """Remove the unit's draft tables and budget of `year` (checked by `blockers`); audited row by row."""
    indicators = indicators_of(session, unit.id, year.id)
    groups: list[tuple[str, list[tuple[object, str]]]] = [
        ("indicator", [(row, f"{row.level1} / {row.level2} / {row.name}：{row.target_text}") for row in indicators]),
        ("performance_goal", [(goal, goal.text) for goal in goals_of(session, unit.id, year.id)]),
        (
            "target_table",
            [
                (table, TABLE_STATUS_LABELS[table.status])
                for table in tables_of_year(session, unit.id, year.id).values()
            ],
        ),
        ("budget_line", [(line, line.name) for line in budget.budget_lines(session, unit, year)]),
    ]
    for entity, rows in groups:  # in this order: rows go before the budget lines they point at
        for row, summary in rows:
            audit(session, actor, unit.id, entity, row.id, "delete", None, reason, old_value=summary)
            session.delete(row)
        session.flush()
    return len(indicators)


def audit(session, actor, unit_id, entity, entity_id, action, new_value, reason, *, old_value=None) -> None:
    """One event of the trail for a row the run writes or removes (the actor: a user, or the command)."""
    record(
        session,
        actor=actor.username,
        user_id=actor.id,
        unit_id=unit_id,
        entity=entity,
        entity_id=entity_id,
        action=action,
        field=AUDIT_FIELD,
        old_value=old_value,
        new_value=new_value,
        reason=reason,
    )
