"""Printed pages that each carry their own 一级/二级 labels (docs/rules/layouts.md §1).

A spreadsheet program prints a merged cell's text once, in the middle of the whole block: a
一级指标 block of 30 rows that starts on page 1 shows its label only on page 2, and page 1 has
those columns blank. So the pages are cut here, where the program would cut them, and every
merged label block that crosses a cut is split in two, each part with the label.

To know where a page ends, the scale that "fit to width" will choose is computed from the column
widths, in the default font's metrics (Calibri, or Carlito, its metric twin, in LibreOffice): a
program whose default font is wider shrinks the page further, and its pages come out shorter than
counted, never longer. Every row gets an explicit height (a row left to the program's "optimal
height" could come out taller than counted). The cuts are manual page breaks, placed with a safety
margin, so that the program never has to add one of its own.
"""

from __future__ import annotations

import math

from openpyxl.utils import get_column_letter
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from kpi.reports.sizing import LINE_HEIGHT

A4_LANDSCAPE = (11.69, 8.27)  # inches
POINTS = 72
DEFAULT_WIDTH = 8.43  # characters: a column without a width of its own
ONE_LINE = LINE_HEIGHT + 4  # points: the height a one-line row is given
SAFETY = 0.93  # of the page's printable height and width: fonts and rounding differ by program


def column_points(width: float) -> float:
    """A column's printed width in points: Excel's width unit is one digit of the default font
    (7 px at 96 dpi, padding included), and a pixel is 0.75 point."""
    return width * 7 * 0.75


def print_scale(ws: Worksheet) -> int:
    """The percentage at which every column of ``ws`` fits the printable page width."""
    dimensions = [ws.column_dimensions[get_column_letter(column)] for column in range(1, ws.max_column + 1)]
    width = sum(column_points(dimension.width or DEFAULT_WIDTH) for dimension in dimensions if not dimension.hidden)
    margins = ws.page_margins.left + ws.page_margins.right
    printable = (A4_LANDSCAPE[0] - margins) * POINTS * SAFETY
    return max(10, min(100, math.floor(100 * printable / width)))


def break_pages(
    ws: Worksheet,
    header_row: int,
    *,
    repeat_from: int,
    label_columns: tuple[int, ...] = (1, 2),
    closing_from: int | None = None,
) -> list[int]:
    """Cut ``ws`` into A4 landscape pages (after ``style.setup_print``) and split the merged blocks
    of ``label_columns`` at each cut, the label repeated. Returns the last row of every page but the
    last. Rows ``repeat_from``–``header_row`` print again at the top of every later page. The rows
    from ``closing_from`` on (总分, the summary, the sign-off block) are never a page of their own:
    the last rows of the grid go along with them."""
    scale = print_scale(ws)
    margins = ws.page_margins.top + ws.page_margins.bottom
    page = (A4_LANDSCAPE[1] - margins) * POINTS * SAFETY * 100 / scale
    heights = {row: _height(ws, row) for row in range(1, ws.max_row + 1)}
    repeated = sum(heights[row] for row in range(repeat_from, header_row + 1))
    cuts, used, first = [], sum(heights[row] for row in range(1, header_row + 1)), header_row + 1
    for row in range(header_row + 1, ws.max_row + 1):
        if used + heights[row] > page and row > first:
            cut = row - 1
            if closing_from is not None and row >= closing_from and closing_from - KEEP_WITH_CLOSING > first:
                cut = min(cut, closing_from - KEEP_WITH_CLOSING - 1)
            cuts.append(cut)
            first = cut + 1
            used = repeated + sum(heights[r] for r in range(first, row))
        used += heights[row]
    for cut in cuts:
        ws.row_breaks.append(Break(id=cut))
    _split_labels(ws, cuts, label_columns)
    return cuts


KEEP_WITH_CLOSING = 2  # grid rows that go to the next page with the closing rows


def _height(ws: Worksheet, row: int) -> float:
    dimension = ws.row_dimensions[row]
    if dimension.height is None:
        dimension.height = ONE_LINE
    return dimension.height


def _split_labels(ws: Worksheet, cuts: list[int], columns: tuple[int, ...]) -> None:
    for merged in list(ws.merged_cells.ranges):
        if merged.min_col != merged.max_col or merged.min_col not in columns:
            continue
        inside = [cut for cut in cuts if merged.min_row <= cut < merged.max_row]
        if not inside:
            continue
        top = ws.cell(row=merged.min_row, column=merged.min_col)
        label, look = top.value, top.style
        column, first, last = merged.min_col, merged.min_row, merged.max_row
        ws.unmerge_cells(str(merged))
        for start, end in zip([first, *(cut + 1 for cut in inside)], [*inside, last], strict=True):
            for row in range(start, end + 1):
                ws.cell(row=row, column=column).style = look
            cell = ws.cell(row=start, column=column)
            cell.value = label
            if isinstance(label, str):
                cell.data_type = "s"  # the label is text, as write_text made it
            if end > start:
                ws.merge_cells(start_row=start, start_column=column, end_row=end, end_column=column)


LEGIBLE = 0.85  # the least scale for a sheet cut into column sections: 11-point text prints at 9.35


def column_sections(
    widths: list[float], *, repeat: int = 1, groups: int = 1, first_group: int | None = None
) -> list[int]:
    """Where to cut a sheet too wide for A4 into page sections, each printing the first ``repeat``
    columns again: the last column of every section but the last. Columns after ``first_group``
    (default: ``repeat``) go in ``groups`` that stay together (a report's 状态 and 送审日期)."""
    room = (A4_LANDSCAPE[0] - 0.8) * POINTS * SAFETY / LEGIBLE - sum(column_points(w) for w in widths[:repeat])
    start = repeat if first_group is None else first_group
    units = [list(range(repeat, start))] if start > repeat else []
    units += [list(range(column, min(column + groups, len(widths)))) for column in range(start, len(widths), groups)]
    cuts, used = [], 0.0
    for unit in units:
        width = sum(column_points(widths[column]) for column in unit)
        if used and used + width > room:
            cuts.append(unit[0])  # the 1-based number of the section's last column
            used = 0.0
        used += width
    return cuts


def print_in_sections(ws, widths: list[float], cuts: list[int], *, repeat: int = 1) -> int:
    """Print ``ws`` in the column sections ``cuts`` (column_sections), the first ``repeat`` columns on
    each, at one scale that fits the widest section; returns that scale. Works before the first row
    of a write-only sheet, like style.setup_print (which it follows)."""
    bounds = [0, *cuts, len(widths)]
    repeated = sum(column_points(w) for w in widths[:repeat])
    widest = max(
        repeated + sum(column_points(w) for w in widths[max(first, repeat) : last])
        for first, last in zip(bounds, bounds[1:], strict=False)
    )
    margins = ws.page_margins.left + ws.page_margins.right
    scale = max(10, min(100, math.floor(100 * (A4_LANDSCAPE[0] - margins) * POINTS * SAFETY / widest)))
    ws.page_setup.scale = scale
    ws.page_setup.fitToWidth = ws.page_setup.fitToHeight = None
    ws.sheet_properties.pageSetUpPr.fitToPage = False
    for cut in cuts:
        ws.col_breaks.append(Break(id=cut))
    if repeat:
        ws.print_title_cols = f"A:{get_column_letter(repeat)}"
    return scale
