"""Progress of a unit-year: every indicator and budget line as of a quarter (双监控, docs/rules/progress.md).

``unit_progress`` loads the unit's quarter sheet (a fixed number of queries, whatever the number
of indicators) and asks the domain for each indicator's year-to-date figure, expected-by-now,
status and forecast, and for each budget line's 执行率 and warning. The page, the dashboard and
``flask kpi progress`` all read the same ``UnitProgress``.

This module gathers from the sheet what each row depends on; kpi.progress.rows builds the rows
(the domain's judgement and its texts) and kpi.progress.summary sums them up.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cached_property

from sqlmodel import Session

from kpi.budget.models import BudgetLine, FiscalYear, Unit
from kpi.core.time import beijing_today
from kpi.domain.aggregation import Aggregation
from kpi.domain.progress import ProgressSettings, Status, budget_progress
from kpi.indicators.models import Indicator
from kpi.progress import summary
from kpi.progress.rows import BudgetRow, IndicatorRow, indicator_row
from kpi.progress.summary import Level1Summary
from kpi.reports.contributions import UNIT_PROGRESSES, provide
from kpi.results.sheet import QuarterSheet, find_unit_year, load_sheet, load_sheets


@dataclass(frozen=True)
class UnitProgress:
    unit: Unit
    fiscal_year: FiscalYear
    as_of_quarter: int  # 0: nothing reported yet
    rows: list[IndicatorRow]  # every table: 单位整体 first, then each project's own
    budget: list[BudgetRow]  # each line, then 项目支出合计 and 合计
    # The summaries count the 单位整体 table only: the projects' own tables repeat its targets.
    counts: dict[Status, int]
    report_statuses: dict[int, str]  # quarter -> QuarterReport.status, for the quarters reported
    settings: ProgressSettings = ProgressSettings()

    # Worked out on first use: the dashboard and the workbook show them, the table page does not.
    @cached_property
    def by_level1(self) -> list[Level1Summary]:
        return summary.level1_summaries(summary.summary_rows(self.rows), self.settings)

    @cached_property
    def lagging(self) -> list[IndicatorRow]:
        return summary.lagging(summary.summary_rows(self.rows))

    @property
    def year(self) -> int:
        return self.fiscal_year.year

    @property
    def total(self) -> BudgetRow | None:
        return self.budget[-1] if self.budget else None

    def tables(self) -> list[tuple[str, list[IndicatorRow]]]:
        groups: dict[str, list[IndicatorRow]] = {}
        for row in self.rows:
            groups.setdefault(row.table, []).append(row)
        return list(groups.items())


class NotFound(LookupError):
    """The unit or year does not exist, or the unit has nothing for that year (message in Chinese)."""


def find_progress(
    session: Session,
    unit_id: int,
    year: int,
    *,
    as_of_quarter: int | None = None,
    today: date | None = None,
    settings: ProgressSettings = ProgressSettings(),
) -> UnitProgress:
    """The progress of unit ``unit_id`` in ``year``, or NotFound (the pages answer 404)."""
    found = find_unit_year(session, unit_id, year)
    if found is None:
        raise NotFound(f"单位或年度不存在：{unit_id} / {year}")
    return unit_progress(session, *found, as_of_quarter=as_of_quarter, today=today, settings=settings)


def unit_progress(
    session: Session,
    unit: Unit,
    fiscal_year: FiscalYear,
    *,
    as_of_quarter: int | None = None,
    today: date | None = None,
    settings: ProgressSettings = ProgressSettings(),
) -> UnitProgress:
    """Every indicator and budget line of the unit-year as of ``as_of_quarter`` (default: the
    latest quarter with a report). Raises NotFound when the unit has nothing for the year."""
    sheet = load_sheet(session, unit, fiscal_year, as_of_quarter or 1, figures_through=as_of_quarter)
    return sheet_progress(sheet, as_of_quarter=as_of_quarter, today=today, settings=settings)


def sheet_progress(
    sheet: QuarterSheet,
    *,
    as_of_quarter: int | None = None,
    today: date | None = None,
    settings: ProgressSettings = ProgressSettings(),
) -> UnitProgress:
    """unit_progress from a sheet already loaded (kpi.results.sheet.load_sheets loads many at once)."""
    unit, fiscal_year = sheet.unit, sheet.year
    if not sheet.indicators and not sheet.lines:
        raise NotFound(f"{unit.name} {fiscal_year.year} 年没有指标或预算")
    if as_of_quarter is None:
        as_of_quarter = max(sheet.reports, default=0)
    if not 0 <= as_of_quarter <= 4:
        raise ValueError(f"as_of_quarter must be 0–4, not {as_of_quarter}")
    deadline_day = _deadline_day(fiscal_year.year, today or beijing_today())  # the user's day, not the server's
    rows = [
        _indicator_row(sheet, indicator, as_of_quarter, deadline_day, settings) for indicator in _published_order(sheet)
    ]
    return UnitProgress(
        unit=unit,
        fiscal_year=fiscal_year,
        as_of_quarter=as_of_quarter,
        rows=rows,
        budget=_budget_rows(sheet, as_of_quarter, settings),
        counts=summary.status_counts(summary.summary_rows(rows)),
        report_statuses={quarter: report.status for quarter, report in sorted(sheet.reports.items())},
        settings=settings,
    )


BATCH = 50  # units loaded together by unit_progresses: five queries a batch, memory bounded by the batch


def unit_progresses(
    session: Session, fiscal_year: FiscalYear, units: Sequence[Unit], *, today: date | None = None
) -> Iterator[UnitProgress | None]:
    """Each unit's progress as of its latest reported quarter, in turn; None for a unit with
    nothing in the year. Five queries per BATCH units (kpi.results.sheet.load_sheets); nothing is
    kept from one batch to the next (the session holds its objects weakly)."""
    for first in range(0, len(units), BATCH):
        batch = units[first : first + BATCH]
        sheets = load_sheets(session, batch, fiscal_year, 1)
        for unit in batch:
            try:
                yield sheet_progress(sheets[unit.id], today=today)
            except NotFound:
                yield None


def contribute() -> None:
    """Lend the finance desk every unit's progress (kpi.reports.contributions)."""
    provide(UNIT_PROGRESSES, unit_progresses)


def _published_order(sheet: QuarterSheet) -> list[Indicator]:
    """The 单位整体 table in its published order, then each project's table in budget order."""
    line_order = {line.id: index for index, line in enumerate(sheet.lines)}

    def key(indicator: Indicator) -> tuple:
        table = -1 if indicator.scope == "unit" else line_order.get(indicator.budget_line_id, len(line_order))
        return table, indicator.display_order, indicator.id

    return sorted(sheet.indicators, key=key)


def _deadline_day(year: int, today: date) -> date:
    # A past year is judged as it stood at its end; the current (or a future) year as of today.
    return date(year, 12, 31) if year < today.year else today


def _indicator_row(
    sheet: QuarterSheet, indicator: Indicator, as_of: int, today: date, settings: ProgressSettings
) -> IndicatorRow:
    """The indicator's row, from everything it depends on (gathered here from the sheet)."""
    budget = None
    if indicator.aggregation == Aggregation.BUDGET:
        # docs/rules/aggregation.md §5: budget-relative targets follow the linked project, or every project.
        line_id = indicator.budget_line_id
        budget = (
            sheet.spent_to_date(line_id, as_of),
            sum((line.full_year_budget for line in _lines_of(sheet, line_id)), Decimal(0)),
            tuple(_spent_in(sheet, line_id, quarter) for quarter in range(1, as_of + 1)),
        )
    return indicator_row(
        indicator,
        tuple(sheet.figures.get(indicator.id, ())),
        sheet.project_names.get(indicator.budget_line_id),
        budget,
        as_of,
        today,
        settings,
    )


def _lines_of(sheet: QuarterSheet, line_id: int | None) -> list[BudgetLine]:
    """The linked budget line, or every project when the indicator is linked to none."""
    return [line for line in sheet.lines if (line.id == line_id if line_id is not None else line.kind == "project")]


def _budget_rows(sheet: QuarterSheet, as_of: int, settings: ProgressSettings) -> list[BudgetRow]:
    def row(label: str, lines: list[BudgetLine], line: BudgetLine | None = None) -> BudgetRow:
        spent: Counter = Counter()
        for item in lines:
            spent.update(sheet.spending.get(item.id, {}))
        amount = sum((item.full_year_budget for item in lines), Decimal(0))
        return BudgetRow(label, line, budget_progress(amount, dict(spent), as_of, settings=settings))

    if not sheet.lines:
        return []
    projects = [line for line in sheet.lines if line.kind == "project"]
    rows = [row(line.name, [line], line) for line in sheet.lines]
    if projects:
        rows.append(row("项目支出合计", projects))
    rows.append(row("合计", sheet.lines))
    return rows


def _spent_in(sheet: QuarterSheet, line_id: int | None, quarter: int) -> Decimal | None:
    """The quarter's spending on the linked line (or every project); None when none was reported."""
    spending = [sheet.spending.get(line.id, {}) for line in _lines_of(sheet, line_id)]
    amounts = [spent[quarter] for spent in spending if quarter in spent]
    return sum(amounts, Decimal(0)) if amounts else None
