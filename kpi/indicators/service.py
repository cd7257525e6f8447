"""Use cases for indicators: build rows from validated specs, list a table."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Session, select

from kpi.audit.service import record
from kpi.budget.models import BudgetLine, FiscalYear, Unit
from kpi.db import utcnow
from kpi.domain.aggregation import infer_aggregation
from kpi.domain.target_context import TargetContext, read_split_target, read_target
from kpi.domain.targets import Target
from kpi.indicators.links import unlink_rows
from kpi.indicators.models import Indicator
from kpi.indicators.schemas import IndicatorSpec
from kpi.indicators.tables import APPROVED_MESSAGE, FIXED_WHEN_APPROVED, is_approved

MONEY_UNIT = "万元"  # the 金额单位 of every budget table this system reads


def target_of(spec: IndicatorSpec, year: int | None = None) -> Target:
    """Parse the spec's target, from one column or from the split 指标性质|指标值|度量单位 layout,
    with what its row says (the name, the table's year and 万元: kpi.domain.target_context)."""
    context = TargetContext(spec.name, year, MONEY_UNIT)
    if spec.value_text is not None or spec.comparator_text is not None or spec.unit_text is not None:
        return read_split_target(
            spec.comparator_text or "", spec.value_text or "", spec.unit_text or "", spec.direction_text, context
        )
    if spec.direction_text:
        return read_split_target("", spec.target_text, "", spec.direction_text, context)
    return read_target(spec.target_text, context)


def build_indicator(
    spec: IndicatorSpec,
    *,
    unit: Unit,
    year: FiscalYear,
    scope: str,
    budget_line: BudgetLine | None,
    display_order: int,
) -> Indicator:
    """A new Indicator row with its target parsed and its aggregation rule inferred (docs/rules/targets.md §2, docs/rules/aggregation.md §2)."""
    target = target_of(spec, year.year)
    return Indicator(
        unit_id=unit.id,
        year_id=year.id,
        scope=scope,
        budget_line_id=budget_line.id if budget_line else None,
        level1=spec.level1,
        level2=spec.level2,
        name=spec.name,
        level1_points=spec.level1_points,
        points=spec.points,
        target_text=target.text,
        comparator=target.comparator.value if target.comparator else None,
        target_value=target.value,
        target_upper=target.upper,
        unit=target.unit,
        qualifier=target.qualifier,
        kind=target.kind.value,
        direction=target.direction.value,
        target_date_from=target.date_from,
        target_date_to=target.date_to,
        aggregation=infer_aggregation(spec.name, target).value,
        display_order=display_order,
        # A table printing 年初 beside 调整后: the indicator starts out adjusted, its original kept.
        original_target_text=spec.initial_target_text,
        original_points=spec.points if spec.initial_target_text else None,
    )


def indicator_table(
    session: Session, unit: Unit, year: FiscalYear, project: BudgetLine | None = None
) -> list[Indicator]:
    """The unit-wide table (project None) or that project's own table, in display order."""
    query = select(Indicator).where(Indicator.unit_id == unit.id, Indicator.year_id == year.id)
    if project is None:
        query = query.where(Indicator.scope == "unit")
    else:
        query = query.where(Indicator.scope == "project", Indicator.budget_line_id == project.id)
    return list(session.exec(query.order_by(Indicator.display_order, Indicator.id)))


def delete_table(session: Session, unit: Unit, year: FiscalYear, project: BudgetLine | None = None) -> int:
    rows = indicator_table(session, unit, year, project)
    unlink_rows(session, [row.id for row in rows])
    for row in rows:
        session.delete(row)
    session.flush()
    return len(rows)


def group_by_level(rows: list[Indicator]) -> list[tuple[str, list[tuple[str, list[Indicator]]]]]:
    """Rows grouped by consecutive 一级 then 二级 labels, for merged cells in tables.

    Consecutive grouping (not sorting) keeps the published order of the table.
    """
    groups: list[tuple[str, list[tuple[str, list[Indicator]]]]] = []
    for row in rows:
        if not groups or groups[-1][0] != row.level1:
            groups.append((row.level1, []))
        level2_groups = groups[-1][1]
        if not level2_groups or level2_groups[-1][0] != row.level2:
            level2_groups.append((row.level2, []))
        level2_groups[-1][1].append(row)
    return groups


class IndicatorConflict(Exception):
    """The indicator was changed by someone else since the form was opened."""


class TargetFixed(Exception):
    """The indicator's table is approved: `fields` (target_text, points) change only by a 绩效目标调整."""

    def __init__(self, fields: list[str]):
        super().__init__(APPROVED_MESSAGE)
        self.fields = fields
        self.message = APPROVED_MESSAGE


SETTING_LABELS = {
    "target_text": "年度指标值",
    "aggregation": "汇总方式",
    "points": "分值",
    "plan_q1": "一季度计划",
    "plan_q2": "二季度计划",
    "plan_q3": "三季度计划",
    "plan_q4": "四季度计划",
}


def update_settings(
    session: Session, indicator: Indicator, changes: dict, *, user, expected_version: int, reason: str
) -> list[str]:
    """Change an indicator's target, aggregation rule, points or plan; audit each changed field.

    A new target text is parsed again (docs/rules/targets.md §2). Returns the labels of the changed fields;
    raises IndicatorConflict when the row moved on since `expected_version`, and TargetFixed
    (changing nothing) when the target or points of an approved table would change (docs/rules/lifecycle.md §2).
    """
    changed = {field: new for field, new in changes.items() if getattr(indicator, field) != new}
    if not changed:
        return []
    fixed = [field for field in FIXED_WHEN_APPROVED if field in changed]
    if fixed and is_approved(session, indicator):
        raise TargetFixed(fixed)
    bumped = session.execute(
        sa.update(Indicator)
        .where(Indicator.id == indicator.id, Indicator.version == expected_version)
        .values(version=expected_version + 1, updated_at=utcnow())
    )
    if bumped.rowcount != 1:
        raise IndicatorConflict()
    session.refresh(indicator)
    for field, new in changed.items():
        record(
            session,
            actor=user.username,
            user_id=user.id,
            unit_id=indicator.unit_id,
            entity="indicator",
            entity_id=indicator.id,
            action="update",
            field=SETTING_LABELS[field],
            old_value=getattr(indicator, field),
            new_value=new,
            reason=reason,
        )
        setattr(indicator, field, new)
    if "target_text" in changed:
        year = session.get(FiscalYear, indicator.year_id)
        context = TargetContext(indicator.name, year.year if year else None, MONEY_UNIT)
        apply_target(indicator, read_target(indicator.target_text, context))
    session.add(indicator)
    return [SETTING_LABELS[field] for field in changed]


def apply_target(indicator: Indicator, target: Target) -> None:
    """Copy a parsed target onto the indicator's parsed fields (as build_indicator fills them)."""
    indicator.comparator = target.comparator.value if target.comparator else None
    indicator.target_value, indicator.target_upper = target.value, target.upper
    indicator.unit, indicator.qualifier = target.unit, target.qualifier
    indicator.kind, indicator.direction = target.kind.value, target.direction.value
    indicator.target_date_from, indicator.target_date_to = target.date_from, target.date_to
