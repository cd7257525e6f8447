"""Progress of a unit-year: every indicator and budget line as of a quarter (双监控, docs/rules/progress.md).

``unit_progress`` loads the unit's quarter sheet (a fixed number of queries, whatever the number
of indicators) and asks the domain for each indicator's year-to-date figure, expected-by-now,
status and forecast, and for each budget line's 执行率 and warning. The page, the dashboard and
``flask kpi progress`` all read the same ``UnitProgress``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property

from sqlmodel import Session

from kpi.budget.models import BudgetLine, FiscalYear, Unit
from kpi.core.time import beijing_today
from kpi.domain.aggregation import Aggregation
from kpi.domain.entries import BAND_LABELS, Entry
from kpi.domain.progress import (
    BudgetProgress,
    IndicatorProgress,
    ProgressSettings,
    Status,
    budget_progress,
    indicator_progress,
)
from kpi.domain.targets import Comparator, Direction, TargetKind
from kpi.formatting import format_money, format_number
from kpi.indicators.models import Indicator
from kpi.results.sheet import QuarterSheet, find_unit_year, load_sheet

HUNDRED = Decimal(100)
LAGGING_LIMIT = 10
STATUS_ORDER = (Status.GREEN, Status.YELLOW, Status.RED, Status.NONE)
# Chip text, so that a status never depends on colour alone.
STATUS_TEXT = {Status.GREEN: "绿", Status.YELLOW: "黄", Status.RED: "红", Status.NONE: "未填报"}
UNIT_TABLE = "单位整体"


@dataclass(frozen=True)
class IndicatorRow:
    """One indicator as of the quarter: its progress and each quarter's figure as displayed."""

    indicator: Indicator
    progress: IndicatorProgress
    quarters: tuple[str, str, str, str]  # "" for a quarter not reported or after the as-of quarter
    project: str | None  # the linked (or owning) project's name
    actual_text: str  # 累计/最新, as displayed
    forecast_text: str  # 全年预测, as displayed

    @property
    def status(self) -> Status:
        return self.progress.status

    @property
    def table(self) -> str:
        return UNIT_TABLE if self.indicator.scope == "unit" else f"项目：{self.project or ''}"

    @property
    def ratio(self) -> Decimal | None:
        """完成率 ÷ 应完成 in %, for a positive indicator with something expected by now."""
        completion, expected = self.progress.completion_pct, self.progress.expected_pct
        if self.indicator.direction == Direction.REVERSE or completion is None or not expected:
            return None
        return _round(completion / expected * HUNDRED)


@dataclass(frozen=True)
class BudgetRow:
    """A budget line (or a total: ``line`` is None) with its execution as of the quarter."""

    label: str
    line: BudgetLine | None
    progress: BudgetProgress

    @property
    def is_total(self) -> bool:
        return self.line is None


@dataclass(frozen=True)
class Level1Summary:
    """A first-level indicator (产出/效益/满意度 …): average completion and counts by status.

    ``completion_pct`` averages the positive numeric indicators, each capped at 100 so that one
    over-completed target cannot hide another's shortfall. Reverse indicators are left out: their
    share of a limit is not progress. ``expected_pct`` averages the same indicators' expected."""

    level1: str
    completion_pct: Decimal | None
    expected_pct: Decimal | None
    numeric_count: int
    counts: dict[Status, int]
    status: Status  # the averages judged like one indicator: completion ÷ expected vs the thresholds

    @property
    def total(self) -> int:
        return sum(self.counts.values())


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
        return _by_level1(_summary_rows(self.rows), self.settings)

    @cached_property
    def lagging(self) -> list[IndicatorRow]:
        return _lagging(_summary_rows(self.rows))

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
    sheet = load_sheet(session, unit, fiscal_year, as_of_quarter or 1, figures_through=as_of_quarter, plain=True)
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
        counts=_counts(_summary_rows(rows)),
        report_statuses={quarter: report.status for quarter, report in sorted(sheet.reports.items())},
        settings=settings,
    )


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
            tuple(_spent_text(sheet, line_id, quarter) for quarter in range(1, as_of + 1)),
        )
    return _row(
        indicator,
        tuple(sheet.figures.get(indicator.id, ())),
        sheet.project_names.get(indicator.budget_line_id),
        budget,
        as_of,
        today,
        settings,
    )


def _row(
    indicator: Indicator,
    figures: tuple,
    project: str | None,
    budget: tuple | None,
    as_of: int,
    today: date,
    settings: ProgressSettings,
) -> IndicatorRow:
    aggregation = Aggregation(indicator.aggregation)
    budget_actual, budget_target, spent_texts = budget or (None, None, ())
    progress = indicator_progress(
        kind=TargetKind(indicator.kind),
        comparator=Comparator(indicator.comparator) if indicator.comparator else None,
        direction=Direction(indicator.direction),
        target_value=indicator.target_value,
        target_date=indicator.target_date_to,
        aggregation=aggregation,
        figures=list(figures),
        as_of_quarter=as_of,
        plan=(indicator.plan_q1, indicator.plan_q2, indicator.plan_q3, indicator.plan_q4),
        budget_actual=budget_actual,
        budget_target=budget_target,
        settings=settings,
        today=today,
    )
    suffix = _suffix(indicator, aggregation)
    quarters = ["", "", "", ""]  # a quarter not reported, or after the as-of quarter, stays blank
    if aggregation is Aggregation.BUDGET:
        quarters[:as_of] = spent_texts
    else:
        for figure in figures:
            if 1 <= figure.quarter <= as_of:
                quarters[figure.quarter - 1] = _entry_text(aggregation, figure.entry, suffix)
    return IndicatorRow(
        indicator=indicator,
        progress=progress,
        quarters=tuple(quarters),
        project=project,
        actual_text=_actual_text(progress, aggregation, suffix, as_of),
        forecast_text=_forecast_text(progress, suffix),
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


def _summary_rows(rows: list[IndicatorRow]) -> list[IndicatorRow]:
    unit_rows = [row for row in rows if row.indicator.scope == "unit"]
    return unit_rows or rows  # a unit with only project tables is summarised over those


def _counts(rows: list[IndicatorRow]) -> dict[Status, int]:
    counted = Counter(row.status for row in rows)
    return {status: counted.get(status, 0) for status in STATUS_ORDER}


def _by_level1(rows: list[IndicatorRow], settings: ProgressSettings) -> list[Level1Summary]:
    groups: dict[str, list[IndicatorRow]] = {}
    for row in rows:
        groups.setdefault(row.indicator.level1, []).append(row)
    summaries = []
    for level1, members in groups.items():
        numeric = [
            row
            for row in members
            if row.indicator.direction != Direction.REVERSE and row.progress.completion_pct is not None
        ]
        completion = expected = None
        if numeric:
            completion = _mean([min(row.progress.completion_pct, HUNDRED) for row in numeric])
            expected = _mean([row.progress.expected_pct for row in numeric if row.progress.expected_pct is not None])
        status = Status.NONE
        if completion is not None:
            ratio = completion / expected * HUNDRED if expected else HUNDRED
            status = (
                Status.GREEN
                if ratio >= settings.green_at
                else Status.YELLOW
                if ratio >= settings.yellow_at
                else Status.RED
            )
        summaries.append(Level1Summary(level1, completion, expected, len(numeric), _counts(members), status))
    return summaries


def _lagging(rows: list[IndicatorRow]) -> list[IndicatorRow]:
    """The worst: red before yellow; a red without a ratio (late, over its limit) first, then by ratio."""
    behind = [row for row in rows if row.status in (Status.RED, Status.YELLOW)]
    behind.sort(key=lambda row: (row.status != Status.RED, row.ratio is not None, row.ratio or 0))
    return behind[:LAGGING_LIMIT]


def _mean(values: list[Decimal]) -> Decimal | None:
    return _round(sum(values, Decimal(0)) / len(values)) if values else None


def _round(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), ROUND_HALF_UP)


# --- display texts -------------------------------------------------------------------------------
def _suffix(indicator: Indicator, aggregation: Aggregation) -> str:
    if aggregation is Aggregation.BUDGET:
        return "万元"
    if aggregation is Aggregation.RATE:
        return "%" if (indicator.unit or "%") == "%" else indicator.unit
    return indicator.unit or ""


def _entry_text(aggregation: Aggregation, entry: Entry | None, suffix: str) -> str:
    if entry is None:
        return ""
    if aggregation is Aggregation.QUALITATIVE:
        return BAND_LABELS[entry.band] if entry.band else ""
    if aggregation is Aggregation.DEADLINE:
        return f"{entry.achieved_on.isoformat()} 完成" if entry.achieved_on else ""
    ratio = (
        f"{format_number(entry.numerator)}/{format_number(entry.denominator)}"
        if entry.numerator is not None and entry.denominator is not None
        else ""
    )
    if entry.value is None:
        return ratio
    text = f"{format_number(entry.value)}{suffix}"
    return f"{text}（{ratio}）" if ratio else text


def _spent_text(sheet: QuarterSheet, line_id: int | None, quarter: int) -> str:
    spending = [sheet.spending.get(line.id, {}) for line in _lines_of(sheet, line_id)]
    amounts = [spent[quarter] for spent in spending if quarter in spent]
    return f"{format_money(sum(amounts, Decimal(0)))}万元" if amounts else ""


def _actual_text(progress: IndicatorProgress, aggregation: Aggregation, suffix: str, as_of: int) -> str:
    actual = progress.actual
    if actual.value is not None:
        text = f"{format_number(actual.value)}{suffix}"
        if actual.numerator is not None and actual.denominator is not None:
            text += f"（{format_number(actual.numerator)}/{format_number(actual.denominator)}）"
        return text
    if actual.band is not None:
        return BAND_LABELS[actual.band]
    if actual.achieved_on is not None:
        return f"{actual.achieved_on.isoformat()} 完成"
    if aggregation is Aggregation.DEADLINE and as_of:
        return "尚未完成"
    return ""


def _forecast_text(progress: IndicatorProgress, suffix: str) -> str:
    if progress.forecast is not None:
        return f"{format_number(progress.forecast)}{suffix}"
    if progress.forecast_band is not None:
        return BAND_LABELS[progress.forecast_band]
    return ""
