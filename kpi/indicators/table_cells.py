"""A spreadsheet cell as the text or number a reader of the sheet takes it to mean.

Shared by the target-table reader (kpi.indicators.table_reader) and the quarterly upload
(kpi.results.workbook_upload): a percent-formatted 0.955 is "95.5%", 1000.0 is "1000", a date
"2023年3月20日", and text comes back cleaned of control characters and in-cell line wrapping.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from functools import lru_cache

from kpi.core.text import clean_text


def cell_text(cell) -> str:
    """Render a cell as the text a reader of the sheet would take it to mean."""
    value = cell.value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (dt.datetime, dt.date)):
        return f"{value.year}年{value.month}月{value.day}日"
    if isinstance(value, (int, float)):
        number = decimal_of(value)
        if is_percent_format(cell.number_format):
            return f"{format_decimal(number * 100)}%"
        return format_decimal(number)
    if isinstance(value, str):
        return clean_cell_text(value)
    return clean_cell_text(str(value))  # times and durations: rare, kept readable


def decimal_of(number: int | float) -> Decimal:
    # Excel keeps 15 significant digits; anything past that is float noise
    # (0.07 * 100 = 7.000000000000001) that must not reach the user.
    return Decimal(number) if isinstance(number, int) else Decimal(f"{number:.15g}")


def plain(number: Decimal) -> Decimal:
    """Drop trailing zeros without switching to exponent form (1000.0 -> 1000, not 1E+3)."""
    return Decimal(format_decimal(number))


def format_decimal(number: Decimal) -> str:
    text = format(number, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


@lru_cache(maxsize=256)
def is_percent_format(number_format: str | None) -> bool:
    if not number_format:
        return False
    # A quoted or escaped "%" is a literal sign that does not scale the value.
    unquoted = re.sub(r'"[^"]*"|\\.', "", number_format)
    return "%" in unquoted


_LINE_BREAK = re.compile(r"[ \t\u3000\xa0]*\r?\n[ \t\u3000\xa0\r\n]*")


def clean_cell_text(text: str) -> str:
    """Strip the ends and undo in-cell line wrapping.

    A break between Chinese characters is layout, not a space; between Latin
    words or digits it stands for one.
    """
    text = clean_text(text).strip()  # a NUL or ESC from a broken export never reaches the database

    def join(m: re.Match) -> str:
        before, after = m.string[m.start() - 1], m.string[m.end()]
        return " " if before.isascii() and after.isascii() else ""

    return _LINE_BREAK.sub(join, text)
