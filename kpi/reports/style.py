"""The one house style of every workbook the system writes (docs/rules/layouts.md §1).

A merged title; unit, year and 金额单位：万元 on the header lines; thin borders and
宋体/仿宋 fonts; column widths that fit the text; frozen header rows; A4 landscape
with the header rows repeated on every page. Styles are NamedStyles registered
once per workbook and assigned by name (docs/engineering.md §5: a Font per cell is ~4× slower).

Cells are locked unless their style is an ``input`` one, so a protected sheet
leaves exactly the input cells editable. Every text goes through ``write_text``,
which cleans it and never lets it become a formula. Only openpyxl's documented
API is used (docs/engineering.md §5): tests/reports/test_public_api.py keeps it so.
"""

from __future__ import annotations

import io
from decimal import Decimal
from typing import NamedTuple

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from kpi.core.text import clean_text

TITLE_FONT = "宋体"
BODY_FONT = "仿宋"

# Style names; builders assign them as ``cell.style = TEXT``.
TITLE, SUBTITLE, HEADER, SECTION = "kpi_title", "kpi_subtitle", "kpi_header", "kpi_section"
TEXT, NUMBER, MONEY, PERCENT, DATE = "kpi_text", "kpi_number", "kpi_money", "kpi_percent", "kpi_date"
INPUT_TEXT, INPUT_NUMBER, INPUT_MONEY, INPUT_DATE = (
    "kpi_input_text",
    "kpi_input_number",
    "kpi_input_money",
    "kpi_input_date",
)
INPUT_PERCENT = "kpi_input_percent"  # a rate typed as a percentage: 95 reads "95.00%"
NOT_APPLICABLE = "kpi_not_applicable"  # greyed and locked: the field does not apply to this row

MONEY_FORMAT = "#,##0.00"
PERCENT_FORMAT = "0.00%"  # for fractions (0.95 → 95.00%)
PERCENT_NUMBER_FORMAT = '0.00"%"'  # for percentages kept as 0–100; the quoted % does not scale
DATE_FORMAT = "yyyy-mm-dd"
TEXT_FORMAT = "@"  # Excel keeps what is typed into such a cell as text, "=1+1" included

INPUT_FILL = PatternFill("solid", fgColor="FFF9E5")
NOT_APPLICABLE_FILL = PatternFill("solid", fgColor="D9D9D9")
HEADER_FILL = PatternFill("solid", fgColor="EEF2F7")
_THIN = Side(style="thin", color="808080")
BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)


def _styles() -> list[NamedStyle]:
    body = Font(name=BODY_FONT, size=11)
    wrap = Alignment(vertical="center", wrap_text=True)
    right = Alignment(horizontal="right", vertical="center")
    centre = Alignment(horizontal="center", vertical="center", wrap_text=True)
    locked, unlocked = Protection(locked=True), Protection(locked=False)

    def style(name, *, font=body, alignment=wrap, number_format="General", fill=None, border=BORDER, protection=locked):
        named = NamedStyle(
            name=name,
            font=font,
            alignment=alignment,
            number_format=number_format,
            border=border or Border(),
            protection=protection,
        )
        if fill is not None:
            named.fill = fill
        return named

    return [
        style(TITLE, font=Font(name=TITLE_FONT, size=16, bold=True), alignment=centre, border=None),
        style(SUBTITLE, alignment=Alignment(vertical="center"), border=None),
        style(HEADER, font=Font(name=TITLE_FONT, size=11, bold=True), alignment=centre, fill=HEADER_FILL),
        style(
            SECTION,
            font=Font(name=TITLE_FONT, size=11, bold=True),
            fill=HEADER_FILL,
            alignment=Alignment(horizontal="left", vertical="center"),
        ),  # a group row inside a table
        style(TEXT, number_format=TEXT_FORMAT),
        style(NUMBER, alignment=right),
        style(MONEY, alignment=right, number_format=MONEY_FORMAT),
        style(PERCENT, alignment=right, number_format=PERCENT_FORMAT),
        style(DATE, alignment=right, number_format=DATE_FORMAT),
        style(INPUT_TEXT, number_format=TEXT_FORMAT, fill=INPUT_FILL, protection=unlocked),
        style(INPUT_NUMBER, alignment=right, fill=INPUT_FILL, protection=unlocked),
        style(INPUT_MONEY, alignment=right, number_format=MONEY_FORMAT, fill=INPUT_FILL, protection=unlocked),
        style(
            INPUT_PERCENT, alignment=right, number_format=PERCENT_NUMBER_FORMAT, fill=INPUT_FILL, protection=unlocked
        ),
        style(INPUT_DATE, alignment=right, number_format=DATE_FORMAT, fill=INPUT_FILL, protection=unlocked),
        style(NOT_APPLICABLE, fill=NOT_APPLICABLE_FILL),
    ]


def add_styles(wb: Workbook) -> None:
    """Register the house styles on ``wb`` (idempotent)."""
    existing = set(wb.named_styles)
    for named in _styles():
        if named.name not in existing:
            wb.add_named_style(named)


def workbook_bytes(wb: Workbook) -> bytes:
    """The workbook as .xlsx bytes, saved by openpyxl's own ``wb.save``."""
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def merged_label(ws: Worksheet, first: int, last: int, column: int, text: str) -> None:
    """``text`` in one TEXT cell merged down rows first..last of ``column`` (一级/二级 labels)."""
    write_text(ws.cell(row=first, column=column), text)
    for row in range(first, last + 1):
        ws.cell(row=row, column=column).style = TEXT
    if last > first:
        ws.merge_cells(start_row=first, start_column=column, end_row=last, end_column=column)


def write_text(cell: Cell, value: object) -> Cell:
    """Store ``value`` as a plain string, never a formula (docs/rules/layouts.md §1: user text).

    openpyxl turns any string starting with "=" into a formula, and spreadsheet programs also
    read "+ - @" (and a leading tab or CR) as the start of one. Marking every text cell as a
    string covers them all.
    """
    text = "" if value is None else clean_text(str(value))  # never a character openpyxl refuses
    cell.value = text or None
    if text:
        cell.data_type = "s"
    return cell


class Styled(NamedTuple):
    """A cell's value and look, decided once by a builder and applied in either openpyxl mode:
    ``put`` on a normal cell, ``streamed`` for a write-only sheet. A ``str`` value is always
    written as text (``write_text``)."""

    value: object
    style: str = TEXT
    number_format: str | None = None  # overrides the named style's own
    fill: PatternFill | None = None
    alignment: Alignment | None = None


def put(cell: Cell, styled: Styled) -> Cell:
    """Write ``styled`` into a cell: a normal sheet's, or a ``WriteOnlyCell``."""
    if isinstance(styled.value, str):
        write_text(cell, styled.value)
    else:
        cell.value = styled.value
    dress(cell, styled)
    return cell


def streamed(ws, styled: Styled) -> WriteOnlyCell:
    """A cell of ``styled`` for a write-only sheet's ``append``."""
    return put(WriteOnlyCell(ws), styled)


def dress(cell: Cell, styled: Styled) -> None:
    """Give ``cell`` the look of ``styled`` (its named style first: that resets the rest)."""
    cell.style = styled.style
    if styled.number_format is not None:
        cell.number_format = styled.number_format
    if styled.fill is not None:
        cell.fill = styled.fill
    if styled.alignment is not None:
        cell.alignment = styled.alignment


def write_title(ws: Worksheet, text: str, width_cols: int, *, row: int = 1, first_col: int = 1) -> None:
    """A merged, centred title across ``width_cols`` columns."""
    cell = ws.cell(row=row, column=first_col)
    write_text(cell, text)
    cell.style = TITLE
    if width_cols > 1:
        ws.merge_cells(start_row=row, start_column=first_col, end_row=row, end_column=first_col + width_cols - 1)
    ws.row_dimensions[row].height = 30


def write_header_lines(
    ws: Worksheet,
    unit: str,
    year: int,
    *,
    width_cols: int,
    row: int = 2,
    first_col: int = 1,
    period: str | None = None,
    extra: str | None = None,
) -> int:
    """The line under the title: unit, year (and period), 金额单位：万元. Returns the next free row.

    ``extra`` adds a second line (e.g. the filling instructions) merged across the width.
    """
    last_col = first_col + width_cols - 1
    left_width = max(1, width_cols // 2)
    write_text(ws.cell(row=row, column=first_col), f"单位名称：{unit}").style = SUBTITLE
    if left_width > 1:
        ws.merge_cells(start_row=row, start_column=first_col, end_row=row, end_column=first_col + left_width - 1)
    middle = first_col + left_width
    if middle < last_col:
        write_text(
            ws.cell(row=row, column=middle), f"年度：{year}年" + (f"（{period}）" if period else "")
        ).style = SUBTITLE
        if last_col - 1 > middle:
            ws.merge_cells(start_row=row, start_column=middle, end_row=row, end_column=last_col - 1)
    unit_cell = write_text(ws.cell(row=row, column=last_col), "金额单位：万元")
    unit_cell.style = SUBTITLE
    unit_cell.alignment = Alignment(horizontal="right", vertical="center")
    row += 1
    if extra:
        write_text(ws.cell(row=row, column=first_col), extra).style = SUBTITLE
        ws.cell(row=row, column=first_col).alignment = Alignment(vertical="center", wrap_text=True)
        if width_cols > 1:
            ws.merge_cells(start_row=row, start_column=first_col, end_row=row, end_column=last_col)
        ws.row_dimensions[row].height = 32
        row += 1
    return row


SIGN_OFF_FIELDS = (("填报人", "联系电话", "审核人"), ("填报日期", "审核日期", "单位（盖章）"))
SEAL_HEIGHT = 42  # points: room for the unit's seal on the second line


def write_sign_off(
    ws: Worksheet, row: int, width_cols: int, filed_by: str, filed_on: str, approved_by: str, approved_on: str
) -> int:
    """The sign-off block printed reports end with (docs/rules/layouts.md §7): two lines of three
    fields, each merged across a third of the width. 联系电话 and the seal are left for the pen;
    审核人 and 审核日期 are the final approval's, blank while the report is not approved.
    Returns the row after the block."""
    values = {"填报人": filed_by, "填报日期": filed_on, "审核人": approved_by, "审核日期": approved_on}
    third = max(1, width_cols // 3)
    for offset, labels in enumerate(SIGN_OFF_FIELDS):
        for index, label in enumerate(labels):
            first = 1 + index * third
            last = width_cols if index == len(labels) - 1 else first + third - 1
            write_text(ws.cell(row=row + offset, column=first), f"{label}：{values.get(label, '')}").style = SUBTITLE
            if last > first:
                ws.merge_cells(start_row=row + offset, start_column=first, end_row=row + offset, end_column=last)
    ws.row_dimensions[row + 1].height = SEAL_HEIGHT
    return row + len(SIGN_OFF_FIELDS)


def write_header_row(ws: Worksheet, row: int, labels: list[str], *, first_col: int = 1) -> None:
    for offset, label in enumerate(labels):
        write_text(ws.cell(row=row, column=first_col + offset), label).style = HEADER


def number_format_for(value: Decimal | None) -> str:
    """A display format for a known quantity: no decimals for whole numbers, up to 4 otherwise."""
    if value is None or value == value.to_integral_value():
        return "#,##0"
    return "#,##0.0###"


def setup_print(ws: Worksheet, header_rows: int, *, repeat_from: int = 1, freeze_columns: int = 0) -> None:
    """A4 landscape fitted to the page width, rows ``repeat_from``–``header_rows`` repeated on
    every page and frozen on screen (with ``freeze_columns`` columns). A write-only sheet needs
    it before its first row."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4  # a write-only sheet has no such attribute
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages tall as needed
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    # The page number prints between the paper's edge and the body: it needs its own band inside
    # the bottom margin (Excel's default footer margin, 0.5", left half of it under the body).
    ws.page_margins.header = ws.page_margins.footer = FOOTER_MARGIN
    ws.print_title_rows = f"{repeat_from}:{header_rows}"
    ws.freeze_panes = f"{get_column_letter(freeze_columns + 1)}{header_rows + 1}"
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"


FOOTER_MARGIN = 0.25  # inches from the paper's edge: "第 N 页，共 M 页" fits in the 0.6" bottom margin
