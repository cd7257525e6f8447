"""Does kpi.evaluation.cells write, byte for byte, the file openpyxl's own path writes?

``PlainSheet`` is the reference: the FormSheet interface through style.put, ``cell.style = NAME``
on every cell of a merged range, ``Worksheet.merge_cells`` and style.fit_columns/fit_rows, as the
self-evaluation builder wrote its cells before kpi.evaluation.cells.
"""
from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill

from kpi.evaluation import workbook as builder
from kpi.evaluation.cells import FormSheet, Looks
from kpi.reports import style
from kpi.reports.style import Styled
from tests.evaluation.gen import REPORT_URL, import_a_year, scored
from tests.reports.xlsx import openpyxl_bytes, parts

LEFT = Alignment(horizontal="left", vertical="top", wrap_text=True)
GREY = PatternFill("solid", fgColor="DDDDDD")


class PlainSheet:
    """FormSheet's interface through openpyxl's own path (the reference)."""

    def __init__(self, ws, looks=None):
        self.ws = ws

    def put(self, row, column, styled):
        return style.put(self.ws.cell(row=row, column=column), styled)

    def put_row(self, row, first_column, cells):
        for column, styled in enumerate(cells, start=first_column):
            self.put(row, column, styled)

    def merge(self, row, column, last_row, last_column, styled):
        for r in range(row, last_row + 1):
            for c in range(column, last_column + 1):
                self.ws.cell(row=r, column=c).style = styled.style
        if (last_row, last_column) != (row, column):
            self.ws.merge_cells(start_row=row, start_column=column, end_row=last_row, end_column=last_column)
        self.put(row, column, styled)

    def value(self, row, column):
        return self.ws.cell(row=row, column=column).value

    def fit_columns(self, min_width, max_width, *, skip_rows=0):
        style.fit_columns(self.ws, min_width, max_width, skip_rows=skip_rows)

    def fit_rows(self, first_row=1):
        style.fit_rows(self.ws, first_row)

    def text_width(self, value):
        return style.text_width(value)


def a_form(sheet_class) -> bytes:
    """A sheet with every kind of value and look, merged in every shape, fitted, then styled after."""
    wb = Workbook()
    style.add_styles(wb)
    looks = Looks(wb)
    for title in ("first", "second"):
        sheet = sheet_class(wb.create_sheet(title), looks)
        ws = sheet.ws
        style.write_title(ws, f"标题{title}", 6)
        style.write_header_lines(ws, "某单位", 2023, width_cols=6, row=2)
        values = ["文字", "", None, "=SUM(A1:A2)", "#N/A", "+1", Decimal("1234.5600"), 1000, Decimal(1000),
                  date(2023, 12, 20), datetime(2024, 1, 15, 9, 30), True, "很长的一段说明文字" * 12, "两行\n说明"]
        looks_ = [Styled(None, style.TEXT), Styled(None, style.NUMBER, "0.00"), Styled(None, style.MONEY),
                  Styled(None, style.INPUT_TEXT), Styled(None, style.SUBTITLE, alignment=LEFT),
                  Styled(None, style.HEADER, fill=GREY), Styled(None, style.NUMBER, '#,##0"家"')]
        for index, value in enumerate(values):
            for offset, look in enumerate(looks_):
                sheet.put(4 + index, 1 + offset % 6, look._replace(value=value))
        row = 4 + len(values)
        for rows, columns, look in ((1, 2, style.TEXT), (2, 1, style.HEADER), (2, 2, style.TEXT), (3, 3, style.HEADER),
                                    (5, 1, style.TEXT), (1, 6, style.SUBTITLE), (4, 4, style.INPUT_TEXT),
                                    (1, 3, style.TEXT), (3, 1, style.NUMBER)):
            sheet.merge(row, 1, row + rows - 1, columns, Styled(f"合并{rows}×{columns}", look))
            row += rows
        ws.cell(row=row, column=4).style = style.HEADER  # a last cell styled before the merge
        sheet.merge(row, 1, row, 4, Styled("末格先有样式", style.TEXT))
        sheet.ws.merge_cells(f"A{row + 1}:C{row + 2}")  # by range string, nothing written first
        sheet.fit_columns(8, 40, skip_rows=3)
        sheet.fit_rows(4)
        ws.cell(row=5, column=2).font = Font(bold=True)  # restyled after it was written
    return openpyxl_bytes(wb)


def test_every_value_look_and_merge_shape_saves_the_same_bytes_as_openpyxls_own_path():
    reference = parts(a_form(PlainSheet))
    assert parts(a_form(FormSheet)) == reference
    assert parts(a_form(FormSheet)) == reference  # the second workbook merges from the shapes kept


@pytest.fixture
def year_with_texts(app, staff, tmp_path):
    """A year of results and a draft whose texts look like formulas (as tests/evaluation/test_workbook)."""
    import_a_year(app, tmp_path)
    response = staff.post({"unit": "+全年目标基本完成", "信息化类": "@平台已上线"},
                          {"新增放心消费承诺、线下无理由退货承诺企业数量": '=HYPERLINK("http://x")'})
    assert response.status_code == 302
    return scored(app)


def test_the_self_evaluation_workbook_is_the_file_the_builder_wrote_through_openpyxl(year_with_texts, monkeypatch):
    fast = [parts(builder.build_self_evaluation_workbook(year_with_texts)) for _ in range(2)]
    monkeypatch.setattr(builder, "FormSheet", PlainSheet)
    assert fast[0] == fast[1] == parts(builder.build_self_evaluation_workbook(year_with_texts))


def test_the_self_evaluation_workbook_is_saved_as_openpyxl_would_save_it(year_with_texts, monkeypatch):
    fast = parts(builder.build_self_evaluation_workbook(year_with_texts))  # through kpi.reports.saving
    monkeypatch.setattr(builder, "workbook_bytes", openpyxl_bytes)
    assert fast == parts(builder.build_self_evaluation_workbook(year_with_texts))


def test_a_cell_restyled_after_it_was_written_keeps_its_new_look():
    wb = load_workbook(io.BytesIO(a_form(FormSheet)))
    ws = wb["first"]
    assert ws["B5"].font.b and not ws["C5"].font.b
    assert ws["B5"].number_format == "0.00" and ws["C5"].number_format == "#,##0.00"


def test_the_download_still_reads_back_as_the_published_form(app, staff, year_with_texts):
    wb = load_workbook(io.BytesIO(staff.client.get(REPORT_URL + "/workbook").data))
    ws = wb[builder.UNIT_SHEET]
    assert (ws["A1"].value, ws["A2"].value, ws["A2"].alignment.horizontal) == (builder.UNIT_SHEET, "（2023年度）",
                                                                              "center")
    assert ws["C4"].border.top.style == "thin" and ws["H4"].border.right.style == "thin"  # merged cells' edges
