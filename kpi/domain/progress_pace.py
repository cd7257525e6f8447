"""The pace of a year: how much is due by now, and where the year ends if the pace holds.

Time and the quarterly plan (季度计划) are one question, asked by both the expected-by-now
figure and the forecast; the lights in kpi.domain.progress only read the answer. Kept apart
so that the plan's gap-filling rule (docs/rules/progress.md §2) sits in one short place.
Pure: no I/O.
"""

from collections.abc import Sequence
from decimal import Decimal

from kpi.domain.aggregation import Aggregation
from kpi.domain.progress_numbers import HUNDRED, round_cents

_FULL = Decimal("100.00")  # what a rate, level or qualitative target should hold at any time


def months_of(as_of_quarter: int, months_elapsed: int | None) -> int:
    """Months elapsed: three per quarter unless given (7 for the 1–7月 monitoring report)."""
    if not 0 <= as_of_quarter <= 4:
        raise ValueError(f"as_of_quarter must be 0–4, not {as_of_quarter}")
    months = 3 * as_of_quarter if months_elapsed is None else months_elapsed
    if not 0 <= months <= 12:
        raise ValueError(f"months_elapsed must be 0–12, not {months}")
    return months


def time_progress(months: int) -> Decimal:
    """Months elapsed ÷ 12, in % (时间进度)."""
    return round_cents(Decimal(months) / 12 * HUNDRED)


def expected(aggregation: Aggregation, months: int, due: Decimal | None) -> Decimal | None:
    """Expected by now in %, from ``due`` (a cumulative target's share due, see due_share)."""
    if aggregation in (Aggregation.DEADLINE, Aggregation.BUDGET):
        return None
    if aggregation is not Aggregation.CUMULATIVE:
        return _FULL if months else None
    return round_cents(due * HUNDRED)


def due_share(
    aggregation: Aggregation, plan: Sequence[Decimal | None], target_value: Decimal | None, months: int
) -> Decimal | None:
    """A cumulative target's share due by now (plan-aware); None for the other rules."""
    return _fraction(plan, target_value, months) if aggregation is Aggregation.CUMULATIVE else None


def forecast(aggregation: Aggregation, value: Decimal | None, due: Decimal | None, months: int) -> Decimal | None:
    """The year-end value if the pace so far holds (``due``: the cumulative plan's share by now)."""
    if value is None:
        return None
    if aggregation in (Aggregation.RATE, Aggregation.LEVEL):
        return value  # a rate or a level is already its own year-end estimate
    if aggregation is Aggregation.CUMULATIVE:
        return round_cents(value / due) if due else None
    if aggregation is Aggregation.BUDGET:
        return round_cents(value * 12 / months)
    return None


def _fraction(plan: Sequence[Decimal | None], target_value: Decimal | None, months: int) -> Decimal:
    """The share of the year's cumulative target due after ``months`` months (plan-aware)."""
    amounts = _plan(plan, target_value)
    if amounts is None:
        return Decimal(months) / 12
    full, rest = divmod(months, 3)
    due = sum(amounts[:full], Decimal(0))
    if rest:  # inside a quarter (1–7月): that quarter's plan accrues month by month
        due += amounts[full] * rest / 3
    return due / sum(amounts, Decimal(0))


def _plan(plan: Sequence[Decimal | None], target_value: Decimal | None) -> tuple[Decimal, ...] | None:
    """The four quarterly amounts to pace against, or None for an even plan."""
    amounts = tuple(plan)
    if len(amounts) != 4 or any(a is not None and a < 0 for a in amounts):
        return None
    known = [a for a in amounts if a is not None]
    total = sum(known, Decimal(0))
    if len(known) == 4:
        return amounts if total > 0 else None
    if known and target_value is not None and target_value > total:
        share = (target_value - total) / (4 - len(known))
        return tuple(share if a is None else a for a in amounts)
    return None
