"""The monitoring sheet: everything one unit's mid-year report (绩效运行监控) shows and checks.

Loaded with a fixed number of queries whatever the number of indicators: the quarter sheet
(indicators, budget lines, Q1/Q2 figures and spending), then the report, its items and its
budget items. The page, the workbook and `kpi export monitoring` all read it, and the service
validates against it. `lines()` turns it into what is displayed and exported: every value is
computed here, by the domain (kpi.domain.monitoring), never by a page or a workbook builder.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from sqlmodel import Session, select

from kpi.budget import service as budget
from kpi.budget.models import BudgetLine, FiscalYear, Unit
from kpi.domain.aggregation import Aggregation
from kpi.domain.entries import Band, Entry
from kpi.domain.monitoring import (
    BudgetMonitoring,
    IndicatorMonitoring,
    IndicatorTarget,
    Projection,
    monitor_budget,
    monitor_indicator,
)
from kpi.domain.progress import ProgressSettings, YearToDate, year_to_date
from kpi.domain.targets import Comparator, Direction, TargetKind
from kpi.indicators.models import Indicator
from kpi.monitoring.models import MonitoringBudgetItem, MonitoringItem, MonitoringReport
from kpi.results.sheet import QuarterSheet, load_sheet
from kpi.workflow import EDITABLE_STATUSES
from kpi.workflow.history import Step, approval_history

UNIT_TABLE = "单位整体"
TEXT_FIELDS = ("cause_category", "cause", "likelihood", "corrective_measures", "remark")


@dataclass(frozen=True)
class IndicatorLine:
    """One indicator's row: its figures, projection, deviation and the stored explanations."""

    indicator: Indicator
    project: str | None  # the owning project of a project table's indicator
    first_half: YearToDate  # 1–6月 (Q1 + Q2)
    july: Entry
    monitoring: IndicatorMonitoring
    texts: dict[str, str | None]  # TEXT_FIELDS: the explanations and 备注

    @property
    def missing(self) -> tuple[str, ...]:
        """Required explanations that are still blank (送审前须填写)."""
        return tuple(name for name in self.monitoring.required if not self.texts.get(name))


@dataclass(frozen=True)
class BudgetRow:
    """A budget line (or a total, ``line`` None) to the end of July."""

    label: str
    line: BudgetLine | None
    budget: Decimal  # 全年预算数
    monitoring: BudgetMonitoring
    cause: str | None = None

    @property
    def missing(self) -> tuple[str, ...]:
        """偏差说明 still blank on a deviating line (totals need none)."""
        if self.line is None or self.cause:
            return ()
        return self.monitoring.required


@dataclass
class MonitoringSheet:
    quarters: QuarterSheet  # the indicators, budget lines and every quarter's figures
    report: MonitoringReport | None
    items: dict[int, MonitoringItem]  # by indicator id
    budget_items: dict[int, MonitoringBudgetItem]  # by budget line id
    goal: str | None = None  # the unit's 年度总体目标
    settings: ProgressSettings = field(default_factory=ProgressSettings)
    history: list[Step] = field(default_factory=list)  # 审批记录 (kpi.workflow.history)

    @property
    def unit(self) -> Unit:
        return self.quarters.unit

    @property
    def year(self) -> FiscalYear:
        return self.quarters.year

    @property
    def indicators(self) -> list[Indicator]:
        return self.quarters.indicators

    @property
    def budget_lines(self) -> list[BudgetLine]:
        return self.quarters.lines

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
        return f"{self.year.year}年运行监控"

    @property
    def summary(self) -> str | None:
        return self.report.summary if self.report else None

    # --- what is stored ---------------------------------------------------------------------
    def source_of(self, indicator: Indicator) -> Indicator | None:
        """同一指标 (docs/rules/monitoring.md §8): the project row a unit-table row repeats, whose July
        figure, projection and explanations it shows; None for a row entered itself."""
        return self.quarters.source_of(indicator)

    def source_project(self, indicator: Indicator) -> str:
        return self.quarters.source_project(indicator)

    def _item(self, indicator_id: int) -> MonitoringItem | None:
        # A linked row's values ARE its project row's: what it stored of its own before the
        # link is not read, so the page, the workbook and the deviation see one figure.
        source = self.quarters.sources.get(indicator_id)
        return self.items.get(source.id if source is not None else indicator_id)

    def july(self, indicator_id: int) -> Entry:
        item = self._item(indicator_id)
        if item is None:
            return Entry()
        return Entry(
            value=item.july_value,
            numerator=item.july_numerator,
            denominator=item.july_denominator,
            band=Band(item.july_band) if item.july_band else None,
            achieved_on=item.july_achieved_on,
        )

    def forecast(self, indicator_id: int) -> Projection:
        item = self._item(indicator_id)
        if item is None:
            return Projection()
        return Projection(
            value=item.forecast, band=Band(item.forecast_band) if item.forecast_band else None, on=item.forecast_date
        )

    def texts(self, indicator_id: int) -> dict[str, str | None]:
        item = self._item(indicator_id)
        return {name: getattr(item, name) if item else None for name in TEXT_FIELDS}

    def line_july(self, line_id: int) -> Decimal | None:
        item = self.budget_items.get(line_id)
        return item.spent_july if item else None

    def line_forecast(self, line_id: int) -> Decimal | None:
        item = self.budget_items.get(line_id)
        return item.forecast_spent if item else None

    def line_cause(self, line_id: int) -> str | None:
        item = self.budget_items.get(line_id)
        return item.cause if item else None

    # --- computed by the domain ---------------------------------------------------------------
    def monitor_line(self, line: BudgetLine, july: Decimal | None, forecast: Decimal | None = None) -> BudgetMonitoring:
        return monitor_budget(
            line.full_year_budget, self.quarters.spending.get(line.id, {}), july, forecast, settings=self.settings
        )

    def monitor(
        self,
        indicator: Indicator,
        july: Entry,
        forecast: Projection | None = None,
        *,
        line_july: Mapping[int, Decimal | None] | None = None,
    ) -> IndicatorMonitoring:
        """The indicator's line with this July figure and typed projection. A budget-relative
        indicator follows the linked project (or every project) spent to July, with
        ``line_july`` (by line id) in place of the stored July spending."""
        budget_actual = budget_target = None
        if indicator.aggregation == Aggregation.BUDGET:
            lines = [
                line
                for line in self.budget_lines
                if (
                    line.id == indicator.budget_line_id
                    if indicator.budget_line_id is not None
                    else line.kind == "project"
                )
            ]
            julys = line_july if line_july is not None else {}
            budget_actual = sum(
                (self.monitor_line(line, julys.get(line.id, self.line_july(line.id))).progress.spent for line in lines),
                Decimal(0),
            )
            budget_target = sum((line.full_year_budget for line in lines), Decimal(0))
        return monitor_indicator(
            target_of(indicator),
            self.quarters.figures.get(indicator.id, []),
            july,
            forecast,
            budget_actual=budget_actual,
            budget_target=budget_target,
            settings=self.settings,
        )

    def first_half(self, indicator: Indicator) -> YearToDate:
        budget_actual = None
        if indicator.aggregation == Aggregation.BUDGET:
            budget_actual = self.quarters.spent_to_date(indicator.budget_line_id, 2)
        return year_to_date(
            Aggregation(indicator.aggregation),
            self.quarters.figures.get(indicator.id, []),
            2,
            budget_actual=budget_actual,
        )

    def lines(self) -> list[IndicatorLine]:
        """Every indicator as stored (the trend where nothing is stored), in table order."""
        rows = []
        for indicator in self.indicators:
            forecast = self.forecast(indicator.id)
            rows.append(
                IndicatorLine(
                    indicator=indicator,
                    project=self.quarters.project_names.get(indicator.budget_line_id)
                    if indicator.scope == "project"
                    else None,
                    first_half=self.first_half(indicator),
                    july=self.july(indicator.id),
                    monitoring=self.monitor(indicator, self.july(indicator.id), forecast),
                    texts=self.texts(indicator.id),
                )
            )
        return rows

    def tables(self) -> list[tuple[str, list[IndicatorLine]]]:
        """The 单位整体 table first, then each project's own table."""
        groups: dict[str, list[IndicatorLine]] = {UNIT_TABLE: []}
        for row in self.lines():
            groups.setdefault(UNIT_TABLE if row.project is None else f"项目：{row.project}", []).append(row)
        return [(title, rows) for title, rows in groups.items() if rows]

    def budget_rows(self) -> list[BudgetRow]:
        """Each budget line, then 项目支出合计 (when there are projects) and 合计."""
        rows = [
            BudgetRow(
                line.name,
                line,
                line.full_year_budget,
                self.monitor_line(line, self.line_july(line.id), self.line_forecast(line.id)),
                self.line_cause(line.id),
            )
            for line in self.budget_lines
        ]
        projects = [row for row in rows if row.line.kind == "project"]
        totals = ([("项目支出合计", projects)] if projects else []) + ([("合计", list(rows))] if rows else [])
        for label, members in totals:
            rows.append(self._total(label, members))
        return rows

    def _total(self, label: str, members: list[BudgetRow]) -> BudgetRow:
        amount = sum((row.budget for row in members), Decimal(0))
        julys = [row.monitoring.july for row in members if row.monitoring.july is not None]
        forecast = sum((row.monitoring.forecast or Decimal(0) for row in members), Decimal(0))
        total = monitor_budget(
            amount,
            {1: sum((row.monitoring.first_half for row in members), Decimal(0))},
            sum(julys, Decimal(0)) if julys else None,
            forecast,
            settings=self.settings,
        )
        return BudgetRow(label, None, amount, total)


def target_of(indicator: Indicator) -> IndicatorTarget:
    return IndicatorTarget(
        kind=TargetKind(indicator.kind),
        comparator=Comparator(indicator.comparator) if indicator.comparator else None,
        direction=Direction(indicator.direction),
        target_value=indicator.target_value,
        target_date=indicator.target_date_to,
        aggregation=Aggregation(indicator.aggregation),
        plan=(indicator.plan_q1, indicator.plan_q2, indicator.plan_q3, indicator.plan_q4),
    )


def load_monitoring(
    session: Session, unit: Unit, fiscal_year: FiscalYear, settings: ProgressSettings = ProgressSettings()
) -> MonitoringSheet:
    """The unit's report for the year (not yet started: no report, every value the trend)."""
    quarters = load_sheet(session, unit, fiscal_year, 2)
    report = session.exec(
        select(MonitoringReport).where(MonitoringReport.unit_id == unit.id, MonitoringReport.year_id == fiscal_year.id)
    ).first()
    items, budget_items = {}, {}
    if report is not None:
        items = {
            row.indicator_id: row
            for row in session.exec(select(MonitoringItem).where(MonitoringItem.report_id == report.id))
        }
        budget_items = {
            row.budget_line_id: row
            for row in session.exec(select(MonitoringBudgetItem).where(MonitoringBudgetItem.report_id == report.id))
        }
    return MonitoringSheet(
        quarters=quarters,
        report=report,
        items=items,
        budget_items=budget_items,
        goal=budget.goals(session, unit, fiscal_year).get(None),
        settings=settings,
        history=approval_history(session, "monitoring_report", report.id if report else None),
    )
