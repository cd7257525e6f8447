"""Display formatting for Decimals (templates and CLI), never for storage."""

from __future__ import annotations

from decimal import Decimal

from kpi.domain.numbers import number_text


def format_number(value: Decimal | None) -> str:
    """19000.0000 -> '19,000'; 99.5000 -> '99.5'; -0 -> '0'; None -> '' (kpi.domain.numbers)."""
    return "" if value is None else number_text(Decimal(value))


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
