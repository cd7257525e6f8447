"""Self-evaluation scores with their working (绩效自评, docs/rules/scoring.md).

``score_self_evaluation(indicators, budget=..., spent=...)`` allocates the 100 points (budget
execution plus the first-level weights, split among the indicators), scores every indicator by
its rule, adds up and grades. Every score carries its working in Chinese, e.g.
``实际 9,500 ÷ 目标 19,000 × 分值 0.91 = 0.46``, for the screen and the workbook's 计分说明.
The weights and rule variants are per-year settings (``ScoringSettings``, in scoring_settings).
Pure: no Flask, no database, no I/O. Decimal throughout; 分值 and 得分 are rounded half up to
2 decimals, and each score is computed from the rounded 分值 so that the working can be checked
from what the table shows.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from kpi.domain.entries import BAND_LABELS, Band
from kpi.domain.scoring_inputs import BAND_RANGES, BAND_SHOWN, IndicatorInput, check_qualitative_ratio
from kpi.domain.scoring_numbers import num_text as _num
from kpi.domain.scoring_numbers import pct as _pct
from kpi.domain.scoring_numbers import round2 as _round
from kpi.domain.scoring_points import allocate, allocate_points
from kpi.domain.scoring_settings import HUNDRED, ScoringSettings, grade_for
from kpi.domain.targets import Direction, TargetKind

__all__ = [
    "BAND_RANGES",
    "BudgetScore",
    "Evaluation",
    "IndicatorInput",
    "IndicatorScore",
    "ScoringSettings",
    "allocate_points",
    "check_qualitative_ratio",
    "grade_for",
    "score_budget",
    "score_indicator",
    "score_self_evaluation",
]

ZERO, ONE = Decimal(0), Decimal(1)

# A band chosen without a score: 达成 is the target reached, worth full points like a number on
# target; the shortfall bands count at their floor until the reviewer picks more.
_BAND_DEFAULT = {Band.ACHIEVED: ONE, Band.PARTIAL: Decimal("0.6"), Band.NOT_ACHIEVED: ZERO}
_BAND_REASON = {Band.PARTIAL: "部分达成年度指标", Band.NOT_ACHIEVED: "未达成年度指标"}


@dataclass(frozen=True)
class IndicatorScore:
    key: object
    points: Decimal  # 分值 allocated
    score: Decimal  # 得分, 0 ≤ score ≤ points
    rule: str  # positive, reverse, qualitative, deadline, budget, missing
    working: str  # how the score was computed, in Chinese
    completion_pct: Decimal | None  # 实际 ÷ 目标 in %, uncapped; None where it means nothing
    needs_explanation: bool  # docs/rules/scoring.md §9: 偏差原因分析及改进措施 is required
    explanation_reason: str | None


@dataclass(frozen=True)
class BudgetScore:
    points: Decimal
    execution_rate: Decimal | None  # 执行率 in %; None when the budget is 0
    score: Decimal
    working: str


@dataclass(frozen=True)
class Evaluation:
    budget: BudgetScore
    indicators: tuple[IndicatorScore, ...]  # in the order given
    level_points: dict[str, Decimal]  # first-level label -> points after rescaling
    total: Decimal
    grade: str
    level_scores: dict[str, Decimal] = field(default_factory=dict)  # first-level label -> 得分
    notes: tuple[str, ...] = ()  # how the 分值 were allocated, for 计分说明

    def by_key(self, key: object) -> IndicatorScore:
        """The score of the indicator the caller identified by ``key``; KeyError if none."""
        for score in self.indicators:
            if score.key == key:
                return score
        raise KeyError(key)


# The members the rules test for, as module globals: reading ``TargetKind.X`` goes through the
# enum's class attribute machinery, which cost about a microsecond per indicator.
_QUALITATIVE, _DEADLINE, _PERIOD = TargetKind.QUALITATIVE, TargetKind.DEADLINE, TargetKind.PERIOD
_BUDGET_RELATIVE, _PERCENT, _REVERSE = TargetKind.BUDGET_RELATIVE, TargetKind.PERCENT, Direction.REVERSE

# What a numeric rule's working calls its two figures, and their unit: 实际 85% ÷ 目标 95%.
_COUNT_WORDS, _PERCENT_WORDS, _BUDGET_WORDS = ("实际", "目标", ""), ("实际", "目标", "%"), ("执行数", "预算", "")


def score_indicator(
    item: IndicatorInput, points: Decimal, settings: ScoringSettings = ScoringSettings()
) -> IndicatorScore:
    """The score of one indicator worth ``points``, by the rule of its kind (docs/rules/scoring.md §4–§8)."""
    return _score(item, Decimal(points), settings)


def _score(item: IndicatorInput, points: Decimal, settings: ScoringSettings) -> IndicatorScore:
    kind = item.kind
    if kind is _QUALITATIVE:
        return _qualitative(item, points)
    if kind is _DEADLINE or (kind is _PERIOD and item.target_value is None):
        return _deadline(item, points)
    if kind is _BUDGET_RELATIVE:
        if item.actual is None:
            return _missing(item, points, "未取得执行数")
        if item.budget_target is None:
            return _missing(item, points, "缺少预算金额")
        return _numeric(item, points, settings, item.actual, item.budget_target, _BUDGET_WORDS, "budget")
    if item.actual is None:
        return _missing(item, points, "未填报实际完成值")
    if item.target_value is None:
        return _missing(item, points, "目标值缺失")
    words = _PERCENT_WORDS if kind is _PERCENT else _COUNT_WORDS
    rule = "reverse" if item.direction is _REVERSE else "positive"
    return _numeric(item, points, settings, item.actual, item.target_value, words, rule)


def _numeric(item, points, settings, actual, target, words, rule) -> IndicatorScore:
    # Comparing with the Decimal ZERO, not the int 0, here and in the rules below: the same
    # answer, but Decimal-with-int converts the int on every call (measurably slower per indicator).
    completion = _pct(actual, target) if target > ZERO else None
    if item.direction is _REVERSE:
        return _reverse(item, points, settings, actual, target, words, completion, rule)
    return _positive(item, points, settings, actual, target, words, completion, rule)


def _positive(item, points, settings, actual, target, words, completion, rule) -> IndicatorScore:
    # docs/rules/scoring.md §4: 分值 × min(实际 ÷ 目标, 1); =, ≥, > and no operator alike (the formula meets full points
    # at the target, so a strict > changes nothing).
    if actual >= target:
        over = settings.over_completion_at
        exceeded = completion is not None and completion >= over
        reason = f"超额完成（≥{_num(over)}%）" if exceeded else None
        return _result(
            item,
            points,
            points,
            rule,
            completion,
            reason,
            _met_working(actual, target, words, points, completion, over, exceeded),
        )
    if target <= ZERO:  # a zero or negative target (≥-5%) has no proportion to score by
        return _result(
            item,
            points,
            ZERO,
            rule,
            completion,
            "未完成目标",
            (f"{_compared(actual, '<', target, words)}，目标值不是正数，无法按比例计分，计 0 分"),
        )
    score = _round(points * max(actual, ZERO) / target)
    return _result(
        item,
        points,
        score,
        rule,
        completion,
        "未完成目标",
        (f"{_compared(actual, '÷', target, words)} × 分值 {_num(points)} = {_num(score)}"),
    )


def _met_working(actual, target, words, points, completion, over, exceeded) -> str:
    working = f"{_compared(actual, '≥', target, words)}，完成目标，得满分 {_num(points)}"
    if completion is not None:
        working += f"（完成 {_num(completion)}%）"
    if exceeded:
        working += f"；完成率 ≥ {_num(over)}%，需说明超额原因"
    return working


def _reverse(item, points, settings, actual, target, words, completion, rule) -> IndicatorScore:
    # docs/rules/scoring.md §5: full points within the limit; past it the linear rule or 目标 ÷ 实际 (a setting). Both
    # give full points at the limit itself, so a strict < scores like ≤.
    reason = "超出预算" if rule == "budget" else "超过目标上限"
    if actual <= target:
        return _result(
            item,
            points,
            points,
            rule,
            completion,
            None,
            f"{_compared(actual, '≤', target, words)}，得满分 {_num(points)}",
        )
    if target <= ZERO:
        return _result(
            item, points, ZERO, rule, completion, reason, f"{_compared(actual, '>', target, words)}，超出上限，计 0 分"
        )
    if settings.reverse_rule == "ratio":
        score = _round(points * target / actual)
        formula = "ratio"
    else:
        factor = ONE - (actual - target) / target
        score = _round(points * max(ZERO, factor))
        formula = "linear" if factor >= ZERO else "linear-floored"
    return _result(
        item,
        points,
        score,
        rule,
        completion,
        reason,
        _past_limit_working(actual, target, words, points, score, formula),
    )


def _past_limit_working(actual, target, words, points, score, formula: str) -> str:
    a, t = _sides(actual, target, words)
    x, y, p = _num(actual), _num(target), _num(points)
    if formula == "ratio":
        shown = f"{t} ÷ {a} × 分值 {p}"
    elif formula == "linear":
        shown = f"分值 {p} × (1 − ({x} − {y}) ÷ {y})"
    else:
        shown = f"分值 {p} × max(0, 1 − ({x} − {y}) ÷ {y})"
    return f"{a} > {t}：{shown} = {_num(score)}"


def _compared(actual: Decimal, sign: str, target: Decimal, words: tuple[str, str, str]) -> str:
    """ "实际 9,500 ÷ 目标 19,000": how a numeric rule's working opens."""
    a, t = _sides(actual, target, words)
    return f"{a} {sign} {t}"


def _sides(actual: Decimal, target: Decimal, words: tuple[str, str, str]) -> tuple[str, str]:
    """("实际 85%", "目标 95%"): the two figures of a numeric rule with their words and unit."""
    actual_word, target_word, unit = words
    return f"{actual_word} {_num(actual)}{unit}", f"{target_word} {_num(target)}{unit}"


def _qualitative(item: IndicatorInput, points: Decimal) -> IndicatorScore:
    band, chosen = item.band, item.chosen_ratio
    if band is None:
        return _missing(item, points, "尚未评价")
    ratio = _BAND_DEFAULT[band] if chosen is None else chosen
    score = _round(points * ratio)
    share = ratio * HUNDRED
    return _result(
        item,
        points,
        score,
        "qualitative",
        None,
        _BAND_REASON.get(band),
        _band_working(band, share, chosen is not None, points, score),
    )


def _band_working(band: Band, share: Decimal, chosen: bool, points: Decimal, score: Decimal) -> str:
    how = f"选定 {_num(share)}%" if chosen else f"未选定得分，按 {_num(share)}% 计"
    return f"评价“{BAND_LABELS[band]}”（{BAND_SHOWN[band]}），{how} × 分值 {_num(points)} = {_num(score)}"


def _deadline(item: IndicatorInput, points: Decimal) -> IndicatorScore:
    # Done by the deadline: full points; late or not done: 0. docs/rules/scoring.md §7 gives no partial credit for
    # time, and a late delivery is a shortfall to explain.
    done, due = item.actual_date, item.target_date
    if done is None:
        return _result(
            item, points, ZERO, "deadline", None, "未按期完成", f"未填报完成日期，按未完成计 0 分（{_limit(due)}）"
        )
    if due is None or done <= due:
        return _result(item, points, points, "deadline", None, None, _on_time(done, due, points))
    return _result(
        item, points, ZERO, "deadline", None, "未按期完成", f"{done.isoformat()} 完成，晚于{_limit(due)}，计 0 分"
    )


def _on_time(done: date, due: date | None, points: Decimal) -> str:
    relation = f"，不晚于{_limit(due)}" if due else ""
    return f"{done.isoformat()} 完成{relation}，得满分 {_num(points)}"


def _limit(due: date | None) -> str:
    return f"期限 {due.isoformat()}" if due else "未设期限"


def _missing(item, points, reason: str) -> IndicatorScore:
    return _result(item, points, ZERO, "missing", None, reason, f"{reason}，计 0 分")


def _result(item, points, score, rule, completion, reason, working: str) -> IndicatorScore:
    return IndicatorScore(
        key=item.key,
        points=points,
        score=score,
        rule=rule,
        working=working,
        completion_pct=completion,
        needs_explanation=reason is not None,
        explanation_reason=reason,
    )


def score_budget(budget: Decimal, spent: Decimal, settings: ScoringSettings = ScoringSettings()) -> BudgetScore:
    """预算执行 score = 分值 × min(执行率, 100%), 执行率 = 执行数 ÷ 全年预算数 (docs/rules/scoring.md §3)."""
    budget, spent, points = Decimal(budget), Decimal(spent), settings.budget_points
    b, s, p = _num(budget), _num(spent), _num(points)
    if budget <= ZERO:
        return BudgetScore(points, None, ZERO, f"全年预算数为 {b}，无法计算执行率，计 0 分")
    rate = _pct(spent, budget)
    if spent >= budget:
        return BudgetScore(points, rate, points, f"执行数 {s} ÷ 全年预算数 {b} = {_num(rate)}%，达到 100%，得满分 {p}")
    score = _round(points * max(spent, ZERO) / budget)
    return BudgetScore(
        points, rate, score, f"执行数 {s} ÷ 全年预算数 {b} × 分值 {p} = {_num(score)}（执行率 {_num(rate)}%）"
    )


def score_self_evaluation(
    indicators: Sequence[IndicatorInput],
    *,
    budget: Decimal,
    spent: Decimal,
    settings: ScoringSettings = ScoringSettings(),
) -> Evaluation:
    """Points, every score with its working, the total (never above 100) and the grade (docs/rules/scoring.md §10)."""
    allocation = allocate(indicators, settings)
    # The shares are Decimals already: _score, not score_indicator, which would convert them again.
    scores = tuple([_score(item, share, settings) for item, share in zip(indicators, allocation.shares)])
    # Added up in the order given, the whole table and each level, as the 得分 column reads.
    scored_sum = sum([s.score for s in scores], ZERO)
    level_scores = {
        label: sum([scores[p].score for p in positions], ZERO) for label, positions in allocation.members.items()
    }
    budget_score = score_budget(budget, spent, settings)
    total = min(HUNDRED, budget_score.score + scored_sum)
    return Evaluation(
        budget_score,
        scores,
        allocation.level_points,
        total,
        grade_for(total, settings),
        level_scores,
        tuple(allocation.notes),
    )
