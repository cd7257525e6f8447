"""Mid-year monitoring (绩效运行监控, docs/rules/monitoring.md): 1–7月, the year-end projection and deviations.

The report covers January to July. An indicator's 1–7月完成值 is Q1 + Q2 + a July figure,
combined by its aggregation rule exactly as quarters are (July stands in for the third
quarter in ``year_to_date``). The 全年预计完成值 defaults to the straight-line trend of the
progress domain at 7 months (× 12/7 for cumulative counts, or the quarterly plan; the latest
value for rates and levels; the latest band for qualitative targets; the date achieved for
deadlines), and staff may overwrite it. From the projection follow:

- 偏差 (deviation): the projection misses the target — a positive figure below its target, a
  reverse figure above its limit, a qualitative band other than 达成, a deadline date (done or
  expected) after the target date. ``None`` when there is nothing to judge yet;
- over-completion: the projection or 1–7月 at ≥ 130% of a positive target ((default), docs/rules/monitoring.md §5);
- the explanations that are then required (``IndicatorMonitoring.required``).

Budget lines: 执行率 = 1–7月执行数 ÷ 全年预算数 with the time-progress light of docs/rules/progress.md §5 at 7 months,
a straight-line projection, and a deviation exactly when that light is not green (docs/rules/monitoring.md §7).
Pure: no Flask, no database, no I/O.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal, localcontext

from kpi.domain.aggregation import Aggregation
from kpi.domain.entries import Band, Entry
from kpi.domain.numbers import number_text
from kpi.domain.progress import (
    BudgetProgress,
    ProgressSettings,
    QuarterFigure,
    Status,
    YearToDate,
    budget_progress,
    indicator_progress,
    year_to_date,
)
from kpi.domain.targets import Comparator, Direction, TargetKind

CAUSE_CATEGORIES = ("经费保障", "制度保障", "人员保障", "硬件条件保障", "其他")  # docs/rules/monitoring.md §6
LIKELIHOODS = ("确定能", "有可能", "完全不可能")  # 完成目标可能性, docs/rules/monitoring.md §6
MONTHS = 7  # the data window: 1–7月
JULY = 3  # July's figure takes the third quarter's place when the quarters are combined
HUNDRED = Decimal(100)

# What a deviation asks for (cause category, cause, likelihood, corrective measures), and what
# an over-completed target asks for: an explanation (docs/rules/monitoring.md §5: the target was probably set too low).
EXPLAIN_DEVIATION = ("cause_category", "cause", "likelihood", "corrective_measures")
EXPLAIN_OVER_COMPLETION = ("cause",)


@dataclass(frozen=True)
class IndicatorTarget:
    """What the monitoring rules need of an indicator (mirrors kpi.indicators.models.Indicator)."""

    kind: TargetKind
    comparator: Comparator | None
    direction: Direction
    target_value: Decimal | None
    target_date: date | None
    aggregation: Aggregation
    plan: Sequence[Decimal | None] = ()


@dataclass(frozen=True)
class Projection:
    """全年预计完成值: a number (counts, levels, rates in %, 万元), a band or an expected date."""

    value: Decimal | None = None
    band: Band | None = None
    on: date | None = None

    @property
    def is_empty(self) -> bool:
        return self.value is None and self.band is None and self.on is None


@dataclass(frozen=True)
class IndicatorMonitoring:
    to_july: YearToDate  # 1–7月完成值
    trend: Projection  # the straight-line default
    forecast: Projection  # the projection judged: typed, else the trend
    deviation: bool | None  # None: no projection (or no target) to judge yet
    over_completed: bool
    explanation: str  # how the deviation was decided, in Chinese

    @property
    def required(self) -> tuple[str, ...]:
        """The explanation fields this line must carry before the report can be submitted."""
        if self.deviation:
            return EXPLAIN_DEVIATION
        if self.over_completed:
            return EXPLAIN_OVER_COMPLETION
        return ()


@dataclass(frozen=True)
class BudgetMonitoring:
    first_half: Decimal  # 1–6月执行数 (Q1 + Q2)
    july: Decimal | None  # 7月执行数
    progress: BudgetProgress  # 1–7月: spent, 执行率, 时间进度, light, straight-line forecast
    forecast: Decimal | None  # 全年预计执行数: typed, else the trend
    forecast_rate: Decimal | None  # 预计执行率 in %
    deviation: bool | None  # the projected 执行率 is not 100%; None when the budget is 0

    @property
    def required(self) -> tuple[str, ...]:
        return ("cause",) if self.deviation else ()


def to_july(
    aggregation: Aggregation, figures: Sequence[QuarterFigure], july: Entry, *, budget_actual: Decimal | None = None
) -> YearToDate:
    """1–7月完成值: Q1 + Q2 + July by the aggregation rule (docs/rules/aggregation.md §4); later quarters are ignored."""
    return year_to_date(aggregation, _with_july(figures, july), JULY, budget_actual=budget_actual)


def monitor_indicator(
    target: IndicatorTarget,
    figures: Sequence[QuarterFigure],
    july: Entry,
    forecast: Projection | None = None,
    *,
    budget_actual: Decimal | None = None,
    budget_target: Decimal | None = None,
    settings: ProgressSettings = ProgressSettings(),
) -> IndicatorMonitoring:
    """One indicator's line of the report. ``forecast`` is what staff typed (None or empty: the
    trend). BUDGET indicators take ``budget_actual`` (spent to July) and ``budget_target``."""
    aggregation = target.aggregation
    progress = indicator_progress(
        kind=target.kind,
        comparator=target.comparator,
        direction=target.direction,
        target_value=target.target_value,
        target_date=target.target_date,
        aggregation=aggregation,
        figures=_with_july(figures, july),
        as_of_quarter=JULY,
        plan=target.plan,
        budget_actual=budget_actual,
        budget_target=budget_target,
        settings=settings,
        months_elapsed=MONTHS,
    )
    actual = progress.actual
    trend = Projection(
        value=_sensible(target, actual, progress.forecast),
        band=progress.forecast_band,
        on=actual.achieved_on if aggregation is Aggregation.DEADLINE else None,
    )
    judged = trend if forecast is None or forecast.is_empty else forecast
    limit = budget_target if aggregation is Aggregation.BUDGET else target.target_value
    deviation, explanation = _deviation(target, actual, judged, limit)
    over = _over_completed(target, actual, judged, limit, settings)
    if over and not deviation:
        explanation += f"；达到目标的 {number_text(settings.over_completion_at)}% 以上，需说明超额原因"
    return IndicatorMonitoring(actual, trend, judged, deviation, over, explanation)


def _sensible(target: IndicatorTarget, actual: YearToDate, value: Decimal | None) -> Decimal | None:
    """The straight line, where it makes sense (docs/rules/monitoring.md §3): a positive cumulative
    target already met, or a one-off (a target of 1: one system bought, one event held), stays at
    its actual, never extrapolated into 超额; a count is a whole number (1,033.71家 is not a forecast),
    rounded towards caution: down for a target to reach, up for a limit not to pass."""
    if value is None:
        return None
    goal = target.target_value
    if (
        target.aggregation is Aggregation.CUMULATIVE
        and target.direction is Direction.POSITIVE
        and actual.value is not None
        and goal is not None
        and (actual.value >= goal or goal <= 1)
    ):
        return actual.value
    if target.kind is TargetKind.COUNT and goal is not None and goal == goal.to_integral_value():
        towards = ROUND_CEILING if target.direction is Direction.REVERSE else ROUND_FLOOR
        return value.quantize(Decimal(1), towards)
    return value


def kept_forecast(typed: Projection, shown_trend: Projection, trend: Projection) -> Projection:
    """The projection to store on save: what was typed, unless it is blank or still the trend the
    page showed, in which case the trend as of the new July figure (so that a prefilled value the
    user did not touch follows the figures it was computed from)."""
    if typed.is_empty or typed == shown_trend:
        return trend
    return typed


def forecast_problem(aggregation: Aggregation, actual: YearToDate, forecast: Projection) -> str | None:
    """A cumulative projection cannot fall below what is already done by July."""
    if (
        aggregation in (Aggregation.CUMULATIVE, Aggregation.BUDGET)
        and forecast.value is not None
        and actual.value is not None
        and forecast.value < actual.value
    ):
        return "全年预计完成值不能小于1–7月完成值"
    return None


def monitor_budget(
    budget: Decimal,
    spending: Mapping[int, Decimal | None],
    july: Decimal | None,
    forecast: Decimal | None = None,
    *,
    settings: ProgressSettings = ProgressSettings(),
) -> BudgetMonitoring:
    """A budget line to the end of July: ``spending`` is its quarterly 执行数 (only Q1 and Q2 count),
    ``july`` July's, ``forecast`` the typed 全年预计执行数 (None: the straight-line trend)."""
    first_half = sum(
        (amount for quarter, amount in spending.items() if quarter <= 2 and amount is not None), Decimal(0)
    )
    periods = {1: first_half}
    if july is not None:
        periods[JULY] = july
    progress = budget_progress(budget, periods, months_elapsed=MONTHS, settings=settings)
    judged = progress.forecast if forecast is None else forecast
    rate = _pct(judged, budget) if budget > 0 and judged is not None else None
    # One rule for the light and the flag (docs/rules/monitoring.md §7): a line is off course when
    # its light is not green (执行率 below 80% of 时间进度), so the two never disagree.
    deviation = None if progress.execution_rate is None else progress.status is not Status.GREEN
    return BudgetMonitoring(first_half, july, progress, judged, rate, deviation)


def _with_july(figures: Sequence[QuarterFigure], july: Entry) -> list[QuarterFigure]:
    return [f for f in figures if f.quarter <= 2] + ([] if july.is_empty else [QuarterFigure(JULY, july)])


def _deviation(
    target: IndicatorTarget, actual: YearToDate, forecast: Projection, limit: Decimal | None
) -> tuple[bool | None, str]:
    aggregation = target.aggregation
    if aggregation is Aggregation.QUALITATIVE:
        if forecast.band is None:
            return None, "尚无预计完成等级"
        missed = forecast.band is not Band.ACHIEVED
        return missed, "预计" + ("未能完全达成" if missed else "达成") + "年度指标"
    if aggregation is Aggregation.DEADLINE:
        return _deadline_deviation(target.target_date, actual.achieved_on, forecast.on)
    value = forecast.value
    if limit is None:
        return None, "目标值不是数字，无法判断偏差"
    if value is None:
        return None, "尚无全年预计完成值"
    if target.direction is Direction.REVERSE:
        # A cumulative figure only grows: past the limit by July is a deviation whatever is projected.
        strict = target.comparator is Comparator.LT
        crossed = [
            v
            for v in (value, actual.value if aggregation in (Aggregation.CUMULATIVE, Aggregation.BUDGET) else None)
            if v is not None and (v >= limit if strict else v > limit)
        ]
        if crossed:
            return True, f"预计 {number_text(max(crossed))} 超过上限 {number_text(limit)} → 偏差"
        return False, f"预计 {number_text(value)} 不超过上限 {number_text(limit)}"
    missed = value <= limit if target.comparator is Comparator.GT else value < limit
    relation = ("未超过" if target.comparator is Comparator.GT else "低于") if missed else "达到"
    return missed, f"预计 {number_text(value)} {relation}目标 {number_text(limit)}" + (" → 偏差" if missed else "")


def _deadline_deviation(due: date | None, done: date | None, expected: date | None) -> tuple[bool | None, str]:
    if due is None:
        return None, "没有期限日期，无法判断偏差"
    if done is not None:
        late = done > due
        return late, f"已于 {done.isoformat()} 完成，{'晚于' if late else '不晚于'}期限 {due.isoformat()}"
    if expected is None:
        return None, "尚未完成，也没有预计完成日期"
    late = expected > due
    return late, f"预计 {expected.isoformat()} 完成，{'晚于' if late else '不晚于'}期限 {due.isoformat()}"


def _over_completed(
    target: IndicatorTarget, actual: YearToDate, forecast: Projection, limit: Decimal | None, settings: ProgressSettings
) -> bool:
    # docs/rules/monitoring.md §5: ≥ 130% (default) of a positive numeric target, projected or already by July.
    if target.direction is Direction.REVERSE or target.aggregation in (Aggregation.QUALITATIVE, Aggregation.DEADLINE):
        return False
    if limit is None or limit <= 0:
        return False
    threshold = limit * settings.over_completion_at / HUNDRED
    return any(v is not None and v >= threshold for v in (forecast.value, actual.value))


def _pct(part: Decimal, whole: Decimal) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = 50
        return (part / whole * HUNDRED).quantize(Decimal("0.01"), ROUND_HALF_UP)
