"""Use cases for units, years, budget lines and goals."""

from __future__ import annotations

from decimal import Decimal

from sqlmodel import Session, select

from kpi.budget.models import BudgetLine, FiscalYear, PerformanceGoal, Unit


class NotFound(LookupError):
    """A named unit, year or project does not exist (message in Chinese)."""


def find_unit(session: Session, name: str) -> Unit | None:
    return session.exec(select(Unit).where(Unit.name == name.strip())).first()


def get_unit(session: Session, name: str) -> Unit:
    unit = find_unit(session, name)
    if unit is None:
        raise NotFound(f"单位不存在：{name}")
    return unit


def find_year(session: Session, year: int) -> FiscalYear | None:
    return session.exec(select(FiscalYear).where(FiscalYear.year == year)).first()


def get_year(session: Session, year: int) -> FiscalYear:
    fiscal_year = find_year(session, year)
    if fiscal_year is None:
        raise NotFound(f"年度不存在：{year}")
    return fiscal_year


def get_or_create_unit(session: Session, name: str, parent_name: str | None = None) -> Unit:
    unit = find_unit(session, name)
    if unit is None:
        parent = get_or_create_unit(session, parent_name) if parent_name else None
        unit = Unit(name=name.strip(), parent_id=parent.id if parent else None)
        session.add(unit)
        session.flush()
    return unit


def get_or_create_year(session: Session, year: int) -> FiscalYear:
    fiscal_year = find_year(session, year)
    if fiscal_year is None:
        fiscal_year = FiscalYear(year=year)
        session.add(fiscal_year)
        session.flush()
    return fiscal_year


def budget_lines(session: Session, unit: Unit, year: FiscalYear) -> list[BudgetLine]:
    """基本支出 first, then the projects in budget order."""
    query = (
        select(BudgetLine)
        .where(BudgetLine.unit_id == unit.id, BudgetLine.year_id == year.id)
        .order_by(BudgetLine.kind, BudgetLine.display_order, BudgetLine.id)
    )
    return list(session.exec(query))


def projects(session: Session, unit: Unit, year: FiscalYear) -> list[BudgetLine]:
    return [line for line in budget_lines(session, unit, year) if line.kind == "project"]


def find_project(session: Session, unit: Unit, year: FiscalYear, name: str) -> BudgetLine | None:
    query = select(BudgetLine).where(
        BudgetLine.unit_id == unit.id,
        BudgetLine.year_id == year.id,
        BudgetLine.kind == "project",
        BudgetLine.name == name.strip(),
    )
    return session.exec(query).first()


def get_or_create_project(session: Session, unit: Unit, year: FiscalYear, name: str) -> tuple[BudgetLine, bool]:
    """The named project; created with a zero budget (to be completed) when missing."""
    line = find_project(session, unit, year, name)
    if line is not None:
        return line, False
    count = len(projects(session, unit, year))
    line = BudgetLine(
        unit_id=unit.id,
        year_id=year.id,
        kind="project",
        name=name.strip(),
        initial_budget=Decimal(0),
        display_order=count + 1,
    )
    session.add(line)
    session.flush()
    return line, True


def goals(session: Session, unit: Unit, year: FiscalYear) -> dict[int | None, str]:
    """年度总体目标 by budget line id; the unit-wide goal is under None."""
    query = select(PerformanceGoal).where(PerformanceGoal.unit_id == unit.id, PerformanceGoal.year_id == year.id)
    return {goal.budget_line_id: goal.text for goal in session.exec(query)}
