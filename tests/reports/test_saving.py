"""Does kpi.reports.saving write, byte for byte, what openpyxl's own ``wb.save`` writes?"""
from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill

from kpi.reports import saving, style, write_only
from kpi.reports.style import Styled
from kpi.reports.write_only import StreamingSheet
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
    # Each from a workbook of its own: saving a workbook changes it (a second save differs).
    assert parts(saving.workbook_bytes(a_form())) == parts(openpyxl_bytes(a_form()))


def test_the_rows_are_written_as_text(monkeypatch):
    """The comparison above is of the text writer: openpyxl's cell writer is not called for these cells."""
    handed_over = []
    monkeypatch.setattr(saving, "write_cell", lambda xf, ws, cell, styled: handed_over.append(cell))
    saving.workbook_bytes(a_form())
    assert handed_over == []


@pytest.mark.parametrize("odd", ["date", "datetime", "formula", "comment", "hyperlink", "rich text"])
def test_cells_with_rules_of_their_own_are_written_by_openpyxl_in_place(odd):
    assert parts(saving.workbook_bytes(a_form_with(odd))) == parts(openpyxl_bytes(a_form_with(odd)))


def a_form_with(odd: str) -> Workbook:
    """a_form with one cell of ``odd`` between text cells, in a row and the rows around it."""
    wb = a_form()
    ws = wb["表"]
    for column in (1, 3):
        ws.cell(row=70, column=column, value="前后的文字")
    cell = ws.cell(row=70, column=2)
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


def test_a_write_only_sheet_streams_the_same_bytes_as_openpyxl():
    def streamed(as_text: bool) -> bytes:
        wb = Workbook(write_only=True)
        ws = wb.create_sheet("流")
        if as_text:
            saving.stream_rows_as_text(ws)
        ws.column_dimensions["A"].width = 20
        for value in [*AWKWARD, *NUMBERS, date(2023, 1, 2), "=1+1"]:
            cell = WriteOnlyCell(ws, value=value)
            cell.font = Font(bold=True)
            ws.append([value, None, cell, "尾"])
        assert isinstance(ws._writer, saving.SheetWriter) == as_text
        return openpyxl_bytes(wb)

    assert parts(streamed(True)) == parts(streamed(False))


def test_the_saved_file_reads_back_with_every_value():
    wb = a_form()
    back = load_workbook(io.BytesIO(saving.workbook_bytes(wb)))["表"]
    for row, value in enumerate([*AWKWARD, *NUMBERS], start=1):
        expected = None if value in ("", "=SUM(A1:A2)") else value
        assert back.cell(row=row, column=6).value == (float(value) if isinstance(value, Decimal) else expected)
    assert back.row_dimensions[2].height == 45 and back.row_dimensions[4].hidden
    assert [str(r) for r in back.merged_cells.ranges] == ["A40:C42"]


def streamed_sheet(values) -> bytes:
    """A kpi.reports.write_only sheet of ``values`` in a few looks."""
    wb = Workbook(write_only=True)
    style.add_styles(wb)
    sheet = StreamingSheet(wb.create_sheet("流"), [20, 10, 10, 10])
    for value in values:
        sheet.append(sheet.cells([Styled(value), Styled(value, style.MONEY), None, Styled(value, style.NUMBER, "0.00")]))
    sheet.close()
    return openpyxl_bytes(wb)


def test_a_streaming_sheets_prepared_cells_save_as_its_openpyxl_cells_would(monkeypatch):
    values = [*AWKWARD, *NUMBERS, date(2023, 1, 2), None, "长" * 40000]
    fast = parts(streamed_sheet(values))
    monkeypatch.setattr(write_only, "stream_rows_as_text", lambda ws: False)  # openpyxl cells and writer
    assert fast == parts(streamed_sheet(values))


@pytest.mark.parametrize("as_text", [True, False])
def test_a_control_character_is_cleaned_either_way(monkeypatch, as_text):
    """A stored note with a BEL or a vertical tab still makes a workbook (kpi.core.text), in both writers."""
    if not as_text:
        monkeypatch.setattr(write_only, "stream_rows_as_text", lambda ws: False)
    sheet = load_workbook(io.BytesIO(streamed_sheet(["响铃\x07", "两\x0b行"]))).active
    assert [row[0] for row in sheet.iter_rows(values_only=True)] == ["响铃", "两\n行"]
