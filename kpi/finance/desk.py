"""The finance desk's page of units: filtered, counted and paged in the database.

A city has about 1,000 units and the desk shows 100 at a time, so the page must not build every
unit's status to show a hundred (issue #14: its p95 grew with the number of units). The
database does the rest:
- the filters (unit name, status, grade) are a WHERE on the units, ``unit_filter``, the same
  rules as ``Filters.keeps`` (kpi.finance.service), which stays their plain statement: a test
  holds the two equal for every filter;
- the tiles are a handful of counts and sums over the year (``year_totals``);
- only the page's units get a UnitStatus (``unit_statuses`` with their ids), in the same six
  queries as ever.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Session, select

from kpi.budget.models import BudgetLine, FiscalYear, Unit
from kpi.core.decimals import sums_by
from kpi.domain.progress import budget_progress
from kpi.finance.service import (
    NO_GRADE,
    QUARTERS,
    SUBMITTED,
    Filters,
    Totals,
    UnitStatus,
    YearNotFound,
    has_rows_in_year,
    monitoring_table,
    self_evaluation_table,
    unit_statuses,
)
from kpi.paging import Page, page_of
from kpi.results.models import BudgetExecution, QuarterReport
from kpi.workflow.kinds import KINDS


@dataclass(frozen=True)
class Desk:
    year: FiscalYear | None  # None: no year exists yet
    years: list[int]
    filters: Filters
    totals: Totals | None  # every unit of the year, whatever the filters
    shown: int  # units the filters keep
    page: Page  # this page's UnitStatus rows

    @property
    def rows(self) -> list[UnitStatus]:
        return list(self.page.rows)


def desk(session: Session, year: int | None, filters: Filters, asked_page: str | None, size: int) -> Desk:
    """Page ``asked_page`` of the units ``filters`` keep in ``year`` (default: the newest)."""
    years = {row.year: row for row in session.exec(select(FiscalYear).order_by(FiscalYear.year))}
    if year is not None and year not in years:
        raise YearNotFound(f"年度不存在：{year}")
    if not years:
        return Desk(None, [], filters, None, 0, page_of([], None, size))
    fiscal_year = years[year if year is not None else max(years)]
    totals = year_totals(session, fiscal_year)
    kept = year_units(fiscal_year).where(unit_filter(fiscal_year, filters))
    # Unfiltered, the desk shows every unit the tiles counted: no second count of the year's units.
    shown = session.exec(select(sa.func.count()).select_from(kept.subquery())).one() if filters.active else totals.units
    numbered = page_of(range(shown), asked_page, size)  # the page number, within the count
    ids = session.exec(kept.order_by(Unit.name, Unit.id).offset(numbered.first - 1).limit(size)).all()
    rows = unit_statuses(session, fiscal_year, list(ids))  # as many queries for an empty page
    page = Page(rows, numbered.number, numbered.pages, shown, numbered.first)
    return Desk(fiscal_year, sorted(years), filters, totals, shown, page)


def filtered_unit_ids(session: Session, fiscal_year: FiscalYear, filters: Filters) -> list[int]:
    """Every unit of the year the filters keep, in the desk's order (the forms zip of a filter)."""
    kept = year_units(fiscal_year).where(unit_filter(fiscal_year, filters))
    return list(session.exec(kept.order_by(Unit.name, Unit.id)).all())


def year_units(fiscal_year: FiscalYear) -> sa.Select:
    """The ids of the units the desk lists: those with indicators or budget lines in the year."""
    return select(Unit.id).where(has_rows_in_year(fiscal_year.id))


def _units_where(model, fiscal_year: FiscalYear, *conditions) -> sa.Select:
    return select(model.unit_id).where(model.year_id == fiscal_year.id, *conditions)


def _all_quarters_submitted(fiscal_year: FiscalYear) -> sa.Select:
    return (
        _units_where(QuarterReport, fiscal_year, QuarterReport.status.in_(SUBMITTED))
        .group_by(QuarterReport.unit_id)
        .having(sa.func.count() == len(QUARTERS))
    )


def _returned(fiscal_year: FiscalYear) -> sa.CompoundSelect:
    """Units with a report of any kind sent back (every kind in the registry)."""
    return sa.union(
        *(_units_where(kind.model, fiscal_year, kind.model.status == "returned") for kind in KINDS.values())
    )


def _status_conditions(fiscal_year: FiscalYear) -> dict:
    """Each status filter of STATUS_FILTERS as a condition on Unit.id."""
    MonitoringReport, SelfEvaluation = monitoring_table(), self_evaluation_table()  # noqa: N806  (tables)
    monitoring = _units_where(MonitoringReport, fiscal_year, MonitoringReport.status.in_(SUBMITTED))
    evaluation = _units_where(SelfEvaluation, fiscal_year, SelfEvaluation.status.in_(SUBMITTED))
    return {
        "季度填报未齐": Unit.id.not_in(_all_quarters_submitted(fiscal_year)),
        "未提交运行监控": Unit.id.not_in(monitoring),
        "运行监控未审核": Unit.id.in_(
            _units_where(MonitoringReport, fiscal_year, MonitoringReport.status == "submitted")
        ),
        "未提交自评": Unit.id.not_in(evaluation),
        "自评未审核": Unit.id.in_(_units_where(SelfEvaluation, fiscal_year, SelfEvaluation.status == "submitted")),
        "自评已审核": Unit.id.in_(_units_where(SelfEvaluation, fiscal_year, SelfEvaluation.status == "approved")),
        "有退回": Unit.id.in_(_returned(fiscal_year)),
    }


def unit_filter(fiscal_year: FiscalYear, filters: Filters) -> sa.ColumnElement[bool]:
    """The filters as one condition on the units (true when no filter is set)."""
    SelfEvaluation = self_evaluation_table()  # noqa: N806  (a table)
    conditions = []
    if filters.q:
        conditions.append(Unit.name.icontains(filters.q, autoescape=True))
    if filters.status:
        conditions.append(_status_conditions(fiscal_year)[filters.status])
    if filters.grade == NO_GRADE:
        graded = _units_where(SelfEvaluation, fiscal_year, SelfEvaluation.grade.is_not(None))
        conditions.append(Unit.id.not_in(graded))
    elif filters.grade:
        conditions.append(Unit.id.in_(_units_where(SelfEvaluation, fiscal_year, SelfEvaluation.grade == filters.grade)))
    return sa.and_(sa.true(), *conditions)


def year_totals(session: Session, fiscal_year: FiscalYear) -> Totals:
    """The tiles: every unit of the year counted in the database (as ``totals_of`` its rows).

    Spending is booked on quarter reports against the unit's own budget lines of the year
    (kpi.results.service), so the year's 执行数 is the sum of every spending row on its lines,
    and every line's unit is one the desk lists."""
    MonitoringReport, SelfEvaluation = monitoring_table(), self_evaluation_table()  # noqa: N806  (tables)
    full_year = sa.func.coalesce(BudgetLine.adjusted_budget, BudgetLine.initial_budget)
    budget = sums_by(
        session, sa.select(sa.literal(0).label("all"), full_year).where(BudgetLine.year_id == fiscal_year.id)
    )
    spent = sums_by(
        session,
        sa.select(sa.literal(0).label("all"), BudgetExecution.spent)
        .join(BudgetLine, BudgetLine.id == BudgetExecution.budget_line_id)
        .where(BudgetLine.year_id == fiscal_year.id),
    )
    # The year's units and their quarter reports are each read once per statement (CTEs); the
    # four quarters and the complete units are counted from that one read, not from four scans.
    listed = select(year_units(fiscal_year).cte("listed").c.id)
    reported = (
        select(QuarterReport.unit_id, QuarterReport.quarter, QuarterReport.status.in_(SUBMITTED).label("submitted"))
        .where(QuarterReport.year_id == fiscal_year.id, QuarterReport.unit_id.in_(listed))
        .cte("reported")
    )

    def count(statement: sa.Select | sa.CompoundSelect) -> sa.ScalarSelect:
        return select(sa.func.count()).select_from(statement.subquery()).scalar_subquery()

    def listed_only(model, *conditions) -> sa.Select:
        return _units_where(model, fiscal_year, model.unit_id.in_(listed), *conditions)

    def submitted_in(quarter: int) -> sa.ScalarSelect:
        condition = sa.and_(reported.c.quarter == quarter, reported.c.submitted)
        return select(sa.func.count().filter(condition)).select_from(reported).scalar_subquery()

    complete = (
        select(reported.c.unit_id)
        .where(reported.c.submitted)
        .group_by(reported.c.unit_id)
        .having(sa.func.count() == len(QUARTERS))
    )
    counts = session.exec(  # every count in one statement
        select(
            count(listed),
            *(submitted_in(quarter) for quarter in QUARTERS),
            count(complete),
            count(listed_only(MonitoringReport, MonitoringReport.status.in_(SUBMITTED))),
            count(listed_only(SelfEvaluation, SelfEvaluation.status.in_(SUBMITTED))),
            count(listed_only(SelfEvaluation, SelfEvaluation.status == "approved")),
            count(select(Unit.id).where(Unit.id.in_(listed), Unit.id.in_(_returned(fiscal_year)))),
        )
    ).one()
    units, *submitted_quarters, complete_units, monitoring, evaluations, approved, returned = counts
    return Totals(
        units=units,
        budget=budget_progress(budget.get(0) or Decimal(0), {4: spent.get(0) or Decimal(0)}, 4),
        quarters_submitted=dict(zip(QUARTERS, submitted_quarters)),
        quarters_complete=complete_units,
        monitoring_submitted=monitoring,
        evaluations_submitted=evaluations,
        evaluations_approved=approved,
        returned=returned,
    )
