"""The one way a Decimal is written as text, on pages, in workbooks, workings and forms.

Exact (format "f", never normalize(), which rounds to the context's precision), without
exponent or trailing zeros, and zero is "0" whatever its sign or scale (-0, 0E-2, 0.00).
"""

from __future__ import annotations

from decimal import Decimal


def plain_number(value: Decimal) -> str:
    """1E+3 -> "1000", 2.50 -> "2.5", -0.00 -> "0": for form inputs and comparisons."""
    return _without_trailing_zeros(format(value, "f"))


def number_text(value: Decimal) -> str:
    """plain_number with thousands separators, as tables print figures: 19000 -> "19,000"."""
    return _without_trailing_zeros(format(value, ",f"))


def _without_trailing_zeros(text: str) -> str:
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text
