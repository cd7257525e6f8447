"""Plausible figures for synthetic units, consistent with each indicator's kind and aggregation rule.

Every function draws from the ``random.Random`` it is given, so a unit's figures depend only on
its own generator (deterministic for a seed). Figures obey the rules of kpi.domain.entries: counts
are whole and never negative, a numerator never exceeds its denominator, a percentage never
exceeds 100, a band is one of the three of docs/rules/scoring.md §6 and a deadline's date falls in the year.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from kpi.domain.aggregation import Aggregation
from kpi.domain.entries import Band, Entry
from kpi.domain.targets import Direction
from tools.scale.templates import Variant

QUARTER_SHARES = (0.22, 0.25, 0.25, 0.28)  # how the work of a year falls over its quarters
SPENDING_SHARES = (0.18, 0.24, 0.25, 0.33)  # spending is back-loaded, as budgets usually are
BANDS = (Band.ACHIEVED, Band.PARTIAL, Band.NOT_ACHIEVED)
BAND_WEIGHTS = (0.75, 0.18, 0.07)
# A qualitative score chosen inside its band (docs/rules/scoring.md §6), as a share of 分值.
BAND_RATIOS = {
    Band.ACHIEVED: ("0.85", "0.9", "0.95", "1"),
    Band.PARTIAL: ("0.6", "0.65", "0.7", "0.75"),
    Band.NOT_ACHIEVED: ("0.3", "0.4", "0.5", "0.55"),
}
ASSESSMENTS = {
    Band.ACHIEVED: "已按计划完成本期工作，达到预期效果。",
    Band.PARTIAL: "部分工作已完成，仍有事项在推进中。",
    Band.NOT_ACHIEVED: "受客观条件影响，本期工作未能按计划推进。",
}
HUNDRED = Decimal(100)


def quarter_entries(rng: random.Random, variant: Variant, diligence: float, year: int) -> dict[int, Entry]:
    """Each quarter's own figure for one indicator, by quarter (a quarter without one is absent)."""
    aggregation = variant.aggregation
    target = variant.columns["target_value"]
    if aggregation is Aggregation.CUMULATIVE:
        return _cumulative(rng, variant, target, diligence)
    if aggregation is Aggregation.LEVEL:
        whole = target is None or target == target.to_integral_value()
        base = float(target or 10)
        return {q: Entry(value=_amount(base * rng.uniform(0.85, 1.1), whole)) for q in range(1, 5)}
    if aggregation is Aggregation.RATE:
        return _rate(rng, target, diligence)
    if aggregation is Aggregation.QUALITATIVE:
        band = rng.choices(BANDS, BAND_WEIGHTS)[0]
        return {q: Entry(band=band, assessment=ASSESSMENTS[band]) for q in range(1, 5)}
    if aggregation is Aggregation.DEADLINE:
        due = variant.columns["target_date_to"] or variant.columns["target_date_from"] or date(year, 12, 31)
        done = achieved_on(rng, due, year)
        return {} if done is None else {(done.month - 1) // 3 + 1: Entry(achieved_on=done)}
    return {}  # BUDGET: the figure is the linked project's spending, not an entry (docs/rules/aggregation.md §5)


def _cumulative(rng: random.Random, variant: Variant, target: Decimal | None, diligence: float) -> dict[int, Entry]:
    whole = target is None or target == target.to_integral_value()
    base = float(target or 10)
    if variant.direction is Direction.REVERSE:
        total = base * rng.uniform(0.3, 1.3)  # complaints and the like: usually within the limit
    else:
        total = base * diligence * rng.uniform(0.85, 1.2)
    weights = [share * rng.uniform(0.8, 1.2) for share in QUARTER_SHARES]
    scale = total / sum(weights)
    return {q: Entry(value=_amount(scale * w, whole)) for q, w in enumerate(weights, start=1)}


def _rate(rng: random.Random, target: Decimal | None, diligence: float) -> dict[int, Entry]:
    goal = float(target if target is not None else 90)
    as_ratio = rng.random() < 0.5  # half the units enter 成功数 / 受理数, half a percentage
    entries = {}
    for q in range(1, 5):
        if goal >= 100:
            rate = 100.0 if rng.random() < 0.8 else rng.uniform(95, 99.9)
        else:
            rate = min(100.0, goal * diligence * rng.uniform(0.9, 1.25))
        if as_ratio:
            denominator = rng.randint(20, 400)
            numerator = min(denominator, round(denominator * rate / 100))
            entries[q] = Entry(numerator=Decimal(numerator), denominator=Decimal(denominator))
        else:
            entries[q] = Entry(value=Decimal(f"{rate:.2f}"))
    return entries


def achieved_on(rng: random.Random, due: date, year: int) -> date | None:
    """When a deadline task was done: mostly in time, sometimes late, sometimes not at all."""
    draw = rng.random()
    first, last = date(year, 1, 15), date(year, 12, 31)
    if draw < 0.8:
        return max(first, due - timedelta(days=rng.randint(0, 150)))
    if draw < 0.9:
        late = due + timedelta(days=rng.randint(1, 45))
        return late if late <= last else None
    return None


def july_entry(rng: random.Random, aggregation: Aggregation, q3: Entry | None, done: date | None) -> Entry:
    """July's own figure for the monitoring report, in line with the third quarter."""
    if aggregation is Aggregation.DEADLINE:
        return Entry(achieved_on=done) if done is not None and done.month == 7 else Entry()
    if q3 is None:
        return Entry()
    if aggregation is Aggregation.CUMULATIVE:
        whole = q3.value == q3.value.to_integral_value()
        return Entry(value=_amount(float(q3.value) * rng.uniform(0.3, 0.37), whole))
    if aggregation is Aggregation.RATE and q3.denominator is not None:
        denominator = max(1, round(float(q3.denominator) / 3))
        numerator = min(denominator, round(float(q3.numerator) / 3))
        return Entry(numerator=Decimal(numerator), denominator=Decimal(denominator))
    return q3  # levels, rates as a percentage and bands hold from the quarter into July


def chosen_ratio(rng: random.Random, band: Band) -> Decimal:
    return Decimal(rng.choice(BAND_RATIOS[band]))


def budget_amount(rng: random.Random, low: int, high: int) -> Decimal:
    """A budget in 万元, whole as published."""
    return Decimal(rng.randint(low, high))


def spending(rng: random.Random, budget: Decimal, basic: bool) -> dict[int, Decimal]:
    """执行数 per quarter (万元, to 0.01): most of the budget, back-loaded."""
    rate = rng.uniform(0.85, 1.0) if basic else min(1.0, rng.uniform(0.6, 1.05))
    weights = [share * rng.uniform(0.85, 1.15) for share in SPENDING_SHARES]
    scale = float(budget) * rate / sum(weights)
    return {q: Decimal(f"{scale * w:.2f}") for q, w in enumerate(weights, start=1)}


def _amount(value: float, whole: bool) -> Decimal:
    value = max(0.0, value)
    return Decimal(round(value)) if whole else Decimal(f"{value:.2f}")
