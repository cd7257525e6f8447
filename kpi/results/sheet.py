"""The quarter sheet: everything one unit's quarter shows and validates against.

Loaded with a fixed number of queries whatever the number of indicators. The
entry form, the fill-in workbook and the bulk import all read it.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from sqlmodel import Session, select

from kpi.budget.models import BudgetLine, FiscalYear, Unit
from kpi.domain.aggregation import Aggregation
from kpi.domain.entries import Band, Entry
from kpi.domain.progress import QuarterFigure, YearToDate, year_to_date
from kpi.indicators.models import Indicator
from kpi.results.models import BudgetExecution, IndicatorResult, QuarterReport

from kpi.workflow import EDITABLE_STATUSES, STATUS_LABELS  # noqa: F401  (re-exported for the pages)

QUARTER_LABELS = {1: "一季度", 2: "二季度", 3: "三季度", 4: "四季度"}


def entry_of(row) -> Entry:
    """The Entry of an IndicatorResult (or a row with its columns)."""
    return Entry(
        value=row.value, numerator=row.numerator, denominator=row.denominator,
        band=Band(row.band) if row.band else None, achieved_on=row.achieved_on, assessment=row.assessment, note=row.note,
    )


@dataclass
class QuarterSheet:
    unit: Unit
    year: FiscalYear
    quarter: int
    indicators: list[Indicator]
    lines: list[BudgetLine]
    reports: dict[int, QuarterReport]  # by quarter, every quarter of the year
    figures: dict[int, list[QuarterFigure]] = field(default_factory=dict)  # by indicator id
    spending: dict[int, dict[int, Decimal]] = field(default_factory=dict)  # line id -> quarter -> spent
    project_names: dict[int, str] = field(default_factory=dict)

    @property
    def report(self) -> QuarterReport | None:
        return self.reports.get(self.quarter)

    @property
    def status(self) -> str | None:
        return self.report.status if self.report else None

    @property
    def version(self) -> int:
        return self.report.version if self.report else 0

    @property
    def editable(self) -> bool:
        return self.status in EDITABLE_STATUSES

    @property
    def label(self) -> str:
        return f"{self.year.year}年{QUARTER_LABELS[self.quarter]}"

    def current(self, indicator_id: int) -> Entry:
        """This quarter's entry for the indicator (empty when none)."""
        for figure in self.figures.get(indicator_id, ()):
            if figure.quarter == self.quarter:
                return figure.entry
        return Entry()

    def before(self, indicator: Indicator) -> YearToDate:
        """The year-to-date figure up to the previous quarter."""
        budget_actual = None
        if indicator.aggregation == Aggregation.BUDGET:
            budget_actual = self.spent_to_date(indicator.budget_line_id, self.quarter - 1)
        return year_to_date(Aggregation(indicator.aggregation), self.figures.get(indicator.id, []),
                            self.quarter - 1, budget_actual=budget_actual)

    def spent(self, line_id: int) -> Decimal | None:
        return self.spending.get(line_id, {}).get(self.quarter)

    def spent_to_date(self, line_id: int | None, as_of_quarter: int) -> Decimal:
        """执行数 to date for one line, or for every project when `line_id` is None."""
        ids = [line_id] if line_id is not None else [line.id for line in self.lines if line.kind == "project"]
        return sum(
            (amount for i in ids for q, amount in self.spending.get(i, {}).items() if q <= as_of_quarter),
            Decimal(0),
        )

    def tables(self) -> list[tuple[str, list[Indicator]]]:
        """Indicators split into the unit-wide table and each project's own table."""
        groups: dict[str, list[Indicator]] = {"单位整体": []}
        for indicator in self.indicators:
            title = "单位整体" if indicator.scope == "unit" else f"项目：{self.project_names.get(indicator.budget_line_id, '')}"
            groups.setdefault(title, []).append(indicator)
        return [(title, rows) for title, rows in groups.items() if rows]


def load_sheet(session: Session, unit: Unit, fiscal_year: FiscalYear, quarter: int) -> QuarterSheet:
    """The unit's quarter with every quarter's figures (for year-to-date and history)."""
    return load_sheets(session, [unit], fiscal_year, quarter)[unit.id]


def load_sheets(session: Session, units: Sequence[Unit], fiscal_year: FiscalYear,
                quarter: int) -> dict[int, QuarterSheet]:
    """The quarter sheets of several units (by unit id), with the same five queries as one.

    The figures are read as plain rows, not ORM objects: a city's consolidated export reads a
    quarter of a million of them (kpi.finance.service.unit_details loads units in batches)."""
    ids = [unit.id for unit in units]
    lines: dict[int, list[BudgetLine]] = defaultdict(list)
    for line in session.exec(select(BudgetLine).where(BudgetLine.unit_id.in_(ids), BudgetLine.year_id == fiscal_year.id)
                             .order_by(BudgetLine.kind, BudgetLine.display_order, BudgetLine.id)):  # 基本支出 first
        lines[line.unit_id].append(line)
    indicators: dict[int, list[Indicator]] = defaultdict(list)
    for indicator in session.exec(select(Indicator).where(Indicator.unit_id.in_(ids),
                                                          Indicator.year_id == fiscal_year.id)):
        indicators[indicator.unit_id].append(indicator)
    reports: dict[int, dict[int, QuarterReport]] = defaultdict(dict)
    report_of: dict[int, QuarterReport] = {}
    for report in session.exec(select(QuarterReport).where(QuarterReport.unit_id.in_(ids),
                                                           QuarterReport.year_id == fiscal_year.id)):
        reports[report.unit_id][report.quarter] = report_of[report.id] = report
    figures: dict[int, dict[int, list[QuarterFigure]]] = defaultdict(lambda: defaultdict(list))
    spending: dict[int, dict[int, dict[int, Decimal]]] = defaultdict(lambda: defaultdict(dict))
    if report_of:
        for row in session.exec(select(*_RESULT_COLUMNS).where(IndicatorResult.report_id.in_(report_of))):
            report = report_of[row.report_id]
            figures[report.unit_id][row.indicator_id].append(QuarterFigure(report.quarter, entry_of(row)))
        for report_id, line_id, spent in session.exec(
                select(BudgetExecution.report_id, BudgetExecution.budget_line_id, BudgetExecution.spent)
                .where(BudgetExecution.report_id.in_(report_of))):
            report = report_of[report_id]
            spending[report.unit_id][line_id][report.quarter] = spent
    return {unit.id: _sheet(unit, fiscal_year, quarter, lines[unit.id], indicators[unit.id], reports[unit.id],
                            figures[unit.id], spending[unit.id]) for unit in units}


_RESULT_COLUMNS = (IndicatorResult.report_id, IndicatorResult.indicator_id, IndicatorResult.value,
                   IndicatorResult.numerator, IndicatorResult.denominator, IndicatorResult.band,
                   IndicatorResult.achieved_on, IndicatorResult.assessment, IndicatorResult.note)


def _sheet(unit: Unit, fiscal_year: FiscalYear, quarter: int, lines: list[BudgetLine], indicators: list[Indicator],
           reports: dict[int, QuarterReport], figures: dict[int, list[QuarterFigure]],
           spending: dict[int, dict[int, Decimal]]) -> QuarterSheet:
    line_order = {line.id: position for position, line in enumerate(lines)}
    # The unit-wide table in its published order, then each project's table in budget order.
    indicators.sort(key=lambda row: (row.scope != "unit",
                                     line_order.get(row.budget_line_id, 0) if row.scope == "project" else 0,
                                     row.display_order, row.id))
    for rows in figures.values():
        rows.sort(key=lambda figure: figure.quarter)
    return QuarterSheet(
        unit=unit, year=fiscal_year, quarter=quarter, indicators=indicators, lines=lines, reports=reports,
        figures=dict(figures), spending=dict(spending),
        project_names={line.id: line.name for line in lines if line.kind == "project"},
    )
