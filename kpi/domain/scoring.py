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
from decimal import Decimal

from kpi.domain.scoring_inputs import BAND_RANGES, IndicatorInput, ScoreOverride, check_qualitative_ratio
from kpi.domain.scoring_numbers import num_text as _num
from kpi.domain.scoring_numbers import pct as _pct
from kpi.domain.scoring_points import allocate, allocate_points
from kpi.domain.scoring_results import BudgetScore, Evaluation, IndicatorScore
from kpi.domain.scoring_rules import round_to_scheme as _rounded
from kpi.domain.scoring_rules import score_one
from kpi.domain.scoring_settings import HUNDRED, ScoringSettings, grade_for

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

ZERO = Decimal(0)


def score_indicator(
    item: IndicatorInput, points: Decimal, settings: ScoringSettings = ScoringSettings()
) -> IndicatorScore:
    """The score of one indicator worth ``points``, by the rule of its kind (docs/rules/scoring.md §4–docs/rules/scoring.md §8)."""
    return score_one(item, Decimal(points), settings)


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
    # The shares are Decimals already: score_one, not score_indicator, which would convert them again.
    scores = tuple([score_one(item, share, settings) for item, share in zip(indicators, allocation.shares)])
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
