"""One indicator's row, and one budget line's, as the progress page, workbook and CLI print them.

A row holds the domain's judgement (kpi.domain.progress) and the texts made from it once, so
that no reader formats a figure its own way. Apart from kpi.progress.service, which gathers
what each row depends on from the unit's quarter sheet: building a row needs no sheet.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from kpi.budget.models import BudgetLine
from kpi.domain.aggregation import Aggregation
from kpi.domain.entries import BAND_LABELS, Entry
from kpi.domain.progress import BudgetProgress, IndicatorProgress, ProgressSettings, Status, indicator_progress
from kpi.domain.progress_numbers import HUNDRED, round_cents
from kpi.domain.targets import Comparator, Direction, TargetKind
from kpi.formatting import format_money, format_number
from kpi.indicators.models import Indicator
from kpi.reports.figures import STATUS_TEXT  # noqa: F401  (the progress pages read it from here)

UNIT_TABLE = "单位整体"


@dataclass(frozen=True)
class IndicatorRow:
    """One indicator as of the quarter: its progress and each quarter's figure as displayed."""

    indicator: Indicator
    progress: IndicatorProgress
    quarters: tuple[str, str, str, str]  # "" for a quarter not reported or after the as-of quarter
    # Each quarter's figure as a value (a number, a date or a band's word; None where ``quarters``
    # is blank or holds only a ratio), for a workbook whose numbers must stay numbers.
    quarter_values: tuple
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
        return round_cents(completion / expected * HUNDRED)


@dataclass(frozen=True)
class BudgetRow:
    """A budget line (or a total: ``line`` is None) with its execution as of the quarter."""

    label: str
    line: BudgetLine | None
    progress: BudgetProgress

    @property
    def is_total(self) -> bool:
        return self.line is None


def indicator_row(
    indicator: Indicator,
    figures: tuple,
    project: str | None,
    budget: tuple | None,
    as_of: int,
    today: date,
    settings: ProgressSettings,
) -> IndicatorRow:
    """The indicator's progress as of ``as_of`` and its texts. ``budget`` is (spent to date,
    the linked lines' budget, each quarter's spent amount or None) for a budget-relative indicator."""
    aggregation = Aggregation(indicator.aggregation)
    budget_actual, budget_target, spent = budget or (None, None, ())
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
    values: list = [None, None, None, None]
    if aggregation is Aggregation.BUDGET:
        values[:as_of] = spent[:as_of]
        quarters[:as_of] = ["" if amount is None else f"{format_money(amount)}万元" for amount in spent[:as_of]]
    else:
        for figure in figures:
            if 1 <= figure.quarter <= as_of:
                quarters[figure.quarter - 1] = _entry_text(aggregation, figure.entry, suffix)
                values[figure.quarter - 1] = _entry_value(aggregation, figure.entry)
    return IndicatorRow(
        indicator=indicator,
        progress=progress,
        quarters=tuple(quarters),
        quarter_values=tuple(values),
        project=project,
        actual_text=_actual_text(progress, aggregation, suffix, as_of),
        forecast_text=_forecast_text(progress, aggregation, suffix),
    )


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
    text = figure_text(aggregation, entry.value, suffix)
    return f"{text}（{ratio}）" if ratio else text


def _entry_value(aggregation: Aggregation, entry: Entry | None):
    if entry is None:
        return None
    if aggregation is Aggregation.QUALITATIVE:
        return BAND_LABELS[entry.band] if entry.band else None
    if aggregation is Aggregation.DEADLINE:
        return entry.achieved_on
    return entry.value


def _actual_text(progress: IndicatorProgress, aggregation: Aggregation, suffix: str, as_of: int) -> str:
    actual = progress.actual
    if actual.value is not None:
        text = figure_text(aggregation, actual.value, suffix)
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


def figure_text(aggregation: Aggregation, value: Decimal, suffix: str) -> str:
    """A figure as the workbooks print it: an amount (万元) or a rate with 2 decimals, a count as it is."""
    if aggregation is Aggregation.BUDGET or (aggregation is Aggregation.RATE and suffix == "%"):
        return f"{format_money(value)}{suffix}"
    return f"{format_number(value)}{suffix}"


def _forecast_text(progress: IndicatorProgress, aggregation: Aggregation, suffix: str) -> str:
    if progress.forecast is not None:
        return figure_text(aggregation, progress.forecast, suffix)
    if progress.forecast_band is not None:
        return BAND_LABELS[progress.forecast_band]
    return ""
