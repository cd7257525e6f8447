"""Queries behind the adjustment pages (routes never build queries themselves).

Every lookup takes the URL's unit: an adjustment, table or indicator of another unit
is simply not found (404), as everywhere else.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from kpi.accounts.models import User
from kpi.accounts.people import people
from kpi.adjustments.models import IndicatorVersion, TargetAdjustment, TargetAdjustmentItem
from kpi.audit.models import AuditEvent
from kpi.budget import service as budget
from kpi.budget.models import BudgetLine, FiscalYear, Unit
from kpi.indicators.models import Indicator, TargetTable
from kpi.indicators.service import indicator_table
from kpi.indicators.tables import find_table, tables_of_year

UNIT_TABLE = "单位整体支出绩效目标表"


@dataclass
class TableChoice:
    """One of the unit's target tables for a year, with its approval state."""

    label: str
    line: BudgetLine | None
    state: TargetTable | None

    @property
    def approved(self) -> bool:
        return self.state is not None and self.state.is_approved


@dataclass
class TableContext:
    unit: Unit
    year: FiscalYear
    line: BudgetLine | None
    state: TargetTable | None
    indicators: list[Indicator]

    @property
    def label(self) -> str:
        return self.line.name if self.line else UNIT_TABLE


def table_context(session: Session, unit_id: int, year: int, project_id: int | None) -> TableContext | None:
    """The table (unit-wide, or the project's) with its indicators; None if any part is not found."""
    unit, fiscal_year = session.get(Unit, unit_id), budget.find_year(session, year)
    if unit is None or fiscal_year is None:
        return None
    line = None
    if project_id is not None:
        line = session.get(BudgetLine, project_id)
        if line is None or (line.unit_id, line.year_id, line.kind) != (unit.id, fiscal_year.id, "project"):
            return None
    state = find_table(session, unit.id, fiscal_year.id, line.id if line else None)
    return TableContext(unit, fiscal_year, line, state, indicator_table(session, unit, fiscal_year, line))


def context_of(session: Session, adjustment: TargetAdjustment) -> TableContext:
    table = session.get(TargetTable, adjustment.target_table_id)
    year = session.get(FiscalYear, adjustment.year_id)
    return table_context(session, adjustment.unit_id, year.year, table.budget_line_id)


def unit_page(session: Session, unit_id: int, year: int) -> dict | None:
    """The unit's tables with their state and its adjustments of the year, newest first."""
    unit, fiscal_year = session.get(Unit, unit_id), budget.find_year(session, year)
    if unit is None or fiscal_year is None:
        return None
    states = tables_of_year(session, unit.id, fiscal_year.id)
    tables = [TableChoice(UNIT_TABLE, None, states.get(None))]
    tables += [
        TableChoice(line.name, line, states.get(line.id)) for line in budget.projects(session, unit, fiscal_year)
    ]
    labels = {choice.state.id: choice.label for choice in tables if choice.state is not None}
    adjustments = list(
        session.exec(
            select(TargetAdjustment)
            .where(TargetAdjustment.unit_id == unit.id, TargetAdjustment.year_id == fiscal_year.id)
            .order_by(TargetAdjustment.id.desc())
        )
    )
    return {"unit": unit, "year": fiscal_year, "tables": tables, "adjustments": adjustments, "labels": labels}


def adjustment_of_unit(session: Session, unit_id: int, adjustment_id: int) -> TargetAdjustment | None:
    adjustment = session.get(TargetAdjustment, adjustment_id)
    return adjustment if adjustment is not None and adjustment.unit_id == unit_id else None


@dataclass
class ItemRow:
    item: TargetAdjustmentItem
    indicator: Indicator


def detail_page(session: Session, adjustment: TargetAdjustment) -> dict:
    """The adjustment with its items, its table and its history (every step: who, when, why)."""
    context = context_of(session, adjustment)
    items = session.exec(
        select(TargetAdjustmentItem, Indicator)
        .join(Indicator, Indicator.id == TargetAdjustmentItem.indicator_id)
        .where(TargetAdjustmentItem.adjustment_id == adjustment.id)
        .order_by(Indicator.display_order, Indicator.id)
    ).all()
    history = steps(session, adjustment)
    return {
        "adjustment": adjustment,
        "context": context,
        "items": [ItemRow(item, indicator) for item, indicator in items],
        "steps": history,
        "people": people(session, history),
        "names": _names(session, adjustment),
    }


def steps(session: Session, adjustment: TargetAdjustment) -> list[AuditEvent]:
    """The adjustment's audit events, oldest first: the history people read."""
    return list(
        session.exec(
            select(AuditEvent)
            .where(AuditEvent.entity == "target_adjustment", AuditEvent.entity_id == adjustment.id)
            .order_by(AuditEvent.id)
        )
    )


def _names(session: Session, adjustment: TargetAdjustment) -> dict[int, str]:
    ids = {adjustment.created_by_id, adjustment.checked_by_id, adjustment.approved_by_id} - {None}
    users = session.exec(select(User).where(User.id.in_(ids))).all() if ids else []
    return {user.id: user.display_name or user.username for user in users}


def pending_for_finance(session: Session) -> list[tuple[TargetAdjustment, Unit, FiscalYear, str]]:
    """Adjustments every unit's reviewer has checked, waiting for finance (待批复), oldest first."""
    rows = session.exec(
        select(TargetAdjustment, Unit, FiscalYear, TargetTable, BudgetLine)
        .join(Unit, Unit.id == TargetAdjustment.unit_id)
        .join(FiscalYear, FiscalYear.id == TargetAdjustment.year_id)
        .join(TargetTable, TargetTable.id == TargetAdjustment.target_table_id)
        .join(BudgetLine, BudgetLine.id == TargetTable.budget_line_id, isouter=True)
        .where(TargetAdjustment.status == "checked")
        .order_by(TargetAdjustment.checked_at, TargetAdjustment.id)
    ).all()
    return [
        (adjustment, unit, year, line.name if line else UNIT_TABLE) for adjustment, unit, year, _table, line in rows
    ]


def versions_page(session: Session, unit_id: int, indicator_id: int) -> dict | None:
    """Every approved version of an indicator's target (1 = 年初), newest last."""
    indicator = session.get(Indicator, indicator_id)
    if indicator is None or indicator.unit_id != unit_id:
        return None
    versions = list(
        session.exec(
            select(IndicatorVersion)
            .where(IndicatorVersion.indicator_id == indicator.id)
            .order_by(IndicatorVersion.number)
        )
    )
    return {
        "indicator": indicator,
        "unit": session.get(Unit, unit_id),
        "versions": versions,
        "year": session.get(FiscalYear, indicator.year_id),
    }
