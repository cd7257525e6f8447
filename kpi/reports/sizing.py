"""Column widths and row heights that fit what a cell shows (docs/rules/layouts.md §1).

Widths are counted in Excel's unit, one digit of the default font; a CJK character counts double,
and a number as its format shows it, in the body font's wider metrics: a number does not wrap,
and one wider than its column prints ###. Row heights are written for wrapped text, because a
spreadsheet program keeps an .xlsx row at one line on opening and the text would print over the
next row. Used by every workbook builder through kpi.reports.style's layouts.
"""

from __future__ import annotations

import math
import unicodedata
from datetime import date
from decimal import Decimal
from functools import lru_cache

from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from kpi.domain.numbers import number_text


def shown_width(value: object, number_format: str | None = None) -> int:
    """The width of a value as its number format shows it: 4870 under '#,##0"宗"' reads
    "4,870宗", 1 under 0.00% "100.00%". A number does not wrap: a column too narrow prints ###."""
    if (
        isinstance(value, int | float | Decimal)
        and not isinstance(value, bool)
        and number_format not in (None, "General")
    ):
        fmt = number_format
        percent = "%" in fmt.replace('"%"', "")
        decimals = len(fmt.split(".", 1)[1].split('"')[0].rstrip("%")) if "." in fmt else 0
        number = Decimal(str(value)) * (100 if percent else 1)
        text = f"{number:,.{decimals}f}" if "," in fmt else f"{number:.{decimals}f}"
        suffix = "".join(fmt.split('"')[1::2]) + ("%" if percent else "")
        # In the body font (仿宋, or its stand-in) a digit is wider than one of the default font's,
        # in which widths are counted, and a CJK unit more than two: count a fifth more.
        shown = text + suffix
        wide = sum(1 for ch in shown if unicodedata.east_asian_width(ch) in ("W", "F"))
        return math.ceil((len(shown) - wide) * 1.2 + wide * 2.2)
    return text_width(value)


def text_width(value: object) -> int:
    """Display width in Excel character units: CJK and full-width characters count double."""
    if value is None:
        return 0
    if isinstance(value, Decimal):
        text = number_text(value)
    elif isinstance(value, date):
        text = "2000-01-01"
    else:
        text = str(value)
    return _line_width(max(text.split("\n"), key=len, default=""))


def _line_width(line: str) -> int:
    # Short texts are cached: the same labels (一级/二级 names, statuses, targets) recur on every
    # unit's sheet. Long ones (notes) are not, so the cache's memory stays small.
    return _short_width(line) if len(line) <= _CACHED_LENGTH else _width(line)


def _width(line: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in line)


_CACHED_LENGTH = 200
_short_width = lru_cache(maxsize=65536)(_width)


def fit_columns(ws: Worksheet, min_width: int = 6, max_width: int = 40, *, skip_rows: int = 0) -> None:
    """Set each column's width to fit its longest value, within [min_width, max_width].

    Merged cells (the title, the header lines) are left out: they span many columns.
    Text longer than ``max_width`` wraps (the text styles wrap).
    """
    merged = {
        (r, c)
        for rng in ws.merged_cells.ranges
        for r in range(rng.min_row, rng.max_row + 1)
        for c in range(rng.min_col, rng.max_col + 1)
    }
    widths: dict[int, int] = {}
    for row in ws.iter_rows(min_row=skip_rows + 1):
        for cell in row:
            if cell.value is None or (cell.row, cell.column) in merged:
                continue
            widths[cell.column] = max(widths.get(cell.column, 0), shown_width(cell.value, cell.number_format))
    for column in range(1, ws.max_column + 1):
        width = widths.get(column, 0) + 2
        ws.column_dimensions[get_column_letter(column)].width = min(max(width, min_width), max_width)


LINE_HEIGHT = 14.5  # points per line of 11-point 仿宋


def row_height(cells) -> float | None:
    """The height a row needs for its wrapped texts, given (value, width) pairs; None for one line.

    LibreOffice keeps an .xlsx row at one line on opening, so wrapped text would overlap the
    next row (and print so) unless the height is written."""
    lines = 1
    for value, width in cells:
        if isinstance(value, str) and width:
            # A CJK character of 11-point 仿宋 is 11 points, a little more than two digits of the
            # default font (2 × 5.25): count a line a tenth short, or the last words print cut off.
            per_line = max(int((width - 1) * 0.9), 1)
            if 2 * len(value) <= per_line and "\n" not in value:
                continue  # one line even if every character is double width: most cells
            needed = (
                _lines_needed(value, per_line)
                if len(value) <= _CACHED_LENGTH
                else _lines_needed.__wrapped__(value, per_line)
            )
            lines = max(lines, needed)
    return LINE_HEIGHT * lines + 4 if lines > 1 else None


@lru_cache(maxsize=65536)
def _lines_needed(text: str, per_line: int) -> int:
    return sum(math.ceil(max(_line_width(part), 1) / per_line) for part in text.split("\n"))


def fit_rows(ws: Worksheet, first_row: int = 1) -> None:
    """Write each row's height from its wrapped text; a merged cell counts its whole width."""
    widths = {c: ws.column_dimensions[get_column_letter(c)].width or 8.43 for c in range(1, ws.max_column + 1)}
    spans, covered = {}, set()
    for merged in ws.merged_cells.ranges:
        spans[(merged.min_row, merged.min_col)] = (
            sum(widths.get(c, 8.43) for c in range(merged.min_col, merged.max_col + 1)),
            merged.max_row - merged.min_row + 1,
        )
        covered |= {(r, c) for r, c in merged.cells} - {(merged.min_row, merged.min_col)}
    for row in ws.iter_rows(min_row=first_row):
        pairs = []
        for cell in row:
            if (cell.row, cell.column) in covered:
                continue
            width, rows = spans.get((cell.row, cell.column), (widths.get(cell.column), 1))
            if rows == 1:  # a cell merged down several rows already has their height
                pairs.append((cell.value, width))
        height = row_height(pairs)
        if height:
            ws.row_dimensions[row[0].row].height = height
