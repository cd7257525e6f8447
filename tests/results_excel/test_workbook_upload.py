"""Reading a filled-in workbook back: every fault located by row and column, nothing guessed."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook

from kpi.domain.entries import Band
from kpi.results.service import pending_changes, validate_input
from kpi.results.workbook import ENTRY_SHEET, build_fill_in_workbook, input_column
from kpi.results.workbook_upload import UploadRejected, read_fill_in_workbook, read_upload
from tests.results_excel.helpers import (
    BUDGET,
    COUNT,
    DEADLINE,
    QUALITATIVE,
    RATE,
    UNIT_NAME,
    edit_workbook,
    line_named,
    quarter_sheet,
    row_of,
    store,
    unit_indicator,
)


def downloaded(session, quarter=1) -> bytes:
    return build_fill_in_workbook(quarter_sheet(session, quarter))


def problems_of(data: bytes, sheet) -> list[str]:
    with pytest.raises(UploadRejected) as caught:
        read_fill_in_workbook(data, sheet)
    return caught.value.problems


def test_an_unchanged_workbook_changes_nothing(db_session):
    store(
        db_session,
        1,
        {
            COUNT: {"value": "4500.25", "note": "=1+1"},
            RATE: {"numerator": "450", "denominator": "900", "value": "50"},
            QUALITATIVE: {"band": "达成", "assessment": "-较好"},
            DEADLINE: {"achieved_on": "2023-03-31"},
        },
        {"基本支出": "300.1234"},
    )
    sheet = quarter_sheet(db_session)
    entries, spending = read_fill_in_workbook(downloaded(db_session), sheet)
    assert len(entries) == 80 and len(spending) == 5
    assert pending_changes(sheet, validate_input(sheet, entries, spending)) == []


def test_typed_figures_are_read_as_the_person_meant_them(db_session):
    sheet = quarter_sheet(db_session)
    count, rate, band, deadline = (unit_indicator(sheet, n).id for n in (COUNT, RATE, QUALITATIVE, DEADLINE))
    data = edit_workbook(
        downloaded(db_session),
        {
            count: {"value": 4500, "note": "按月汇总"},
            rate: {"numerator": 450, "denominator": 900},
            band: {"band": "部分达成", "assessment": "基本满意"},
            deadline: {"achieved_on": dt.datetime(2023, 3, 20)},
        },
        {line_named(sheet, "信息化类").id: 12.5},
    )
    result = read_upload(data, sheet).data
    assert result.entries[count].value == Decimal("4500") and result.entries[count].note == "按月汇总"
    assert (result.entries[rate].numerator, result.entries[rate].denominator) == (450, 900)
    assert result.entries[band].band is Band.PARTIAL
    assert result.entries[deadline].achieved_on == dt.date(2023, 3, 20)
    assert result.spending[line_named(sheet, "信息化类").id] == Decimal("12.5")


def test_a_rate_typed_as_a_percentage_in_excel_reads_as_that_percentage(db_session):
    sheet = quarter_sheet(db_session)
    rate = unit_indicator(sheet, RATE).id
    wb = load_workbook(io.BytesIO(downloaded(db_session)))
    ws = wb[ENTRY_SHEET]
    target = ws.cell(row=row_of(ws, rate), column=input_column("value"))
    target.value, target.number_format = 0.955, "0.0%"  # what Excel stores for "95.5%"
    out = io.BytesIO()
    wb.save(out)
    assert read_upload(out.getvalue(), sheet).data.entries[rate].value == Decimal("95.5")


def test_a_blank_input_cell_clears_what_was_stored(db_session):
    store(db_session, 1, {COUNT: {"value": "4500"}})
    sheet = quarter_sheet(db_session)
    count = unit_indicator(sheet, COUNT).id
    data = edit_workbook(downloaded(db_session), {count: {"value": None}})
    changes = pending_changes(sheet, read_upload(data, sheet).data)
    assert [(c.subject, c.old_text, c.new_text) for c in changes] == [(COUNT, "4,500", "（空）")]


def test_every_fault_is_listed_with_its_row_and_column(db_session):
    sheet = quarter_sheet(db_session)
    ws = load_workbook(io.BytesIO(downloaded(db_session)))[ENTRY_SHEET]
    count_row, band_row = (row_of(ws, unit_indicator(sheet, n).id) for n in (COUNT, QUALITATIVE))
    data = edit_workbook(
        downloaded(db_session),
        {
            unit_indicator(sheet, COUNT).id: {"value": -5},
            unit_indicator(sheet, QUALITATIVE).id: {"band": "很好"},
            unit_indicator(sheet, BUDGET).id: {"value": 3},  # a greyed cell someone unlocked
            unit_indicator(sheet, DEADLINE).id: {"achieved_on": "明年"},
        },
        {line_named(sheet, "基本支出").id: -1},
    )
    problems = problems_of(data, sheet)
    assert f"第 {count_row} 行（本季度完成值）：不能为负数" in problems
    assert f"第 {band_row} 行（完成等级）：请选择：达成 / 部分达成 / 未达成" in problems
    assert any("（本季度完成值）：预算类指标取自预算执行数" in p for p in problems)
    assert any("（完成日期）：日期格式应为 YYYY-MM-DD" in p for p in problems)
    assert "预算执行表第 5 行（本季度执行数）：不能为负数" in problems
    assert len(problems) == 5


def test_a_date_in_a_number_cell_is_a_wrong_type(db_session):
    sheet = quarter_sheet(db_session)
    count = unit_indicator(sheet, COUNT).id
    data = edit_workbook(downloaded(db_session), {count: {"value": dt.datetime(2023, 3, 1)}})
    (problem,) = problems_of(data, sheet)
    assert problem.endswith("（本季度完成值）：应填写数字，不能是日期")


def test_a_workbook_of_another_quarter_is_refused(db_session):
    problems = problems_of(downloaded(db_session, 2), quarter_sheet(db_session, 1))
    assert problems == [
        f"该文件属于 {UNIT_NAME} 2023 年二季度，与当前页面（{UNIT_NAME} 2023 年一季度）不一致，请上传本季度的填报表。"
    ]


def test_a_row_whose_id_was_changed_to_a_foreign_indicator_is_refused(db_session):
    sheet = quarter_sheet(db_session)
    wb = load_workbook(io.BytesIO(downloaded(db_session)))
    ws = wb[ENTRY_SHEET]
    row = row_of(ws, unit_indicator(sheet, COUNT).id)
    ws.cell(row=row, column=1).value = 99999
    ws.cell(row=row + 1, column=1).value = unit_indicator(sheet, RATE).id  # now a duplicate
    out = io.BytesIO()
    wb.save(out)
    problems = problems_of(out.getvalue(), sheet)
    assert f"第 {row} 行（编号）：编号 99999 不是本单位本年度的指标；请勿修改编号" in problems
    assert any(p.startswith(f"第 {row + 1} 行（编号）：与第") for p in problems) or any(
        f"（编号）：与第 {row + 1} 行" in p for p in problems
    )


@pytest.mark.parametrize(
    "content, message",
    [
        (b"not a workbook", "文件不是有效的 Excel（.xlsx）文件"),
        (None, "文件不是本系统导出的季度填报表"),
    ],
)
def test_files_that_are_not_our_workbook_are_refused(db_session, content, message):
    if content is None:
        out = io.BytesIO()
        Workbook().save(out)
        content = out.getvalue()
    (problem,) = problems_of(content, quarter_sheet(db_session))
    assert problem.startswith(message)
