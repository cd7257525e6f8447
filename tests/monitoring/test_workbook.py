"""Does the 绩效运行监控表 read back as the house style promises (docs/rules/layouts.md §1, §3)?"""

from __future__ import annotations

import io
from datetime import datetime

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from sqlmodel import Session, select

from kpi import db
from kpi.domain.monitoring import CAUSE_CATEGORIES
from kpi.indicators.models import Indicator
from kpi.monitoring.workbook import GRID_HEADERS, MONEY_HEADERS, SHEET_TITLE, TARGET_HEADERS, grid_headers
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
            ("投诉调解辅助服务", "remark"): "三季度集中调解",
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


def grid_columns(ws) -> tuple[int, dict[str, int]]:
    """The grid's (second) header row and each header's column: the five cause columns and
    年初/调整后 sit on the second row under their group, every other header spans both rows."""
    first = find_row(ws, 1, "一级指标")
    columns = {}
    for column in range(1, ws.max_column + 1):
        below = ws.cell(row=first + 1, column=column).value
        columns[below or ws.cell(row=first, column=column).value] = column
    return first + 1, columns


def money_columns(ws) -> tuple[int, dict[str, int]]:
    header = find_row(ws, 1, MONEY_HEADERS[0])
    cells = {ws.cell(row=header, column=c).value: c for c in range(1, ws.max_column + 1)}
    return header, {name: column for name, column in cells.items() if name}


def test_title_is_merged_and_the_header_lines_name_unit_year_and_money_unit(workbook):
    assert workbook["A1"].value == f"2023年度{UNIT}绩效运行监控表"
    width = len(GRID_HEADERS)
    assert f"A1:{get_column_letter(width)}1" in {str(cells) for cells in workbook.merged_cells.ranges}
    header_line = [cell.value for cell in workbook[2] if cell.value]
    assert header_line == [f"单位名称：{UNIT}", "年度：2023年（1–7月）", "金额单位：万元"]


def test_the_money_block_has_the_official_columns_with_real_numbers(workbook):
    header, columns = money_columns(workbook)
    assert (
        list(columns)
        == MONEY_HEADERS
        == [
            "预算项目",
            "全年预算数",
            "1–7月执行数",
            "执行率",
            "时间进度",
            "偏差",
            "预警",
            "全年预计执行数",
            "偏差说明",
        ]
    )
    basic = find_row(workbook, 1, "基本支出")

    def cell(name):
        return workbook.cell(row=basic, column=columns[name])

    assert (cell("全年预算数").value, cell("1–7月执行数").value) == (1276, 730)
    assert cell("全年预算数").number_format == "#,##0.00"
    assert cell("执行率").value == pytest.approx(0.5721) and cell("执行率").number_format == "0.00%"
    assert cell("时间进度").value == pytest.approx(0.5833) and cell("时间进度").number_format == "0.00%"
    assert cell("全年预计执行数").value == pytest.approx(1251.43)
    # 57.21% spent against 58.33% of the year: green, and so no deviation (the light and the flag agree).
    assert (cell("偏差").value, cell("预警").value) == ("否", "绿")
    assert cell("偏差说明").value == "@年底集中支付" and cell("偏差说明").data_type == "s"
    total = find_row(workbook, 1, "合计")
    assert find_row(workbook, 1, "项目支出合计") < total
    assert workbook.cell(row=total, column=columns["全年预算数"]).value == pytest.approx(2939)
    # Every money field is wide enough for its amount: a number does not wrap, it prints ###.
    for name in ("全年预算数", "1–7月执行数", "全年预计执行数"):
        merged = [r for r in workbook.merged_cells.ranges if r.min_row == basic and r.min_col == columns[name]]
        span = range(columns[name], merged[0].max_col + 1) if merged else [columns[name]]
        assert sum(workbook.column_dimensions[get_column_letter(c)].width for c in span) >= 11


def test_the_grid_has_every_official_column_in_order(workbook):
    header, columns = grid_columns(workbook)
    assert (
        list(columns)
        == GRID_HEADERS
        == [
            "一级指标",
            "二级指标",
            "三级指标",
            "年度指标值",
            "1–7月执行情况",
            "全年预计完成情况",
            "经费保障",
            "制度保障",
            "人员保障",
            "硬件条件保障",
            "其他",
            "原因说明",
            "完成目标可能性",
            "纠偏措施",
            "备注",
        ]
    )
    ticks = f"{get_column_letter(columns['经费保障'])}{header - 1}:{get_column_letter(columns['其他'])}{header - 1}"
    merged = {str(cells) for cells in workbook.merged_cells.ranges}
    assert ticks in merged and workbook[ticks.split(":")[0]].value == "偏差原因分析"
    assert f"A{header - 1}:A{header}" in merged  # 一级指标 spans both header rows


def test_the_cause_is_a_tick_in_its_column_and_the_texts_follow(workbook):
    header, columns = grid_columns(workbook)
    row = find_row(workbook, 3, "投诉调解辅助服务")

    def cell(name):
        return workbook.cell(row=row, column=columns[name])

    done, forecast = cell("1–7月执行情况"), cell("全年预计完成情况")
    assert done.value == 11000 and done.data_type == "n" and done.number_format == '#,##0"宗"'
    assert forecast.value == 18857 and forecast.data_type == "n"  # a count: a whole number
    assert [cell(name).value for name in CAUSE_CATEGORIES] == [None, None, "√", None, None]
    assert [cell(name).value for name in ("完成目标可能性", "纠偏措施", "备注")] == [
        "有可能",
        "+增派调解员",
        "三季度集中调解",
    ]
    assert cell("原因说明").value == "=SUM(A1)" and cell("原因说明").data_type == "s"
    assert cell("纠偏措施").data_type == "s"
    rate = workbook.cell(row=find_row(workbook, 3, "投诉处理总成功率"), column=columns["1–7月执行情况"])
    assert rate.value == 50 and rate.number_format == '#,##0.00"%"'
    deadline = find_row(workbook, 3, "项目完成时间")
    assert workbook.cell(row=deadline, column=columns["1–7月执行情况"]).value == "尚未完成"
    expected = workbook.cell(row=deadline, column=columns["全年预计完成情况"])
    assert expected.value == datetime(2023, 12, 20) and expected.number_format == "yyyy-mm-dd"
    assert all(workbook.cell(row=deadline, column=columns[name]).value is None for name in CAUSE_CATEGORIES)


def test_the_grid_merges_its_levels_under_a_section_row_per_table(workbook):
    header, columns = grid_columns(workbook)
    merged = {str(cells) for cells in workbook.merged_cells.ranges}
    assert workbook.cell(row=header + 1, column=1).value == "单位整体指标"
    first = header + 2
    assert workbook.cell(row=first, column=1).value == "产出指标"
    assert any(r.startswith(f"A{first}:A") for r in merged) and any(r.startswith(f"B{first}:B") for r in merged)
    assert find_row(workbook, 1, "项目：市场监督管理事务指标") > find_row(workbook, 3, "投诉调解辅助服务")


def test_headers_are_frozen_and_repeated_on_every_a4_landscape_page(workbook):
    header, _ = grid_columns(workbook)
    assert workbook.freeze_panes == f"D{header + 1}"
    assert workbook.print_title_rows == f"${header - 1}:${header}"
    assert workbook.page_setup.orientation == "landscape"
    assert int(workbook.page_setup.paperSize) == int(workbook.PAPERSIZE_A4) == 9
    assert workbook.column_dimensions["C"].width >= 24


def test_the_sheet_ends_with_the_sign_off_block(workbook):
    summary = find_row(workbook, 1, "总体情况说明")
    texts = [
        cell.value for row in workbook.iter_rows(min_row=summary + 1) for cell in row if isinstance(cell.value, str)
    ]
    labels = [text.split("：")[0] for text in texts]
    assert labels == ["填报人", "联系电话", "审核人", "填报日期", "审核日期", "单位（盖章）"]
    seal = find_row(workbook, 1, "填报日期：")
    assert workbook.row_dimensions[seal].height >= 40  # room for the seal


def test_the_summary_closes_the_sheet(workbook):
    row = find_row(workbook, 1, "总体情况说明")
    assert workbook.cell(row=row, column=2).value == "上半年总体进展正常"


def test_the_download_keeps_a_copy_under_the_export_folder(app, staff):
    staff.client.get(REPORT_URL + "/workbook")
    copy = app.config["KPI_EXPORT_DIR"] / "2023" / UNIT / f"{UNIT}-2023年绩效运行监控表.xlsx"
    assert copy.exists()
    assert load_workbook(copy)[SHEET_TITLE]["A1"].value == f"2023年度{UNIT}绩效运行监控表"


def test_an_adjusted_target_shows_its_initial_and_adjusted_values(app, staff):
    """After a 绩效目标调整, 年度指标值 splits into 年初指标值 and 调整后指标值; an indicator that was
    not adjusted leaves 调整后 blank (docs/rules/layouts.md §3)."""
    with app.app_context(), Session(db.engine()) as session:
        indicator = session.exec(
            select(Indicator).where(Indicator.name == "投诉调解辅助服务", Indicator.scope == "unit")
        ).one()
        indicator.original_target_text, indicator.target_text = indicator.target_text, "≥21000宗"
        session.add(indicator)
        session.commit()
    ws = load_workbook(io.BytesIO(staff.client.get(REPORT_URL + "/workbook").data))[SHEET_TITLE]
    header, columns = grid_columns(ws)
    assert list(columns) == grid_headers(True)
    assert [ws.cell(row=header - 1, column=columns["年初指标值"]).value] == ["年度指标值"]
    row = find_row(ws, 3, "投诉调解辅助服务")
    assert [ws.cell(row=row, column=columns[name]).value for name in TARGET_HEADERS] == ["≥19000宗", "≥21000宗"]
    other = find_row(ws, 3, "投诉工单审核辅助服务")
    assert [ws.cell(row=other, column=columns[name]).value for name in TARGET_HEADERS] == ["≥7000宗", None]
