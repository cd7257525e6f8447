"""What self-evaluation scoring gives: each indicator's score, the budget's, the whole evaluation.

Plain frozen dataclasses (docs/rules/scoring.md §11: every score carries its working), kept apart
from the rules that make them (kpi.domain.scoring_rules) and the entry points (kpi.domain.scoring).
"""

from dataclasses import dataclass, field
from decimal import Decimal


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


def score_snapshot(scores) -> dict[str, list[str]]:
    """Each IndicatorScore as it is kept with its report: key (the indicator id) -> [分值, 得分], all
    as text, exact in JSON (SelfEvaluation.indicator_scores)."""
    return {str(score.key): [str(score.points), str(score.score)] for score in scores}


def read_score_snapshot(snapshot: dict | None) -> dict[int, tuple[Decimal, Decimal]]:
    """A kept snapshot read back: indicator id -> (分值, 得分)."""
    return {int(key): (Decimal(points), Decimal(score)) for key, (points, score) in (snapshot or {}).items()}
