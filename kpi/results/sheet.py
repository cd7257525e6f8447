"""The quarter sheet: everything one unit's quarter shows and validates against.

Loaded with a fixed number of queries whatever the number of indicators. The
entry form, the fill-in workbook and the bulk import all read it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

import sqlalchemy as sa
from sqlmodel import Session, select

from kpi.budget.models import BudgetLine, FiscalYear, Unit
from kpi.core.labels import QUARTER_LABELS  # noqa: F401  (re-exported for the results pages)
from kpi.db import ExactDecimal
from kpi.domain.aggregation import Aggregation
from kpi.domain.entries import Band, Entry
from kpi.domain.progress import QuarterFigure, YearToDate, year_to_date
from kpi.indicators.models import Indicator
from kpi.results.models import BudgetExecution, IndicatorResult, QuarterReport
from kpi.workflow import EDITABLE_STATUSES, STATUS_LABELS  # noqa: F401  (re-exported for the results pages)


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

    @cached_property
    def sources(self) -> dict[int, Indicator]:
        """同一指标: each linked unit-table row's project row, by the unit row's id (kpi/indicators/links.py)."""
        return _sources(self.indicators)

    def source_of(self, indicator: Indicator) -> Indicator | None:
        """The project row whose figures this unit-table row shows (None: the row is entered itself)."""
        return self.sources.get(indicator.id)

    def source_project(self, indicator: Indicator) -> str:
        """The name of the project a linked row's figures are entered in."""
        source = self.source_of(indicator)
        return self.project_names.get(source.budget_line_id, "") if source else ""

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
        return year_to_date(
            Aggregation(indicator.aggregation),
            self.figures.get(indicator.id, []),
            self.quarter - 1,
            budget_actual=budget_actual,
        )

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
            title = (
                "单位整体"
                if indicator.scope == "unit"
                else f"项目：{self.project_names.get(indicator.budget_line_id, '')}"
            )
            groups.setdefault(title, []).append(indicator)
        return [(title, rows) for title, rows in groups.items() if rows]


def find_unit_year(session: Session, unit_id: int, year: int) -> tuple[Unit, FiscalYear] | None:
    """The unit and the fiscal year a page's URL names, in one query; None if either does not exist."""
    row = session.exec(_UNIT_YEAR, params={"unit_id": unit_id, "year": year}).first()
    return None if row is None else (row[0], row[1])


def load_sheet(
    session: Session,
    unit: Unit,
    fiscal_year: FiscalYear,
    quarter: int,
    *,
    figures_through: int | None = None,
) -> QuarterSheet:
    """The unit's quarter with every quarter's figures (for year-to-date and history), or only
    the figures and spending up to quarter ``figures_through``: a page as of a quarter shows
    nothing later, and a year holds four times the figures of its first quarter."""
    return _load(session, [unit], fiscal_year, quarter, figures_through)[unit.id]


def load_sheets(
    session: Session, units: Sequence[Unit], fiscal_year: FiscalYear, quarter: int
) -> dict[int, QuarterSheet]:
    """The quarter sheets of several units (by unit id), with the same five queries as one.

    The figures are read as values (QuarterFigure), not ORM objects: they are what the domain
    takes, and a city's consolidated export reads a quarter of a million of them
    (kpi.finance.service loads units in batches)."""
    return _load(session, units, fiscal_year, quarter, None)


def _load(
    session: Session,
    units: Sequence[Unit],
    fiscal_year: FiscalYear,
    quarter: int,
    figures_through: int | None,
) -> dict[int, QuarterSheet]:
    params = {"unit_ids": [unit.id for unit in units], "year_id": fiscal_year.id}
    lines: dict[int, list[BudgetLine]] = defaultdict(list)
    for line in session.exec(_LINES, params=params).all():
        lines[line.unit_id].append(line)
    indicators: dict[int, list[Indicator]] = defaultdict(list)
    for indicator in session.exec(_INDICATORS, params=params).all():
        indicators[indicator.unit_id].append(indicator)
    reports: dict[int, dict[int, QuarterReport]] = defaultdict(dict)
    report_of: dict[int, tuple[int, int]] = {}  # report id -> (unit id, quarter)
    for report in session.exec(_REPORTS, params=params).all():
        reports[report.unit_id][report.quarter] = report
        if figures_through is None or report.quarter <= figures_through:
            report_of[report.id] = (report.unit_id, report.quarter)
    figures, spending = _figures(session, report_of)
    return {
        unit.id: _sheet(
            unit,
            fiscal_year,
            quarter,
            lines[unit.id],
            indicators[unit.id],
            reports[unit.id],
            figures[unit.id],
            spending[unit.id],
        )
        for unit in units
    }


def _figures(session: Session, report_of: dict[int, tuple[int, int]]) -> tuple[dict, dict]:
    """The figures (unit -> indicator -> [QuarterFigure]) and spending (unit -> line -> quarter ->
    spent) of the given reports, as Core rows on the session's connection: the ORM's
    per-statement and per-row work buys nothing for plain values."""
    figures: dict[int, dict[int, list[QuarterFigure]]] = defaultdict(lambda: defaultdict(list))
    spending: dict[int, dict[int, dict[int, Decimal]]] = defaultdict(lambda: defaultdict(dict))
    if not report_of:
        return figures, spending
    connection = session.connection()
    report_ids = {"report_ids": list(report_of)}
    for (
        report_id,
        indicator_id,
        value,
        numerator,
        denominator,
        band,
        achieved_on,
        assessment,
        note,
    ) in connection.execute(_for_dialect(connection, _RESULTS_POSTGRESQL, _RESULTS), report_ids).all():
        unit_id, quarter = report_of[report_id]
        entry = Entry(
            value, numerator, denominator, Band(band) if band else None, achieved_on, assessment, note
        )  # positional, in Entry's field order: 300 figures a sheet
        figures[unit_id][indicator_id].append(QuarterFigure(quarter, entry))
    for report_id, line_id, spent in connection.execute(_SPENDING, report_ids).all():
        unit_id, quarter = report_of[report_id]
        spending[unit_id][line_id][quarter] = spent
    return figures, spending


# The statements are built once: composing a select costs more Python than these small queries
# take to run, and a page loads its sheet on every request.
_UNIT_YEAR = (
    select(Unit, FiscalYear)
    .join(FiscalYear, sa.true())
    .where(Unit.id == sa.bindparam("unit_id"), FiscalYear.year == sa.bindparam("year"))
)
_UNITS = sa.bindparam("unit_ids", expanding=True)
_YEAR = sa.bindparam("year_id")
_LINES = (
    select(BudgetLine)
    .where(BudgetLine.unit_id.in_(_UNITS), BudgetLine.year_id == _YEAR)
    .order_by(BudgetLine.kind, BudgetLine.display_order, BudgetLine.id)
)  # 基本支出 first
_INDICATORS = select(Indicator).where(Indicator.unit_id.in_(_UNITS), Indicator.year_id == _YEAR)
_REPORTS = select(QuarterReport).where(QuarterReport.unit_id.in_(_UNITS), QuarterReport.year_id == _YEAR)
_REPORT_IDS = sa.bindparam("report_ids", expanding=True)
_result, _execution = IndicatorResult.__table__.c, BudgetExecution.__table__.c


def _figures_select(value, numerator, denominator) -> sa.Select:
    return sa.select(
        _result.report_id,
        _result.indicator_id,
        value,
        numerator,
        denominator,
        _result.band,
        _result.achieved_on,
        _result.assessment,
        _result.note,
    ).where(_result.report_id.in_(_REPORT_IDS))


def _as_stored(column: sa.Column) -> sa.ColumnElement:
    """The column read as plain NUMERIC on PostgreSQL, which hands NUMERIC back as exact
    Decimals of the column's scale already: ExactDecimal's re-quantizing (kpi.db, for SQLite's
    floats) cost as much as the query itself for a sheet's 300 figures."""
    if not isinstance(column.type, ExactDecimal):
        return column
    return sa.type_coerce(column, sa.Numeric(column.type.impl.precision, column.type.impl.scale)).label(column.name)


_RESULTS = _figures_select(_result.value, _result.numerator, _result.denominator)
_RESULTS_POSTGRESQL = _figures_select(
    *(_as_stored(column) for column in (_result.value, _result.numerator, _result.denominator))
)
_SPENDING = sa.select(_execution.report_id, _execution.budget_line_id, _execution.spent).where(
    _execution.report_id.in_(_REPORT_IDS)
)


def _for_dialect(connection: sa.Connection, on_postgresql: sa.Select, elsewhere: sa.Select) -> sa.Select:
    """The statement reading NUMERIC as stored on PostgreSQL (see _as_stored), else the other."""
    return on_postgresql if connection.dialect.name == "postgresql" else elsewhere


def _sheet(
    unit: Unit,
    fiscal_year: FiscalYear,
    quarter: int,
    lines: list[BudgetLine],
    indicators: list[Indicator],
    reports: dict[int, QuarterReport],
    figures: dict[int, list[QuarterFigure]],
    spending: dict[int, dict[int, Decimal]],
) -> QuarterSheet:
    line_order = {line.id: position for position, line in enumerate(lines)}
    # The unit-wide table in its published order, then each project's table in budget order.
    indicators.sort(
        key=lambda row: (
            row.scope != "unit",
            line_order.get(row.budget_line_id, 0) if row.scope == "project" else 0,
            row.display_order,
            row.id,
        )
    )
    for rows in figures.values():
        rows.sort(key=lambda figure: figure.quarter)
    # A linked unit row's figures ARE its project row's: whatever the unit row has stored of its
    # own (from before the link) is not read, so every page, workbook and score sees one figure.
    for row_id, source in _sources(indicators).items():
        figures.pop(row_id, None)
        if source.id in figures:
            figures[row_id] = list(figures[source.id])
    return QuarterSheet(
        unit=unit,
        year=fiscal_year,
        quarter=quarter,
        indicators=indicators,
        lines=lines,
        reports=reports,
        figures=dict(figures),
        spending=dict(spending),
        project_names={line.id: line.name for line in lines if line.kind == "project"},
    )


def _sources(indicators: list[Indicator]) -> dict[int, Indicator]:
    """Unit-table rows linked to a project row of the same sheet, by id: a link to a row elsewhere is ignored."""
    projects = {row.id: row for row in indicators if row.scope == "project"}
    return {
        row.id: projects[row.same_as_id]
        for row in indicators
        if row.scope == "unit" and row.same_as_id is not None and row.same_as_id in projects
    }
