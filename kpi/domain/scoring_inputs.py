"""What the scoring rules read of one indicator at year end, checked as it is made.

Apart from kpi.domain.scoring so that the allocation of points (scoring_points) can take the
same inputs without importing the rules that use it.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from kpi.domain.entries import BAND_LABELS, Band
from kpi.domain.targets import Comparator, Direction, TargetKind

ZERO, ONE = Decimal(0), Decimal(1)

# docs/rules/scoring.md §6: 达成 80–100% of 分值, 部分达成 60–80%, 未达成 0–60%. Each band includes its
# lower end (the "（含）" of 财预〔2020〕10号), so 80% is 达成 and 60% is 部分达成; only 达成
# includes its upper end, 100%.
BAND_RANGES: dict[Band, tuple[Decimal, Decimal]] = {
    Band.ACHIEVED: (Decimal("0.8"), ONE),
    Band.PARTIAL: (Decimal("0.6"), Decimal("0.8")),
    Band.NOT_ACHIEVED: (ZERO, Decimal("0.6")),
}
BAND_SHOWN = {Band.ACHIEVED: "80%–100%", Band.PARTIAL: "60%–80%", Band.NOT_ACHIEVED: "0–60%"}


def check_qualitative_ratio(band: Band, ratio: Decimal) -> None:
    """Refuse a qualitative score (as a fraction of 分值) outside its band (docs/rules/scoring.md §6)."""
    low, high = BAND_RANGES[Band(band)]
    inside = low <= ratio <= high if band is Band.ACHIEVED else low <= ratio < high
    if not inside:
        raise ValueError(f"得分超出“{BAND_LABELS[band]}”档（{BAND_SHOWN[band]}）")


@dataclass(frozen=True)
class ScoreOverride:
    """A reviewer's 人工调整 of a computed score (docs/rules/scoring.md §14.6): the score given
    and why. A judgement without its reason cannot be checked later, so none is accepted."""

    score: Decimal
    reason: str

    def __post_init__(self):
        reason = self.reason.strip() if isinstance(self.reason, str) else ""
        if not reason:
            raise ValueError("人工调整得分须填写调整理由")
        if isinstance(self.score, bool) or not isinstance(self.score, (Decimal, int)):
            raise ValueError("人工调整得分应为数字")
        score = Decimal(self.score)
        if not score.is_finite():
            raise ValueError("人工调整得分应为数字")
        object.__setattr__(self, "score", score)
        object.__setattr__(self, "reason", reason)


@dataclass(frozen=True)
class IndicatorInput:
    """One indicator at year end, as the scoring rules need it.

    ``actual`` is the year-end 实际完成值 of numeric kinds (percentages as 0–100, compared with
    a percentage target) and the spent amount of BUDGET_RELATIVE ones; ``budget_target`` is
    then the budget amount. ``target_date`` of a PERIOD range is its end. ``chosen_ratio`` is
    the qualitative score chosen inside the band, as a fraction of 分值 (0.85). ``points`` is
    the unit's own 分值, if it set one. ``actual_text`` is a year figure written as words ("完成")
    where a number was due: it needs a judgement. ``override`` is the reviewer's 人工调整."""

    key: object
    level1: str
    level2: str
    name: str
    kind: TargetKind
    comparator: Comparator | None
    direction: Direction
    target_value: Decimal | None = None
    target_date: date | None = None
    actual: Decimal | None = None
    actual_date: date | None = None
    band: Band | None = None
    chosen_ratio: Decimal | None = None
    points: Decimal | None = None
    budget_target: Decimal | None = None
    actual_text: str | None = None
    override: ScoreOverride | None = None

    def __post_init__(self):
        if self.points is not None and self.points < 0:
            raise ValueError(f"“{self.name}”的分值不能为负数")
        if self.chosen_ratio is not None:
            if self.band is not None:
                check_qualitative_ratio(self.band, self.chosen_ratio)
            elif not ZERO <= self.chosen_ratio <= ONE:
                raise ValueError(f"“{self.name}”的得分应在分值的 0–100% 之间")
