"""Use cases for indicators: build rows from validated specs, list a table."""
from __future__ import annotations

from sqlmodel import Session, select

from kpi.budget.models import BudgetLine, FiscalYear, Unit
from kpi.domain.aggregation import infer_aggregation
from kpi.domain.targets import Target, parse_target, split_target
from kpi.indicators.models import Indicator
from kpi.indicators.schemas import IndicatorSpec


def target_of(spec: IndicatorSpec) -> Target:
    """Parse the spec's target, from one column or from the split 指标性质|指标值|度量单位 layout."""
    if spec.value_text is not None or spec.comparator_text is not None or spec.unit_text is not None:
        return split_target(spec.comparator_text or "", spec.value_text or "", spec.unit_text or "")
    return parse_target(spec.target_text)


def build_indicator(
    spec: IndicatorSpec,
    *,
    unit: Unit,
    year: FiscalYear,
    scope: str,
    budget_line: BudgetLine | None,
    display_order: int,
) -> Indicator:
    """A new Indicator row with its target parsed and its aggregation rule inferred (domain.md §2–3)."""
    target = target_of(spec)
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
