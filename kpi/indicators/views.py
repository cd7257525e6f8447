"""Queries behind the indicator pages (routes never build queries themselves)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Session, select

from kpi.budget import service as budget
from kpi.budget.models import BudgetLine, FiscalYear, Unit
from kpi.indicators.models import Indicator
from kpi.indicators.service import group_by_level, indicator_table
from kpi.workflow.kinds import KINDS

KIND_LABELS = {
    "count": "数量",
    "percent": "比率",
    "money": "金额",
    "budget_relative": "预算相关",
    "deadline": "完成时限",
    "period": "期间",
    "qualitative": "定性",
}
AGGREGATION_LABELS = {
    "cumulative": "累计",
    "rate": "比率",
    "level": "时点值",
    "qualitative": "定性评价",
    "deadline": "完成日期",
    "budget": "预算执行",
}
DIRECTION_LABELS = {"positive": "正向", "reverse": "反向"}


@dataclass
class IndicatorPage:
    unit: Unit
    parent: Unit | None
    year: FiscalYear
    lines: list[BudgetLine]
    project: BudgetLine | None
    goal: str | None
    groups: list
    count: int
    project_names: dict[int, str]

    @property
    def total_budget(self) -> Decimal:
        return sum((line.full_year_budget for line in self.lines), Decimal(0))

    @property
    def projects(self) -> list[BudgetLine]:
        return [line for line in self.lines if line.kind == "project"]


def unit_years(session: Session, unit_ids: list[int] | None = None) -> list[tuple[Unit, list[int]]]:
    """The units that have indicators (of ``unit_ids`` only, when given), with their years (for
    navigation). Scoped in SQL: a unit's page must not read a city's indicators to find its own years."""
    statement = (
        select(Unit, FiscalYear.year)
        .join(Indicator, Indicator.unit_id == Unit.id)
        .join(FiscalYear, FiscalYear.id == Indicator.year_id)
        .distinct()
        .order_by(Unit.name, FiscalYear.year)
    )
    if unit_ids is not None:
        statement = statement.where(Unit.id.in_(unit_ids))
    result: dict[int, tuple[Unit, list[int]]] = {}
    for unit, year in session.exec(statement).all():
        result.setdefault(unit.id, (unit, []))[1].append(year)
    return list(result.values())


def years_of_unit(session: Session, unit_id: int) -> list[int]:
    """The years one unit has indicators in, oldest first. Every unit page asks (its year
    switcher), so the statement is built once, and each year asks whether the unit has any
    indicator in it (an index probe on ix_indicator_unit_year_scope) rather than reading the
    unit's indicators and de-duplicating them, as unit_years must for many units."""
    return list(session.exec(_YEARS_OF_UNIT, params={"unit_id": unit_id}).all())


_YEARS_OF_UNIT = (
    select(FiscalYear.year)
    .where(sa.exists().where(Indicator.unit_id == sa.bindparam("unit_id"), Indicator.year_id == FiscalYear.id))
    .order_by(FiscalYear.year)
)


def visible_unit_years(session: Session, user) -> list[tuple[Unit, list[int]]]:
    """The units (with years) this user may read: every unit for 财政局/管理员 (who hold the
    finance permission), else their own, asked for in SQL and checked again row by row."""
    scope = None if user.can("finance") else [user.unit_id] if user.unit_id is not None else []
    return [(unit, years) for unit, years in unit_years(session, scope) if user.can("view", unit.id)]


@dataclass
class UnitRow:
    unit: Unit
    years: list[int]
    year: int  # the newest year
    statuses: dict[int, str | None]  # quarter -> report status in that year


def unit_overview(session: Session, user) -> list[UnitRow]:
    """The unit list with each unit's quarter statuses in its newest year (two queries)."""
    units = visible_unit_years(session, user)
    # The quarterly report's table, from the registry of report kinds: not from the results feature.
    kind = KINDS["quarter_report"]
    report = kind.model
    reports = session.exec(
        select(report.unit_id, FiscalYear.year, getattr(report, kind.period), report.status)
        .join(FiscalYear, FiscalYear.id == report.year_id)
        .where(report.unit_id.in_([unit.id for unit, _years in units]))
    ).all()
    statuses: dict[tuple[int, int], dict[int, str]] = {}
    for unit_id, year, quarter, status in reports:
        statuses.setdefault((unit_id, year), {})[quarter] = status
    return [
        UnitRow(unit, years, years[-1], {q: statuses.get((unit.id, years[-1]), {}).get(q) for q in (1, 2, 3, 4)})
        for unit, years in units
    ]


def indicator_page(session: Session, unit_id: int, year: int, project_id: int | None) -> IndicatorPage | None:
    unit = session.get(Unit, unit_id)
    fiscal_year = budget.find_year(session, year)
    if unit is None or fiscal_year is None:
        return None
    lines = budget.budget_lines(session, unit, fiscal_year)
    project = None
    if project_id is not None:
        project = next((line for line in lines if line.id == project_id and line.kind == "project"), None)
        if project is None:
            return None
    rows: list[Indicator] = indicator_table(session, unit, fiscal_year, project)
    goals = budget.goals(session, unit, fiscal_year)
    return IndicatorPage(
        unit=unit,
        parent=session.get(Unit, unit.parent_id) if unit.parent_id else None,
        year=fiscal_year,
        lines=lines,
        project=project,
        goal=goals.get(project.id if project else None),
        groups=group_by_level(rows),
        count=len(rows),
        project_names={line.id: line.name for line in lines},
    )


def indicator_of_unit(session: Session, unit_id: int, indicator_id: int) -> Indicator | None:
    """The indicator if it belongs to the unit; another unit's id is simply not found."""
    indicator = session.get(Indicator, indicator_id)
    return indicator if indicator is not None and indicator.unit_id == unit_id else None


def year_of(session: Session, indicator: Indicator) -> int:
    return session.get(FiscalYear, indicator.year_id).year
