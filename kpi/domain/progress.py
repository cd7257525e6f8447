"""Progress through the year: indicators and budget execution, monitored together (双监控, docs/rules/progress.md).

From the quarterly entries: the year-to-date figure, what is expected by now, a status colour
with its working in Chinese, and a straight-line forecast of the year end. For budget lines:
执行率 and the execution warning behind 时间过半、任务过半. Thresholds are per-year settings;
``ProgressSettings`` holds the defaults of docs/rules/progress.md §7. Pure: no Flask, no database, no I/O. Everything is
Decimal; percentages are rounded half up to 2 decimals (kpi.domain.progress_numbers).

This module judges: the figures and the lights. What is due by now and the year-end forecast,
the pace of the plan, are asked of kpi.domain.progress_pace, which knows nothing of lights.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import NamedTuple

from kpi.domain import progress_pace as pace
from kpi.domain.aggregation import Aggregation
from kpi.domain.entries import BAND_LABELS, Band, Entry
from kpi.domain.numbers import number_text
from kpi.domain.progress_numbers import percent, round_cents
from kpi.domain.targets import Comparator, Direction, TargetKind


class Status(StrEnum):
    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"
    NONE = "none"  # nothing to judge yet


STATUS_LABELS: dict[Status, str] = {Status.GREEN: "绿", Status.YELLOW: "黄", Status.RED: "红", Status.NONE: "无"}


@dataclass(frozen=True)
class ProgressSettings:
    """The (default) thresholds of docs/rules/progress.md §7; per-year settings override them."""

    green_at: Decimal = Decimal("80")  # completion ÷ expected-by-now, in %
    yellow_at: Decimal = Decimal("60")
    budget_green_at: Decimal = Decimal("80")  # execution warning index
    budget_yellow_at: Decimal = Decimal("60")
    over_completion_at: Decimal = Decimal("130")  # completion in % that calls for an explanation


class QuarterFigure(NamedTuple):
    """What was entered for one indicator in one quarter (1–4). (A NamedTuple, as Entry.)"""

    quarter: int
    entry: Entry


@dataclass(frozen=True)
class YearToDate:
    value: Decimal | None  # sum, latest value, or rate in %, by aggregation rule
    numerator: Decimal | None
    denominator: Decimal | None
    band: Band | None
    achieved_on: date | None
    quarters_reported: int


@dataclass(frozen=True)
class IndicatorProgress:
    actual: YearToDate
    completion_pct: Decimal | None  # actual ÷ target in %, may exceed 100
    expected_pct: Decimal | None  # expected by now, in %
    status: Status
    forecast: Decimal | None  # straight-line year-end value (numeric indicators)
    forecast_band: Band | None  # qualitative: the latest band
    over_completed: bool  # completion ≥ over_completion_at: needs an explanation (docs/rules/progress.md §6)
    explanation: str  # how the status was reached, in Chinese


@dataclass(frozen=True)
class BudgetProgress:
    budget: Decimal  # 全年预算数 (调整后)
    spent: Decimal  # 执行数 to date
    execution_rate: Decimal | None  # 执行率 in %; None when the budget is 0
    time_progress: Decimal  # months elapsed ÷ 12, in %
    warning_index: Decimal | None  # 执行率 ÷ time progress × 100
    status: Status
    forecast: Decimal | None  # straight-line year-end spend


_NOTHING_YET = YearToDate(None, None, None, None, None, 0)


def year_to_date(
    aggregation: Aggregation,
    figures: Sequence[QuarterFigure],
    as_of_quarter: int,
    *,
    budget_actual: Decimal | None = None,
) -> YearToDate:
    """The year-to-date figure from the quarters up to ``as_of_quarter`` (docs/rules/aggregation.md §4).

    BUDGET indicators have no entries: their figure is ``budget_actual``, the spend to date of
    the linked project."""
    pace.months_of(as_of_quarter, None)
    if aggregation is Aggregation.BUDGET:
        return YearToDate(budget_actual, None, None, None, None, 0)
    if not figures or not as_of_quarter:
        return _NOTHING_YET  # the first quarter's "to date before it", an indicator never reported
    by_quarter = {
        f.quarter: f.entry for f in figures if 1 <= f.quarter <= as_of_quarter and _reports(aggregation, f.entry)
    }
    entries = [by_quarter[q] for q in sorted(by_quarter)]
    if not entries:
        return _NOTHING_YET
    latest = entries[-1]
    value = numerator = denominator = band = achieved_on = None
    if aggregation is Aggregation.CUMULATIVE:
        value = sum((e.value for e in entries), Decimal(0))
    elif aggregation is Aggregation.LEVEL:
        value = latest.value
    elif aggregation is Aggregation.RATE:
        if all(_has_ratio(e) for e in entries):  # summed counts make the exact rate for the year
            numerator = sum((e.numerator for e in entries), Decimal(0))
            denominator = sum((e.denominator for e in entries), Decimal(0))
        elif _has_ratio(latest):
            numerator, denominator = latest.numerator, latest.denominator
        value = percent(numerator, denominator) if numerator is not None else latest.value
    elif aggregation is Aggregation.QUALITATIVE:
        band = latest.band
    elif aggregation is Aggregation.DEADLINE:
        achieved_on = min(e.achieved_on for e in entries)
    return YearToDate(value, numerator, denominator, band, achieved_on, len(entries))


def expected_pct(
    aggregation: Aggregation,
    as_of_quarter: int,
    plan: Sequence[Decimal | None] = (),
    target_value: Decimal | None = None,
    *,
    months_elapsed: int | None = None,
) -> Decimal | None:
    """How much of the target should be reached by now, in % (docs/rules/progress.md §2).

    Cumulative targets follow the quarterly plan (季度计划, 4 amounts), or 25% a quarter without
    one. A plan with gaps is completed from ``target_value`` when it can be: the quarters left
    blank share what the planned ones leave of the target. ``months_elapsed`` (7 for 1–7月)
    overrides the quarter. Rates, levels and qualitative targets should hold at any time: 100."""
    months = pace.months_of(as_of_quarter, months_elapsed)
    return pace.expected(aggregation, months, pace.due_share(aggregation, plan, target_value, months))


def indicator_progress(
    *,
    kind: TargetKind,
    comparator: Comparator | None,
    direction: Direction,
    target_value: Decimal | None,
    target_date: date | None,
    aggregation: Aggregation,
    figures: Sequence[QuarterFigure],
    as_of_quarter: int,
    plan: Sequence[Decimal | None] = (),
    budget_actual: Decimal | None = None,
    budget_target: Decimal | None = None,
    settings: ProgressSettings = ProgressSettings(),
    months_elapsed: int | None = None,
    today: date | None = None,
) -> IndicatorProgress:
    """Year to date, expected by now, status, forecast and the working, for one indicator.

    ``today`` lets a deadline that has passed unmet turn red; without it, it stays NONE."""
    months = pace.months_of(as_of_quarter, months_elapsed)
    actual = year_to_date(aggregation, figures, as_of_quarter, budget_actual=budget_actual)
    due = pace.due_share(aggregation, plan, target_value, months)  # paces both expected and forecast
    result = _Result(actual, pace.expected(aggregation, months, due))
    if months == 0:
        return result.done(Status.NONE, "尚未到填报期")
    if aggregation is Aggregation.QUALITATIVE:
        return _qualitative(result)
    if aggregation is Aggregation.DEADLINE:
        return _deadline(result, target_date, today)
    if aggregation is Aggregation.BUDGET:
        target_value = budget_target
        if direction is not Direction.REVERSE:  # e.g. "≥预算金额": judged against time progress
            result.expected = pace.time_progress(months)
    result.forecast = pace.forecast(aggregation, actual.value, due, months)
    label = _LABELS.get(aggregation, "实际")
    unit = "%" if kind is TargetKind.PERCENT or aggregation is Aggregation.RATE else ""
    if actual.value is None:
        return result.done(Status.NONE, "尚无预算执行数" if aggregation is Aggregation.BUDGET else "尚未填报")
    if direction is Direction.REVERSE:
        return _reverse(result, comparator, target_value, label, unit, aggregation is Aggregation.BUDGET)
    return _positive(result, target_value, label, unit, settings)


def budget_progress(
    budget: Decimal,
    spent_by_quarter: Mapping[int, Decimal],
    as_of_quarter: int | None = None,
    *,
    months_elapsed: int | None = None,
    settings: ProgressSettings = ProgressSettings(),
) -> BudgetProgress:
    """执行率 = 执行数 ÷ 全年预算数, and the warning 执行率 ÷ (months elapsed / 12) × 100 (docs/rules/progress.md §5).

    Only quarters up to ``as_of_quarter`` count when it is given; ``months_elapsed`` defaults to
    three per quarter and is 7 for the 1–7月 monitoring report."""
    if as_of_quarter is None and months_elapsed is None:
        raise ValueError("as_of_quarter or months_elapsed is required")
    months = pace.months_of(as_of_quarter or 0, months_elapsed)
    spent = sum(
        (
            amount
            for quarter, amount in spent_by_quarter.items()
            if amount is not None and (as_of_quarter is None or quarter <= as_of_quarter)
        ),
        Decimal(0),
    )
    time_progress = pace.time_progress(months)
    rate = percent(spent, budget) if budget > 0 else None
    warning = percent(rate, time_progress) if rate is not None and months else None
    status = Status.NONE if warning is None else _colour(warning, settings.budget_green_at, settings.budget_yellow_at)
    forecast = round_cents(spent * 12 / months) if months else None
    return BudgetProgress(budget, spent, rate, time_progress, warning, status, forecast)


# --- the status rules ------------------------------------------------------------------------
_LABELS = {Aggregation.CUMULATIVE: "累计", Aggregation.LEVEL: "最新值", Aggregation.BUDGET: "执行数"}


@dataclass
class _Result:
    """An IndicatorProgress being assembled."""

    actual: YearToDate
    expected: Decimal | None
    completion: Decimal | None = None
    forecast: Decimal | None = None

    def done(self, status: Status, explanation: str, over: bool = False) -> IndicatorProgress:
        return IndicatorProgress(
            self.actual, self.completion, self.expected, status, self.forecast, self.actual.band, over, explanation
        )


def _positive(
    result: _Result, target: Decimal | None, label: str, unit: str, settings: ProgressSettings
) -> IndicatorProgress:
    # docs/rules/progress.md §3: completion ÷ expected-by-now against the thresholds (≥, = and no operator).
    value = result.actual.value
    shown = f"{label} {number_text(value)}{unit}{_parts(result.actual)}"
    if target is None or target <= 0:
        return result.done(Status.NONE, f"{shown}；目标值不是正数，无法计算完成率")
    result.completion = completion = percent(value, target)
    text = f"{shown} ÷ 目标 {number_text(target)}{unit} = {completion}%"
    over = completion >= settings.over_completion_at
    if over:
        text += f"（≥ {number_text(settings.over_completion_at)}%，需说明超额原因）"
    expected = result.expected
    if not expected:  # the plan asks for nothing yet, so anything done is on track
        return result.done(Status.GREEN, f"{text}；按计划本期应完成 0% → 绿", over)
    ratio = percent(completion, expected)
    status = _colour(ratio, settings.green_at, settings.yellow_at)
    if status is Status.GREEN:
        where = f"≥ {number_text(settings.green_at)}%"
    elif status is Status.YELLOW:
        where = f"在 {number_text(settings.yellow_at)}%–{number_text(settings.green_at)}% 之间"
    else:
        where = f"< {number_text(settings.yellow_at)}%"
    return result.done(
        status, f"{text}；应完成 {expected}%；完成/应完成 = {ratio}% {where} → {STATUS_LABELS[status]}", over
    )


def _reverse(
    result: _Result, comparator: Comparator | None, limit: Decimal | None, label: str, unit: str, is_budget: bool
) -> IndicatorProgress:
    # docs/rules/progress.md §3: a reverse indicator is red as soon as it has exceeded its limit.
    value = result.actual.value
    name = "预算" if is_budget else "上限"
    if limit is None:
        return result.done(Status.NONE, f"{label} {number_text(value)}{unit}；{name}不是数字，无法比较")
    strict = comparator is Comparator.LT  # "< 10" is exceeded at 10 already
    crossed = value >= limit if strict else value > limit
    sign = ("≥" if strict else ">") if crossed else ("<" if strict else "≤")
    text = f"{label} {number_text(value)}{unit} {sign} {name} {number_text(limit)}{unit}"
    if limit > 0:
        result.completion = percent(value, limit)
        text += f"（占{name} {result.completion}%）"
    return result.done(Status.RED if crossed else Status.GREEN, f"{text} → {'红' if crossed else '绿'}")


_BAND_STATUS = {Band.ACHIEVED: Status.GREEN, Band.PARTIAL: Status.YELLOW, Band.NOT_ACHIEVED: Status.RED}


def _qualitative(result: _Result) -> IndicatorProgress:
    band = result.actual.band
    if band is None:
        return result.done(Status.NONE, "尚未评价")
    status = _BAND_STATUS[band]
    return result.done(status, f"最新评价：{BAND_LABELS[band]} → {STATUS_LABELS[status]}")


def _deadline(result: _Result, target_date: date | None, today: date | None) -> IndicatorProgress:
    done = result.actual.achieved_on
    if done is not None:
        if target_date is None:
            return result.done(Status.GREEN, f"已于 {done.isoformat()} 完成 → 绿")
        late = done > target_date
        relation, word = ("晚于", "红") if late else ("不晚于", "绿")
        return result.done(
            Status.RED if late else Status.GREEN,
            f"{done.isoformat()} 完成，{relation}期限 {target_date.isoformat()} → {word}",
        )
    if target_date is None:
        return result.done(Status.NONE, "尚未完成")
    if today is not None and today > target_date:
        return result.done(Status.RED, f"尚未完成，已超过期限 {target_date.isoformat()} → 红")
    return result.done(Status.NONE, f"尚未完成（期限 {target_date.isoformat()}）")


# --- what a quarter reports, and wording ---------------------------------------------------------------------
_FIGURE = {
    Aggregation.CUMULATIVE: "value",
    Aggregation.LEVEL: "value",
    Aggregation.RATE: "value",
    Aggregation.QUALITATIVE: "band",
    Aggregation.DEADLINE: "achieved_on",
}


def _reports(aggregation: Aggregation, entry: Entry) -> bool:
    """Whether a quarter's entry carries a figure this aggregation rule reads (a note alone doesn't)."""
    if aggregation is Aggregation.RATE and _has_ratio(entry):
        return True
    return aggregation in _FIGURE and getattr(entry, _FIGURE[aggregation]) is not None


def _has_ratio(entry: Entry) -> bool:
    return entry.numerator is not None and entry.denominator is not None and entry.denominator > 0


def _colour(pct: Decimal, green_at: Decimal, yellow_at: Decimal) -> Status:
    return Status.GREEN if pct >= green_at else Status.YELLOW if pct >= yellow_at else Status.RED


def _parts(actual: YearToDate) -> str:
    if actual.numerator is None or actual.denominator is None:
        return ""
    return f"（分子 {number_text(actual.numerator)} ÷ 分母 {number_text(actual.denominator)}）"
