"""How quarterly entries make an indicator's year-to-date figure (docs/rules/aggregation.md).

The rule is inferred at import from the indicator's name and parsed target; staff can change it.
Pure: no Flask, no database, no I/O.
"""

from enum import StrEnum

from kpi.domain.targets import Target, TargetKind


class Aggregation(StrEnum):
    CUMULATIVE = "cumulative"  # year to date = sum of the quarters (志愿者活动数量)
    RATE = "rate"  # the latest rate, or numerator / denominator over the year (投诉处理总成功率)
    LEVEL = "level"  # a snapshot: the latest value (单位伙食保障人数)
    QUALITATIVE = "qualitative"  # an assessment per period in the bands of docs/rules/scoring.md §6
    DEADLINE = "deadline"  # the date achieved, or not yet
    BUDGET = "budget"  # derived from the budget execution of the linked project


# Names of stock-like quantities: how many people are fed or on the payroll, how far a service
# reaches, what is held at a date. Adding quarters would count the same people or areas
# four times, so the latest value is the year-to-date figure.
LEVEL_NAME_KEYWORDS = ("人数", "覆盖范围", "覆盖区域", "在编", "在职", "保有量", "余额", "存量")

# A count of areas ("≥深圳市5个行政区") measures reach, which is a snapshot for the same reason.
LEVEL_QUALIFIER_KEYWORDS = ("行政区", "街道", "区县")

# Names of ratios. A bare number under such a name ("满意度 95", "满意度≥90分") is a rate or a
# survey score, taken as the latest value rather than summed.
RATE_NAME_KEYWORDS = ("率", "满意度", "占比", "比例", "比重")


def infer_aggregation(name: str, target: Target) -> Aggregation:
    """The aggregation rule suggested for indicator ``name`` with target ``target``."""
    name = name or ""
    kind = target.kind
    if kind is TargetKind.QUALITATIVE:
        return Aggregation.QUALITATIVE
    if kind is TargetKind.BUDGET_RELATIVE:
        return Aggregation.BUDGET
    if kind is TargetKind.DEADLINE or (kind is TargetKind.PERIOD and not target.is_numeric):
        return Aggregation.DEADLINE  # a deadline or a date range: reached on a date
    if kind is TargetKind.PERIOD:
        return Aggregation.LEVEL  # a duration (≤15天) is a level: the latest measured time
    if kind is TargetKind.PERCENT:
        return Aggregation.RATE
    if _mentions(name, LEVEL_NAME_KEYWORDS) or _mentions(target.qualifier, LEVEL_QUALIFIER_KEYWORDS):
        return Aggregation.LEVEL
    if kind is TargetKind.COUNT and target.unit in (None, "分") and _mentions(name, RATE_NAME_KEYWORDS):
        return Aggregation.RATE
    return Aggregation.CUMULATIVE  # counts and money add up over the quarters


def _mentions(text: str | None, keywords: tuple[str, ...]) -> bool:
    return bool(text) and any(word in text for word in keywords)
