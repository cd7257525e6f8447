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


# Cached for speed: a scoring pass writes the same few thousand figures (分值 of each level, 0,
# 100, common scores) into its workings over and over. Safe because equal Decimals print alike
# (kpi.domain.numbers); typed, so that only Decimals share entries; bounded.
num_text = lru_cache(maxsize=16384, typed=True)(number_text)
