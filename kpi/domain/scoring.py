"""Self-evaluation scores with their working (绩效自评, docs/rules/scoring.md).

``score_self_evaluation(indicators, budget=..., spent=...)`` allocates the 100 points (budget
execution plus the first-level weights, split among the indicators), scores every indicator by
its rule, adds up and grades. Every score carries its working in Chinese, e.g.
``实际 9,500 ÷ 目标 19,000 × 分值 0.91 = 0.46``, for the screen and the workbook's 计分说明.
The weights and rule variants are per-year settings (``ScoringSettings``, in scoring_settings).
Pure: no Flask, no database, no I/O. Decimal throughout; 分值 and 得分 are rounded half up to
2 decimals (得分 to 1 or 0 if the scheme says so, docs/rules/scoring.md §14.3), and each score is computed from the
rounded 分值 so that the working can be checked from what the table shows. A scheme (docs/rules/scoring.md §14) may also
leave the budget out of 总分, keep printed 分值, score satisfaction as a share, and a reviewer may
override any score with a reason.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal

from kpi.domain.entries import BAND_LABELS, Band
from kpi.domain.scoring_inputs import BAND_RANGES, BAND_SHOWN, IndicatorInput, ScoreOverride, check_qualitative_ratio
from kpi.domain.scoring_numbers import ROUNDING_WORDS, round_score
from kpi.domain.scoring_numbers import num_text as _num
from kpi.domain.scoring_numbers import pct as _pct
from kpi.domain.scoring_numbers import round2 as _round  # noqa: F401 (tests check it against its definition)
from kpi.domain.scoring_points import allocate, allocate_points
from kpi.domain.scoring_settings import HUNDRED, ScoringSettings, grade_for, level_key
from kpi.domain.targets import Direction, TargetKind

__all__ = [
    "BAND_RANGES",
    "BudgetScore",
    "Evaluation",
    "IndicatorInput",
    "IndicatorScore",
    "ScoreOverride",
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
    adjustment_reason: str | None = None  # the reviewer's 人工调整 reason, if the score was overridden


@dataclass(frozen=True)
class BudgetScore:
    points: Decimal
    execution_rate: Decimal | None  # 执行率 in %; None when the budget is 0
    score: Decimal
    working: str
    counted: bool = True  # False when the scheme prints it beside 总分 or has none (docs/rules/scoring.md §14.1)


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
    """The score of one indicator worth ``points``, by the rule of its kind (docs/rules/scoring.md §4–docs/rules/scoring.md §8)."""
    return _score(item, Decimal(points), settings)


def _score(item: IndicatorInput, points: Decimal, settings: ScoringSettings) -> IndicatorScore:
    computed = _computed(item, points, settings)
    return computed if item.override is None else _overridden(computed, item.override)


def _overridden(computed: IndicatorScore, override: ScoreOverride) -> IndicatorScore:
    # docs/rules/scoring.md §14.6: the reviewer's score replaces the computed one, kept in 0..分值
    # (an override cannot make a row worth more than it is), and the working keeps both.
    points = computed.points
    score = min(max(override.score, ZERO), points)
    capped = "" if score == override.score else f"（填写 {_num(override.score)}，按 0–{_num(points)} 分计）"
    working = (
        f"{computed.working}；人工调整：{override.reason}（原计算得分 {_num(computed.score)}），"
        f"得分 {_num(score)}{capped}"
    )
    return replace(computed, score=score, working=working, adjustment_reason=override.reason)


def _computed(item: IndicatorInput, points: Decimal, settings: ScoringSettings) -> IndicatorScore:
    kind = item.kind
    if kind is _QUALITATIVE:
        return _qualitative(item, points, settings)
    if kind is _DEADLINE or (kind is _PERIOD and item.target_value is None):
        return _deadline(item, points)
    if kind is _BUDGET_RELATIVE:
        if item.actual is None:
            return _missing(item, points, "未取得执行数")
        if item.budget_target is None:
            return _missing(item, points, "缺少预算金额")
        return _numeric(item, points, settings, item.actual, item.budget_target, _BUDGET_WORDS, "budget")
    if item.actual is None:
        if item.actual_text:  # "完成" against ≤30万元: only a reviewer can say what it is worth
            return _missing(item, points, f"实际完成值为文字“{item.actual_text}”，需人工判断（人工调整）")
        return _missing(item, points, "未填报实际完成值")
    if item.target_value is None:
        return _missing(item, points, "目标值缺失")
    if settings.satisfaction_rule == "share" and _is_satisfaction_share(item):
        return _satisfaction_share(item, points, settings)
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
    score, rounded = _rounded(points * max(actual, ZERO) / target, points, settings)
    return _result(
        item,
        points,
        score,
        rule,
        completion,
        "未完成目标",
        (f"{_compared(actual, '÷', target, words)} × 分值 {_num(points)} = {_num(score)}{rounded}"),
    )


_SATISFACTION = level_key("满意度指标")


def _is_satisfaction_share(item: IndicatorInput) -> bool:
    # A rate of satisfaction, more being better: a 投诉率 ≤5% filed under 满意度指标 is a limit, and
    # 分值 × 5% would turn a good result into a bad score, so reverse rows keep docs/rules/scoring.md §5.
    return item.kind is _PERCENT and item.direction is not _REVERSE and level_key(item.level1) == _SATISFACTION


def _satisfaction_share(item, points, settings) -> IndicatorScore:
    # docs/rules/scoring.md §14.4: 分值 × 满意度, whatever the target (95% of 10 is 9.5); the target
    # still says whether the shortfall, or an over-completion, needs explaining.
    actual, target = item.actual, item.target_value
    completion = _pct(actual, target) if target > ZERO else None
    share = min(max(actual, ZERO), HUNDRED)
    score, rounded = _rounded(points * share / HUNDRED, points, settings)
    over = settings.over_completion_at
    if actual < target:
        reason = "未完成目标"
    else:
        reason = f"超额完成（≥{_num(over)}%）" if completion is not None and completion >= over else None
    working = (
        f"满意度 {_num(actual)}% × 分值 {_num(points)} = {_num(score)}{rounded}"
        f"（满意度指标按 分值 × 满意度 计分，不论目标 {_num(target)}%）"
    )
    return _result(item, points, score, "satisfaction", completion, reason, working)


def _rounded(value: Decimal, points: Decimal, settings: ScoringSettings) -> tuple[Decimal, str]:
    """(得分, what the working adds to say how it was rounded): nothing at the usual 2 decimals."""
    places = settings.rounding
    score = round_score(value, places)
    if places == 2:  # as it always was: 分值 has 2 decimals, so a 2-decimal score never passes it
        return score, ""
    if score > points:  # rounded coarser than 分值 is written, a score could pass it (0.91 × 99% → 1)
        return points, f"{ROUNDING_WORDS[places][:-1]}，以分值 {_num(points)} 为限）"
    return score, ROUNDING_WORDS[places]


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
    if settings.reverse_rule == "zero":  # docs/rules/scoring.md §14.5
        working = f"{_compared(actual, '>', target, words)}，超出上限即不得分（反向指标超出目标计 0 分），计 0 分"
        return _result(item, points, ZERO, rule, completion, reason, working)
    if settings.reverse_rule == "ratio":
        score, rounded = _rounded(points * target / actual, points, settings)
        formula = "ratio"
    else:
        factor = ONE - (actual - target) / target
        score, rounded = _rounded(points * max(ZERO, factor), points, settings)
        formula = "linear" if factor >= ZERO else "linear-floored"
    return _result(
        item,
        points,
        score,
        rule,
        completion,
        reason,
        _past_limit_working(actual, target, words, points, score, formula) + rounded,
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


def _qualitative(item: IndicatorInput, points: Decimal, settings: ScoringSettings) -> IndicatorScore:
    band, chosen = item.band, item.chosen_ratio
    if band is None:
        if item.actual_text:  # "达成预期指标" says how it went, not which band: the reviewer chooses
            return _missing(item, points, f"尚未评价（实际完成值“{item.actual_text}”，需选定评价档次）")
        return _missing(item, points, "尚未评价")
    ratio = _BAND_DEFAULT[band] if chosen is None else chosen
    score, rounded = _rounded(points * ratio, points, settings)
    share = ratio * HUNDRED
    return _result(
        item,
        points,
        score,
        "qualitative",
        None,
        _BAND_REASON.get(band),
        _band_working(band, share, chosen is not None, points, score) + rounded,
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
    """预算执行 score = 分值 × min(执行率, 100%), 执行率 = 执行数 ÷ 全年预算数 (docs/rules/scoring.md §3).

    A scheme may print it beside 总分 without counting it, or have none (docs/rules/scoring.md §14.1): ``counted``."""
    mode = settings.budget_mode
    if mode == "none":
        return BudgetScore(ZERO, None, ZERO, "本计分方案不设预算执行指标", counted=False)
    budget, spent, points = Decimal(budget), Decimal(spent), settings.budget_points
    b, s, p = _num(budget), _num(spent), _num(points)
    aside = "；预算执行得分单列，不计入总分" if mode == "shown" else ""
    counted = mode == "counted"
    if budget <= ZERO:
        return BudgetScore(points, None, ZERO, f"全年预算数为 {b}，无法计算执行率，计 0 分{aside}", counted)
    rate = _pct(spent, budget)
    if spent >= budget:
        working = f"执行数 {s} ÷ 全年预算数 {b} = {_num(rate)}%，达到 100%，得满分 {p}{aside}"
        return BudgetScore(points, rate, points, working, counted)
    score, rounded = _rounded(points * max(spent, ZERO) / budget, points, settings)
    working = f"执行数 {s} ÷ 全年预算数 {b} × 分值 {p} = {_num(score)}{rounded}（执行率 {_num(rate)}%）{aside}"
    return BudgetScore(points, rate, score, working, counted)


def score_self_evaluation(
    indicators: Sequence[IndicatorInput],
    *,
    budget: Decimal,
    spent: Decimal,
    settings: ScoringSettings = ScoringSettings(),
) -> Evaluation:
    """Points, every score with its working, the total (never above 100) and the grade (docs/rules/scoring.md §10).

    The budget score counts in the total unless the scheme prints it aside or has none (docs/rules/scoring.md §14.1)."""
    allocation = allocate(indicators, settings)
    # The shares are Decimals already: _score, not score_indicator, which would convert them again.
    scores = tuple([_score(item, share, settings) for item, share in zip(indicators, allocation.shares)])
    # Added up in the order given, the whole table and each level, as the 得分 column reads.
    scored_sum = sum([s.score for s in scores], ZERO)
    level_scores = {
        label: sum([scores[p].score for p in positions], ZERO) for label, positions in allocation.members.items()
    }
    budget_score = score_budget(budget, spent, settings)
    counted = budget_score.score if budget_score.counted else ZERO
    total = min(HUNDRED, counted + scored_sum)
    return Evaluation(
        budget_score,
        scores,
        allocation.level_points,
        total,
        grade_for(total, settings),
        level_scores,
        tuple(allocation.notes),
    )
