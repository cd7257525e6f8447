"""Does kpi.reports.saving write, byte for byte, what openpyxl's own ``wb.save`` writes?"""
from __future__ import annotations

import io
import re
from datetime import date, datetime
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill

from kpi.reports import saving, style
from kpi.reports.style import Styled
from tests.reports.xlsx import openpyxl_bytes, parts

AWKWARD = ["a & b", "<b>粗</b>", "x > y", '"引号"', "'单引号'", "两行\r\n文字", "换行\n", "\t制表", " 前空格", "后空格 ",
           " ", "表情😀", "]]>", "&amp;", "", "=SUM(A1:A2)", "+1", "@x", "中文" * 40, "\u3000全角空格\u3000"]
NUMBERS = [Decimal("1234.5600"), Decimal("1E+3"), Decimal("-0.00"), 10**20, 0, -1, 1.5, True, False]


def a_form() -> Workbook:
    """Every kind of value this project writes, in every look, with row heights and merges."""
    wb = Workbook()
    style.add_styles(wb)
    ws = wb.active
    ws.title = "表"
    looks = [Styled(None, style.TEXT), Styled(None, style.NUMBER, "0.00"), Styled(None, style.MONEY),
             Styled(None, style.HEADER, fill=PatternFill("solid", fgColor="DDDDDD")),
             Styled(None, style.SUBTITLE, alignment=Alignment(wrap_text=True)), None]
    for row, value in enumerate([*AWKWARD, *NUMBERS, None, "#N/A"], start=1):
        for column, look in enumerate(looks, start=1):
            cell = ws.cell(row=row, column=column)
            if look is None:
                cell.value = value  # openpyxl's own typing: "=…" would be a formula, so it is left out
                if cell.data_type == "f":
                    cell.value = None
            else:
                style.put(cell, look._replace(value=value))
    ws.cell(row=3, column=9).font = Font(bold=True)  # a styled empty cell far to the right
    ws.row_dimensions[2].height = 45
    ws.row_dimensions[4].hidden = True
    ws.row_dimensions[60].height = 20  # a row with a height and no cells
    ws.merge_cells("A40:C42")
    ws.column_dimensions["A"].width = 30
    style.setup_print(ws, 1, repeat_from=1)
    wb.create_sheet("空表")
    return wb


def test_a_form_saves_the_same_bytes_as_openpyxl():
    wb = a_form()
    assert saving._writable(wb["表"])  # the fast path is the one compared
    # Each from a workbook of its own: saving a workbook changes it (a second save differs).
    assert parts(saving.workbook_bytes(wb)) == parts(openpyxl_bytes(a_form()))


def test_the_rows_are_the_sheet_data_openpyxl_writes():
    wb = a_form()
    xml = parts(openpyxl_bytes(a_form()))["xl/worksheets/sheet1.xml"]
    assert re.search(rb"<sheetData>(.*)</sheetData>", xml, re.S).group(1) == saving.sheet_data(wb["表"])


@pytest.mark.parametrize("odd", ["date", "datetime", "formula", "comment", "hyperlink", "rich text"])
def test_a_sheet_with_values_written_elsewhere_is_saved_by_openpyxl(odd):
    wb, reference = a_form_with(odd), a_form_with(odd)
    assert not saving._writable(wb["表"])
    assert parts(saving.workbook_bytes(wb)) == parts(openpyxl_bytes(reference))


def a_form_with(odd: str) -> Workbook:
    wb = a_form()
    cell = wb["表"].cell(row=70, column=2)
    if odd == "date":
        cell.value = date(2023, 12, 20)
    elif odd == "datetime":
        cell.value = datetime(2024, 1, 15, 9, 30)
    elif odd == "formula":
        cell.value = "=1+1"
    elif odd == "comment":
        cell.value, cell.comment = "有批注", Comment("批注", "审核人")
    elif odd == "hyperlink":
        cell.value, cell.hyperlink = "链接", "http://example.invalid/"
    else:
        cell.value = CellRichText([TextBlock(InlineFont(b=True), "粗"), "体"])
    return wb


def test_the_saved_file_reads_back_with_every_value():
    wb = a_form()
    back = load_workbook(io.BytesIO(saving.workbook_bytes(wb)))["表"]
    for row, value in enumerate([*AWKWARD, *NUMBERS], start=1):
        expected = None if value in ("", "=SUM(A1:A2)") else value
        assert back.cell(row=row, column=6).value == (float(value) if isinstance(value, Decimal) else expected)
    assert back.row_dimensions[2].height == 45 and back.row_dimensions[4].hidden
    assert [str(r) for r in back.merged_cells.ranges] == ["A40:C42"]
