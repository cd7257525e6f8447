"""Does the 绩效运行监控表 read back as the house style promises (docs/rules/layouts.md §1, §3)?"""

from __future__ import annotations

import io
from datetime import datetime

import pytest
from openpyxl import load_workbook

from kpi.monitoring.workbook import GRID_HEADERS, MONEY_HEADERS, SHEET_TITLE
from tests.monitoring.conftest import REPORT_URL
from tests.progress.gen import gen_quarter

UNIT = "深圳市消费者委员会秘书处"


@pytest.fixture
def workbook(app, staff):
    """The workbook downloaded after staff filled July, explanations (one formula-like) and a summary."""
    gen_quarter(
        app,
        1,
        {"投诉调解辅助服务": {"value": "5000"}, "投诉处理总成功率": {"numerator": "450", "denominator": "900"}},
        spending={"基本支出": "300"},
    )
    gen_quarter(app, 2, {"投诉调解辅助服务": {"value": "4500"}}, spending={"基本支出": "320"})
    response = staff.post(
        {
            ("投诉调解辅助服务", "value"): "1500",
            ("投诉调解辅助服务", "cause_category"): "人员保障",
            ("投诉调解辅助服务", "cause"): "=SUM(A1)",
            ("投诉调解辅助服务", "likelihood"): "有可能",
            ("投诉调解辅助服务", "corrective_measures"): "+增派调解员",
            ("项目完成时间", "forecast_date"): "2023-12-20",
        },
        lines={("基本支出", "july"): "110", ("基本支出", "cause"): "@年底集中支付"},
        summary="上半年总体进展正常",
    )
    assert response.status_code == 302
    download = staff.client.get(REPORT_URL + "/workbook")
    assert download.status_code == 200
    assert download.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in download.headers["Content-Disposition"]
    return load_workbook(io.BytesIO(download.data))[SHEET_TITLE]


def find_row(ws, column: int, value) -> int:
    for row in range(1, ws.max_row + 1):
        if ws.cell(row=row, column=column).value == value:
            return row
    raise AssertionError(f"{value!r} not found in column {column}")


def test_title_is_merged_and_the_header_lines_name_unit_year_and_money_unit(workbook):
    assert workbook["A1"].value == f"2023年度{UNIT}绩效运行监控表"
    assert "A1:K1" in {str(cells) for cells in workbook.merged_cells.ranges}
    header_line = [cell.value for cell in workbook[2] if cell.value]
    assert header_line == [f"单位名称：{UNIT}", "年度：2023年（1–7月）", "金额单位：万元"]


def test_the_money_block_has_real_numbers_with_formats_and_totals(workbook):
    header = find_row(workbook, 1, MONEY_HEADERS[0])
    assert [workbook.cell(row=header, column=c).value for c in range(1, 9)] == MONEY_HEADERS
    basic = find_row(workbook, 1, "基本支出")
    budget, spent, rate, forecast = (workbook.cell(row=basic, column=c) for c in (2, 3, 4, 5))
    assert (budget.value, spent.value) == (1276, 730) and budget.number_format == "#,##0.00"
    assert rate.value == pytest.approx(0.5721) and rate.number_format == "0.00%"
    assert forecast.value == pytest.approx(1251.43)
    # 57.21% spent against 58.33% of the year: green, and so no deviation (the light and the flag agree).
    assert workbook.cell(row=basic, column=7).value == "否"
    cause = workbook.cell(row=basic, column=8)
    assert cause.value == "@年底集中支付" and cause.data_type == "s"
    total = find_row(workbook, 1, "合计")
    assert find_row(workbook, 1, "项目支出合计") < total
    assert workbook.cell(row=total, column=2).value == pytest.approx(2939)


def test_the_indicator_grid_has_merged_levels_numbers_and_formula_safe_text(workbook):
    header = find_row(workbook, 1, "一级指标")
    assert [workbook.cell(row=header, column=c).value for c in range(1, 12)] == GRID_HEADERS
    row = find_row(workbook, 3, "投诉调解辅助服务")
    done, forecast = workbook.cell(row=row, column=5), workbook.cell(row=row, column=6)
    assert done.value == 11000 and done.data_type == "n" and done.number_format == '#,##0"宗"'
    assert forecast.value == 18857 and forecast.data_type == "n"  # a count: a whole number
    assert workbook.cell(row=row, column=7).value == "是"
    assert [workbook.cell(row=row, column=c).value for c in (8, 10, 11)] == ["人员保障", "有可能", "+增派调解员"]
    cause = workbook.cell(row=row, column=9)
    assert cause.value == "=SUM(A1)" and cause.data_type == "s"
    rate = workbook.cell(row=find_row(workbook, 3, "投诉处理总成功率"), column=5)
    assert rate.value == 50 and rate.number_format == '#,##0.00"%"'
    deadline = find_row(workbook, 3, "项目完成时间")
    assert workbook.cell(row=deadline, column=5).value == "尚未完成"
    expected = workbook.cell(row=deadline, column=6)
    assert expected.value == datetime(2023, 12, 20) and expected.number_format == "yyyy-mm-dd"
    assert workbook.cell(row=deadline, column=7).value == "否"
    merged = {str(cells) for cells in workbook.merged_cells.ranges}
    assert workbook.cell(row=header + 1, column=1).value == "单位整体指标"  # a section row per table
    first = header + 2
    assert workbook.cell(row=first, column=1).value == "产出指标"
    assert any(r.startswith(f"A{first}:A") for r in merged) and any(r.startswith(f"B{first}:B") for r in merged)
    assert find_row(workbook, 1, "项目：市场监督管理事务指标") > row


def test_headers_are_frozen_and_repeated_on_every_a4_landscape_page(workbook):
    header = find_row(workbook, 1, "一级指标")
    assert workbook.freeze_panes == f"D{header + 1}"
    assert workbook.print_title_rows == f"${header}:${header}"
    assert workbook.page_setup.orientation == "landscape"
    assert int(workbook.page_setup.paperSize) == int(workbook.PAPERSIZE_A4) == 9
    assert workbook.column_dimensions["C"].width >= 30


def test_the_summary_closes_the_sheet(workbook):
    row = find_row(workbook, 1, "总体情况说明")
    assert workbook.cell(row=row, column=2).value == "上半年总体进展正常"


def test_the_download_keeps_a_copy_under_the_export_folder(app, staff):
    staff.client.get(REPORT_URL + "/workbook")
    copy = app.config["KPI_EXPORT_DIR"] / "2023" / UNIT / f"{UNIT}-2023年绩效运行监控表.xlsx"
    assert copy.exists()
    assert load_workbook(copy)[SHEET_TITLE]["A1"].value == f"2023年度{UNIT}绩效运行监控表"
