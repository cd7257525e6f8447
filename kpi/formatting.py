"""Display formatting for Decimals (templates and CLI), never for storage."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache


def format_number(value: Decimal | None) -> str:
    """19000.0000 -> '19,000'; 99.5000 -> '99.5'; None -> ''."""
    if value is None:
        return ""
    if not value:
        return _number_text(value)  # zeros: -0 prints as such, and equals 0 in a cache
    return _cached_number_text(value)


def _number_text(value) -> str:
    value = Decimal(value)
    if value == value.to_integral_value():
        return f"{value:,.0f}"
    return f"{value.normalize():,f}"


# A progress page formats some 500 figures per request, mostly the same ones as last time. Safe
# to share: equal non-zero numbers of one type print alike (trailing zeros never show); typed, so
# that a float never answers for a Decimal; bounded, so that a long-running server does not grow it.
_cached_number_text = lru_cache(maxsize=16384, typed=True)(_number_text)


def format_money(value: Decimal | None) -> str:
    """万元 with up to 2 decimals, as budget tables print them: 1276 -> '1,276'."""
    if value is None:
        return ""
    value = Decimal(value).quantize(Decimal("0.01"))
    return format_number(value)


def json_number(value: Decimal | None) -> int | float | None:
    """A JSON number for CLI output: integral values as ints, others as their shortest float."""
    if value is None:
        return None
    value = Decimal(value)
    if value == value.to_integral_value():
        return int(value)
    return float(value.normalize())


COMPARATOR_SYMBOLS = {">=": "≥", "<=": "≤", "=": "", ">": ">", "<": "<"}


def format_comparator(comparator: str | None) -> str:
    """The symbol a Chinese table prints: '>=' -> '≥'; '=' prints nothing (the value itself)."""
    return COMPARATOR_SYMBOLS.get(comparator or "", "")
