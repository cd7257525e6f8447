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


UNIT_NAME_MAX = 200


class UnitRefused(ValueError):
    """A unit cannot be created or changed: the problems by field ("name", "parent"), in Chinese."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("；".join(errors.values()))
        self.errors = errors


def all_units(session: Session) -> list[Unit]:
    """Every unit, by name."""
    return list(session.exec(select(Unit).order_by(Unit.name, Unit.id)))


def _unit_problems(session: Session, name: str, parent_id: int | None, unit: Unit | None) -> dict[str, str]:
    errors = {}
    if not name:
        errors["name"] = "请填写单位名称"
    elif len(name) > UNIT_NAME_MAX:
        errors["name"] = f"单位名称不能超过 {UNIT_NAME_MAX} 字"
    elif any(ch in name for ch in "\r\n\t"):
        errors["name"] = "单位名称不能换行或包含制表符"
    else:
        same = find_unit(session, name)
        if same is not None and (unit is None or same.id != unit.id):
            errors["name"] = f"单位名称已存在：{name}"
    if parent_id is not None:
        parent = session.get(Unit, parent_id)
        if parent is None:
            errors["parent"] = "主管部门不存在"
        elif unit is not None and unit.id in _chain_up(session, parent):
            # 主管部门 form a tree: a unit cannot be its own 主管部门, directly or round a loop.
            errors["parent"] = "主管部门不能是本单位或其下属单位"
    return errors


def _chain_up(session: Session, unit: Unit) -> set[int]:
    """The ids of `unit` and of each 主管部门 above it."""
    seen: set[int] = set()
    while unit is not None and unit.id not in seen:
        seen.add(unit.id)
        unit = session.get(Unit, unit.parent_id) if unit.parent_id is not None else None
    return seen


def create_unit(session: Session, name: str, parent_id: int | None = None) -> Unit:
    """A new 预算单位 under an optional 主管部门; UnitRefused names what is wrong."""
    name = name.strip()
    if errors := _unit_problems(session, name, parent_id, None):
        raise UnitRefused(errors)
    unit = Unit(name=name, parent_id=parent_id)
    session.add(unit)
    session.flush()
    return unit


def change_unit(session: Session, unit: Unit, name: str, parent_id: int | None) -> dict[str, tuple]:
    """Rename `unit` and set its 主管部门; the changed fields as {field: (old, new)}."""
    name = name.strip()
    if errors := _unit_problems(session, name, parent_id, unit):
        raise UnitRefused(errors)
    changes = {}
    if name != unit.name:
        changes["name"] = (unit.name, name)
        unit.name = name
    if parent_id != unit.parent_id:
        changes["parent_id"] = (unit.parent_id, parent_id)
        unit.parent_id = parent_id
    if changes:
        session.add(unit)
        session.flush()
    return changes
