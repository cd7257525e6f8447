"""Decimal arithmetic and display shared by the scoring code (pure, no I/O).

One wide context and a fixed quantum instead of a `localcontext()` per call: a scoring
pass rounds and formats hundreds of thousands of figures (see bench/, scoring).
"""

from decimal import ROUND_HALF_UP, Context, Decimal
from functools import lru_cache

_WIDE = Context(prec=60)
_CENT = Decimal("0.01")


def pct(part: Decimal, whole: Decimal) -> Decimal:
    # × 100 as scaleb(2): the same value as multiplying by HUNDRED (exact either way), cheaper;
    # rounded as round2 does, written out to save a call per indicator.
    return _WIDE.divide(part, whole).scaleb(2, _WIDE).quantize(_CENT, ROUND_HALF_UP, _WIDE)


def round2(value: Decimal) -> Decimal:
    return value.quantize(_CENT, ROUND_HALF_UP, _WIDE)


# Cached for speed: a scoring pass formats the same few thousand figures (分值 of each level,
# 0, 100, common scores) over and over. Safe because equal Decimals format alike (normalize
# makes 12.50 and 12.5 the same text; 0 in any form is caught first); typed so that only
# Decimals share entries; bounded so that a long-running server does not grow it forever.
@lru_cache(maxsize=16384, typed=True)
def num_text(value: Decimal) -> str:
    """19000 -> "19,000", 12.50 -> "12.5": thousands separators, no trailing zeros."""
    if value == 0:
        return "0"  # not "-0" or "0E-2"
    return format(value.normalize(_WIDE), ",f")
