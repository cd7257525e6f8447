"""The house style: named styles, formula-safe text, fitted widths, print setup (docs/rules/layouts.md §1)."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook, load_workbook

from kpi.reports import sizing, style


@pytest.mark.parametrize("text", ["=1+1", "+86 755", "-5", "@SUM(A1)", "\tx", '=HYPERLINK("http://x")'])
def test_user_text_that_looks_like_a_formula_is_stored_as_text(text):
    wb = Workbook()
    cell = style.write_text(wb.active["A1"], text)
    assert cell.data_type == "s"
    out = io.BytesIO()
    wb.save(out)
    reread = load_workbook(io.BytesIO(out.getvalue()))["Sheet"]["A1"]
    assert reread.value == text and reread.data_type == "s"


def test_styles_are_registered_once_per_workbook():
    wb = Workbook()
    style.add_styles(wb)
    style.add_styles(wb)
    names = list(wb.named_styles)
    assert len(names) == len(set(names))
    assert {style.TITLE, style.HEADER, style.MONEY, style.INPUT_NUMBER, style.NOT_APPLICABLE} <= set(names)


def test_input_styles_are_unlocked_and_the_others_locked():
    wb = Workbook()
    style.add_styles(wb)
    ws = wb.active
    for coordinate, name in {
        "A1": style.INPUT_TEXT,
        "A2": style.INPUT_MONEY,
        "A3": style.TEXT,
        "A4": style.NOT_APPLICABLE,
    }.items():
        ws[coordinate].style = name
    assert not ws["A1"].protection.locked and not ws["A2"].protection.locked
    assert ws["A3"].protection.locked and ws["A4"].protection.locked
    assert ws["A2"].number_format == "#,##0.00"


def test_chinese_characters_count_double_when_fitting_columns():
    wb = Workbook()
    ws = wb.active
    ws["A1"], ws["B1"] = "abcdefghij", "投诉调解辅助服务"  # 10 and 8 characters
    sizing.fit_columns(ws, 1, 100)
    assert ws.column_dimensions["B"].width > ws.column_dimensions["A"].width
    ws["C1"] = "长" * 200
    sizing.fit_columns(ws, 1, 40)
    assert ws.column_dimensions["C"].width == 40


def test_title_and_header_lines_carry_unit_year_and_money_unit():
    wb = Workbook()
    style.add_styles(wb)
    ws = wb.active
    style.write_title(ws, "某单位 2023年绩效表", 6)
    next_row = style.write_header_lines(ws, "某单位", 2023, width_cols=6)
    assert next_row == 3
    assert "A1:F1" in {str(r) for r in ws.merged_cells.ranges}
    texts = [c.value for c in ws[2] if c.value]
    assert texts[0] == "单位名称：某单位" and "2023" in texts[1] and texts[-1] == "金额单位：万元"


def test_print_setup_is_a4_landscape_with_repeated_and_frozen_header_rows():
    wb = Workbook()
    ws = wb.active
    style.setup_print(ws, 4, repeat_from=4, freeze_columns=2)
    assert ws.page_setup.orientation == "landscape"
    assert int(ws.page_setup.paperSize) == 9  # A4
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1
    assert ws.print_title_rows == "$4:$4"
    assert ws.freeze_panes == "C5"
