"""The Decimal arithmetic of progress: percentages to 2 decimals, half up.

Apart from kpi.domain.progress so that both halves of a judgement, the pace (what is due by
now, kpi.domain.progress_pace) and the lights (kpi.domain.progress), round the same way.
Pure: no I/O.
"""

from decimal import ROUND_HALF_UP, Context, Decimal

HUNDRED = Decimal(100)

# Explicit contexts rather than a localcontext() per call: a progress page works out some 300
# percentages and texts per request, and the finance bureau's export a thousand times more.
_RATIO = Context(prec=50)
_WIDE = Context(prec=60)  # quantize and normalize must never run out of digits, however large the figures
_CENT = Decimal("0.01")


def percent(part: Decimal, whole: Decimal) -> Decimal:
    """part ÷ whole in %, to 2 decimals (docs/rules/progress.md: percentages are rounded half up)."""
    return round_cents(_RATIO.multiply(_RATIO.divide(part, whole), HUNDRED))


def round_cents(value: Decimal) -> Decimal:
    return value.quantize(_CENT, ROUND_HALF_UP, _WIDE)
