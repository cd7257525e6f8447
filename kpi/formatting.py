"""Display formatting for Decimals (templates and CLI), never for storage."""

from __future__ import annotations

from decimal import Decimal

from kpi.domain.numbers import number_text
from kpi.domain.progress_numbers import round_cents


def format_number(value: Decimal | None) -> str:
    """19000.0000 -> '19,000'; 99.5000 -> '99.5'; -0 -> '0'; None -> '' (kpi.domain.numbers)."""
    return "" if value is None else number_text(Decimal(value))


def format_money(value: Decimal | None) -> str:
    """万元 with exactly 2 decimals, as the workbooks print them (#,##0.00): 1276 -> '1,276.00'."""
    return "" if value is None else _two_decimals(value)


def format_rate(value: Decimal | None) -> str:
    """A rate already in percent, with exactly 2 decimals and its sign, as the workbooks print
    it (0.00%): 54.2388 -> '54.24%', 50 -> '50.00%'; None -> ''."""
    return "" if value is None else f"{_two_decimals(value)}%"


def _two_decimals(value: Decimal) -> str:
    """The workbooks' one rounding rule, half up: 1276 -> '1,276.00', 0.125 -> '0.13', -0.001 -> '0.00'."""
    text = number_text(round_cents(Decimal(value)))
    whole, _dot, fraction = text.partition(".")
    return f"{whole}.{fraction.ljust(2, '0')}"


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
