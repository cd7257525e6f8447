"""The fill-in workbook: protected keys, open inputs, drop-downs, formats, hidden ids, prefilled values."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from kpi.results.workbook import (
    ENTRY_SHEET,
    HEADER_ROW,
    INPUT_HEADERS,
    KEY_HEADERS,
    META_SHEET,
    SPENDING_HEADERS,
    SPENDING_SHEET,
    build_fill_in_workbook,
    input_column,
)
from tests.results_excel.helpers import (
    BUDGET,
    COUNT,
    DEADLINE,
    QUALITATIVE,
    RATE,
    UNIT_NAME,
    quarter_sheet,
    row_of,
    store,
    unit_indicator,
)


def workbook_for(session, quarter=1):
    sheet = quarter_sheet(session, quarter)
    return sheet, load_workbook(io.BytesIO(build_fill_in_workbook(sheet)))


def cell(ws, row, field):
    return ws.cell(row=row, column=input_column(field))


def validations_of(ws, coordinate):
    return [dv for dv in ws.data_validations.dataValidation if coordinate in dv.sqref]


def test_the_workbook_has_the_entry_and_spending_sheets_and_a_very_hidden_record_of_its_quarter(db_session):
    sheet, wb = workbook_for(db_session, 2)
    assert wb.sheetnames == [ENTRY_SHEET, SPENDING_SHEET, META_SHEET]
    assert wb[ENTRY_SHEET].sheet_state == "visible" and wb[META_SHEET].sheet_state == "veryHidden"
    meta = dict(wb[META_SHEET].iter_rows(values_only=True))
    assert (meta["单位编号"], meta["单位名称"], meta["年度"], meta["季度"], meta["数据版本"]) == (
        2,
        UNIT_NAME,
        2023,
        2,
        0,
    )
    assert wb.security.lockStructure


def test_the_entry_sheet_is_titled_and_headed_in_the_house_style(db_session):
    _, wb = workbook_for(db_session)
    ws = wb[ENTRY_SHEET]
    assert ws["B1"].value == f"{UNIT_NAME} 2023年一季度绩效指标填报表"
    assert any(r.min_row == 1 and r.max_row == 1 and r.min_col == 2 for r in ws.merged_cells.ranges)
    line = [c.value for c in ws[2] if c.value]
    assert line[0] == f"单位名称：{UNIT_NAME}" and "2023年（一季度）" in line[1] and line[-1] == "金额单位：万元"
    assert [c.value for c in ws[HEADER_ROW]] == KEY_HEADERS + list(INPUT_HEADERS.values())
    assert ws.freeze_panes == f"E{HEADER_ROW + 1}"
    assert ws.print_title_rows == f"${HEADER_ROW}:${HEADER_ROW}"
    assert ws.page_setup.orientation == "landscape"


def test_every_indicator_and_budget_line_has_a_row_keyed_by_its_hidden_id(db_session):
    sheet, wb = workbook_for(db_session)
    ws, lines = wb[ENTRY_SHEET], wb[SPENDING_SHEET]
    assert ws.column_dimensions["A"].hidden and lines.column_dimensions["A"].hidden
    ids = [ws.cell(row=r, column=1).value for r in range(HEADER_ROW + 1, ws.max_row + 1)]
    assert sorted(i for i in ids if i is not None) == sorted(i.id for i in sheet.indicators)
    assert len(sheet.indicators) == 80
    assert [c.value for c in lines[HEADER_ROW]] == SPENDING_HEADERS
    line_ids = [lines.cell(row=r, column=1).value for r in range(HEADER_ROW + 1, HEADER_ROW + 1 + len(sheet.lines))]
    assert line_ids == [line.id for line in sheet.lines]


def test_sheets_are_protected_with_only_the_input_cells_unlocked(db_session):
    sheet, wb = workbook_for(db_session)
    ws = wb[ENTRY_SHEET]
    assert ws.protection.sheet and wb[SPENDING_SHEET].protection.sheet
    row = row_of(ws, unit_indicator(sheet, COUNT).id)
    for column in range(1, len(KEY_HEADERS) + 1):
        assert ws.cell(row=row, column=column).protection.locked, KEY_HEADERS[column - 1]
    assert not cell(ws, row, "value").protection.locked
    assert not cell(ws, row, "note").protection.locked
    spent = wb[SPENDING_SHEET].cell(row=HEADER_ROW + 1, column=5)
    assert not spent.protection.locked and spent.number_format == "#,##0.00"


@pytest.mark.parametrize(
    "name, open_fields",
    [
        (COUNT, {"value", "note"}),
        (RATE, {"value", "numerator", "denominator", "note"}),
        (QUALITATIVE, {"band", "assessment", "note"}),
        (DEADLINE, {"achieved_on", "note"}),
        (BUDGET, {"note"}),
    ],
)
def test_inputs_that_do_not_apply_to_the_aggregation_rule_are_grey_and_locked(db_session, name, open_fields):
    sheet, wb = workbook_for(db_session)
    ws = wb[ENTRY_SHEET]
    row = row_of(ws, unit_indicator(sheet, name).id)
    for field in INPUT_HEADERS:
        target = cell(ws, row, field)
        if field in open_fields:
            assert not target.protection.locked, field
        else:
            assert target.protection.locked and target.fill.fgColor.rgb.endswith("D9D9D9"), field


def test_drop_downs_and_number_checks_guard_the_input_cells(db_session):
    sheet, wb = workbook_for(db_session)
    ws = wb[ENTRY_SHEET]
    band = cell(ws, row_of(ws, unit_indicator(sheet, QUALITATIVE).id), "band").coordinate
    (band_rule,) = validations_of(ws, band)
    assert band_rule.type == "list" and band_rule.formula1 == '"达成,部分达成,未达成"'
    count = cell(ws, row_of(ws, unit_indicator(sheet, COUNT).id), "value").coordinate
    (count_rule,) = validations_of(ws, count)
    assert (count_rule.type, count_rule.operator, count_rule.formula1) == ("decimal", "greaterThanOrEqual", "0")
    rate_row = row_of(ws, unit_indicator(sheet, RATE).id)
    (percent_rule,) = validations_of(ws, cell(ws, rate_row, "value").coordinate)
    assert (percent_rule.type, percent_rule.formula1, percent_rule.formula2) == ("decimal", "0", "100")
    assert validations_of(ws, cell(ws, rate_row, "denominator").coordinate)[0].type == "decimal"
    deadline = cell(ws, row_of(ws, unit_indicator(sheet, DEADLINE).id), "achieved_on")
    (date_rule,) = validations_of(ws, deadline.coordinate)
    assert date_rule.type == "date"
    assert deadline.number_format == "yyyy-mm-dd"
    assert cell(ws, rate_row, "value").number_format == '0.00"%"'
    assert all(dv.showErrorMessage for dv in ws.data_validations.dataValidation)


def test_the_workbook_is_prefilled_with_the_quarters_current_figures(db_session):
    store(
        db_session,
        1,
        {
            COUNT: {"value": "4500", "note": "=1+1"},
            RATE: {"numerator": "450", "denominator": "900"},
            QUALITATIVE: {"band": "部分达成", "assessment": "+ 满意度有所提升"},
            DEADLINE: {"achieved_on": "2023-03-20"},
        },
        {"基本支出": "300.5"},
    )
    sheet, wb = workbook_for(db_session)
    ws = wb[ENTRY_SHEET]
    count_row = row_of(ws, unit_indicator(sheet, COUNT).id)
    assert cell(ws, count_row, "value").value == 4500
    note = cell(ws, count_row, "note")
    assert note.value == "=1+1" and note.data_type == "s"  # user text never becomes a formula
    rate_row = row_of(ws, unit_indicator(sheet, RATE).id)
    assert (cell(ws, rate_row, "numerator").value, cell(ws, rate_row, "denominator").value) == (450, 900)
    qualitative_row = row_of(ws, unit_indicator(sheet, QUALITATIVE).id)
    assert cell(ws, qualitative_row, "band").value == "部分达成"
    assert cell(ws, qualitative_row, "assessment").data_type == "s"
    deadline = cell(ws, row_of(ws, unit_indicator(sheet, DEADLINE).id), "achieved_on").value
    assert deadline.date() == dt.date(2023, 3, 20)
    assert wb[SPENDING_SHEET].cell(row=HEADER_ROW + 1, column=5).value == 300.5


def test_the_next_quarter_shows_the_year_to_date_figure_before_it(db_session):
    store(
        db_session,
        1,
        {COUNT: {"value": "4500"}, RATE: {"numerator": "450", "denominator": "900"}, QUALITATIVE: {"band": "达成"}},
        {"基本支出": "300"},
    )
    sheet, wb = workbook_for(db_session, 2)
    ws = wb[ENTRY_SHEET]
    before = len(KEY_HEADERS)
    assert ws.cell(row=row_of(ws, unit_indicator(sheet, COUNT).id), column=before).value == 4500
    assert ws.cell(row=row_of(ws, unit_indicator(sheet, RATE).id), column=before).value == "50%（450/900）"
    assert ws.cell(row=row_of(ws, unit_indicator(sheet, QUALITATIVE).id), column=before).value == "达成"
    assert cell(ws, row_of(ws, unit_indicator(sheet, COUNT).id), "value").value is None  # Q2 itself is empty
    assert wb[SPENDING_SHEET].cell(row=HEADER_ROW + 1, column=4).value == 300
