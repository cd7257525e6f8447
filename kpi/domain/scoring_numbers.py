"""Decimal arithmetic and display shared by the scoring code (pure, no I/O).

One wide context and a fixed quantum instead of a `localcontext()` per call: a scoring
pass rounds and formats hundreds of thousands of figures (see bench/, scoring).
"""

from decimal import ROUND_HALF_UP, Context, Decimal
from functools import lru_cache

from kpi.domain.numbers import number_text

_WIDE = Context(prec=60)
_CENT = Decimal("0.01")


def pct(part: Decimal, whole: Decimal) -> Decimal:
    # × 100 as scaleb(2): the same value as multiplying by HUNDRED (exact either way), cheaper;
    # rounded as round2 does, written out to save a call per indicator.
    return _WIDE.divide(part, whole).scaleb(2, _WIDE).quantize(_CENT, ROUND_HALF_UP, _WIDE)


def round2(value: Decimal) -> Decimal:
    return value.quantize(_CENT, ROUND_HALF_UP, _WIDE)


_QUANTA = {2: _CENT, 1: Decimal("0.1"), 0: Decimal(1)}
# What the working says after a score rounded otherwise than to the usual 2 decimals
# (docs/rules/scoring.md §14.3): published whole-point tables round half up (8.62 → 9).
ROUNDING_WORDS = {2: "", 1: "（四舍五入保留 1 位小数）", 0: "（四舍五入取整）"}


def round_score(value: Decimal, places: int) -> Decimal:
    """得分 rounded half up to ``places`` decimals, straight from the exact value (never 8.495 →
    8.50 → 9); with 2 decimals it is round2, as it always was."""
    return value.quantize(_QUANTA[places], ROUND_HALF_UP, _WIDE)


# Cached for speed: a scoring pass writes the same few thousand figures (分值 of each level, 0,
# 100, common scores) into its workings over and over. Safe because equal Decimals print alike
# (kpi.domain.numbers); typed, so that only Decimals share entries; bounded.
num_text = lru_cache(maxsize=16384, typed=True)(number_text)
