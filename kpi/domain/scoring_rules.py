"""The rule of each kind of indicator, with its working (docs/rules/scoring.md §4–§9, §14).

``score_one(item, points, settings)`` scores one indicator worth ``points``: positive and reverse
quantities, satisfaction as a share, qualitative bands, deadlines, missing figures, and a
reviewer's 人工调整 over any of them. Pure: Decimal throughout.
"""

from dataclasses import replace
from datetime import date
from decimal import Decimal

from kpi.domain.entries import BAND_LABELS, Band
from kpi.domain.scoring_inputs import BAND_SHOWN, IndicatorInput, ScoreOverride
from kpi.domain.scoring_numbers import ROUNDING_WORDS, round_score
from kpi.domain.scoring_numbers import num_text as _num
from kpi.domain.scoring_numbers import pct as _pct
from kpi.domain.scoring_results import IndicatorScore
from kpi.domain.scoring_settings import HUNDRED, ScoringSettings, level_key
from kpi.domain.targets import Direction, TargetKind

ZERO, ONE = Decimal(0), Decimal(1)

# A band chosen without a score: 达成 is the target reached, worth full points like a number on
# target; the shortfall bands count at their floor until the reviewer picks more.
_BAND_DEFAULT = {Band.ACHIEVED: ONE, Band.PARTIAL: Decimal("0.6"), Band.NOT_ACHIEVED: ZERO}
_BAND_REASON = {Band.PARTIAL: "部分达成年度指标", Band.NOT_ACHIEVED: "未达成年度指标"}

# The members the rules test for, as module globals: reading ``TargetKind.X`` goes through the
# enum's class attribute machinery, which cost about a microsecond per indicator.
_QUALITATIVE, _DEADLINE, _PERIOD = TargetKind.QUALITATIVE, TargetKind.DEADLINE, TargetKind.PERIOD
_BUDGET_RELATIVE, _PERCENT, _REVERSE = TargetKind.BUDGET_RELATIVE, TargetKind.PERCENT, Direction.REVERSE

# What a numeric rule's working calls its two figures, and their unit: 实际 85% ÷ 目标 95%.
_COUNT_WORDS, _PERCENT_WORDS, _BUDGET_WORDS = ("实际", "目标", ""), ("实际", "目标", "%"), ("执行数", "预算", "")


def score_one(item: IndicatorInput, points: Decimal, settings: ScoringSettings) -> IndicatorScore:
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
    score, rounded = round_to_scheme(points * max(actual, ZERO) / target, points, settings)
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
    score, rounded = round_to_scheme(points * share / HUNDRED, points, settings)
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


def round_to_scheme(value: Decimal, points: Decimal, settings: ScoringSettings) -> tuple[Decimal, str]:
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
        score, rounded = round_to_scheme(points * target / actual, points, settings)
        formula = "ratio"
    else:
        factor = ONE - (actual - target) / target
        score, rounded = round_to_scheme(points * max(ZERO, factor), points, settings)
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
    score, rounded = round_to_scheme(points * ratio, points, settings)
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
