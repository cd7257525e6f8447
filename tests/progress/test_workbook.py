"""Does the 绩效指标完成进度表 read back as unit_progress and the house style say (docs/rules/progress.md, docs/rules/layouts.md §4)?"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from kpi import db
from kpi.domain.progress import Status
from kpi.indicators.models import Indicator
from kpi.progress.rows import STATUS_TEXT
from kpi.progress.workbook import (
    BUDGET_HEADERS,
    BUDGET_SHEET,
    GRID_HEADERS,
    GRID_SHEET,
    LEVEL1_HEADERS,
    LEVEL1_SHEET,
    build_progress_workbook,
)
from kpi.reports.figures import STATUS_FILLS
from tests.finance.gen import SEED_UNIT, SEED_UNIT_ID
from tests.progress.gen import gen_progress, gen_quarter, indicator_id
from tests.reports.blocks import label_blocks

COLUMN = {label: index for index, label in enumerate(GRID_HEADERS, start=1)}
FORMULA_NAME = '=HYPERLINK("http://example.com","点我")'


@pytest.fixture
def progress(app):
    gen_quarter(
        app,
        1,
        {
            "投诉调解辅助服务": {"value": "5000"},
            "投诉处理总成功率": {"numerator": "450", "denominator": "500"},
            "干部职工满意度": {"band": "达成"},
            "项目完成时间": {"achieved_on": "2023-03-20"},
        },
        spending={"基本支出": "300", "信息化类": "20"},
    )
    gen_quarter(app, 2, {"投诉调解辅助服务": {"value": "1000"}}, spending={"基本支出": "320"})
    return gen_progress(app)


@pytest.fixture
def workbook(progress):
    return load_workbook(io.BytesIO(build_progress_workbook(progress)))


def find_row(ws, column: int, value) -> int:
    for row in range(1, ws.max_row + 1):
        if ws.cell(row=row, column=column).value == value:
            return row
    raise AssertionError(f"{value!r} not found in column {column}")


def fraction(pct: Decimal | None) -> float | None:
    return None if pct is None else float(pct / 100)


def test_sheets_titles_and_header_lines_follow_the_house_style(workbook):
    assert workbook.sheetnames == [GRID_SHEET, LEVEL1_SHEET, BUDGET_SHEET]
    ws = workbook[GRID_SHEET]
    assert ws["A1"].value == f"2023年度{SEED_UNIT}绩效指标完成进度表"
    assert f"A1:{get_column_letter(len(GRID_HEADERS))}1" in {str(r) for r in ws.merged_cells.ranges}
    assert [cell.value for cell in ws[2] if cell.value] == [
        f"单位名称：{SEED_UNIT}",
        "年度：2023年（截至二季度末）",
        "金额单位：万元",
    ]
    assert [cell.value for cell in ws[3]] == GRID_HEADERS
    assert [cell.value for cell in workbook[LEVEL1_SHEET][3]] == LEVEL1_HEADERS
    assert [cell.value for cell in workbook[BUDGET_SHEET][3]][: len(BUDGET_HEADERS)] == BUDGET_HEADERS


def test_every_indicator_row_reads_back_as_unit_progress_says(workbook, progress):
    ws = workbook[GRID_SHEET]
    names = [ws.cell(row=r, column=COLUMN["三级指标"]).value for r in range(4, ws.max_row + 1)]
    assert [name for name in names if name] == [row.indicator.name for row in progress.rows]
    for item in progress.rows:
        row = find_row(ws, COLUMN["三级指标"], item.indicator.name) if item.indicator.scope == "unit" else None
        if row is None:
            continue
        cell = {label: ws.cell(row=row, column=column) for label, column in COLUMN.items()}
        assert cell["年度指标值"].value == item.indicator.target_text
        for label, value, text in zip(("一季度", "二季度", "三季度", "四季度"), item.quarter_values, item.quarters):
            if value is None:  # nothing reported, or a ratio without its result: the page's text
                assert (cell[label].value or "") == text, (item.indicator.name, label)
            elif isinstance(value, Decimal) and cell[label].number_format != "0.00%":
                assert cell[label].value == value and cell[label].data_type == "n", (item.indicator.name, label)
        assert cell["完成率"].value == pytest.approx(fraction(item.progress.completion_pct))
        assert cell["应完成"].value == pytest.approx(fraction(item.progress.expected_pct))
        assert cell["状态"].value == STATUS_TEXT[item.status]
        assert cell["判断依据"].value == item.progress.explanation


def test_figures_are_real_numbers_with_their_units_in_the_number_format(workbook):
    ws = workbook[GRID_SHEET]
    row = find_row(ws, COLUMN["三级指标"], "投诉调解辅助服务")
    actual, completion, forecast = (ws.cell(row=row, column=COLUMN[k]) for k in ("累计/最新", "完成率", "全年预测"))
    assert actual.value == 6000 and actual.data_type == "n" and actual.number_format == '#,##0"宗"'
    assert completion.value == pytest.approx(0.3158) and completion.number_format == "0.00%"
    assert forecast.value == 12000 and forecast.data_type == "n"
    rate = find_row(ws, COLUMN["三级指标"], "投诉处理总成功率")
    assert ws.cell(row=rate, column=COLUMN["累计/最新"]).value == pytest.approx(0.9)  # 450/500, as a fraction
    assert ws.cell(row=rate, column=COLUMN["累计/最新"]).number_format == "0.00%"
    assert ws.cell(row=rate, column=COLUMN["一季度"]).value == "450/500"  # a ratio without its result: the text
    first = ws.cell(row=row, column=COLUMN["一季度"])
    assert first.data_type == "n" and first.number_format == '#,##0"宗"'  # a number that sums, its unit shown
    deadline = find_row(ws, COLUMN["三级指标"], "项目完成时间")
    assert ws.cell(row=deadline, column=COLUMN["累计/最新"]).value.date() == date(2023, 3, 20)
    band = find_row(ws, COLUMN["三级指标"], "干部职工满意度")
    assert ws.cell(row=band, column=COLUMN["累计/最新"]).value == "达成"


@pytest.mark.parametrize(
    "name, status",
    [("投诉调解辅助服务", Status.YELLOW), ("干部职工满意度", Status.GREEN), ("志愿者活动数量", Status.NONE)],
)
def test_a_status_cell_shows_its_word_on_its_colour(workbook, name, status):
    ws = workbook[GRID_SHEET]
    cell = ws.cell(row=find_row(ws, COLUMN["三级指标"], name), column=COLUMN["状态"])
    assert cell.value == STATUS_TEXT[status]
    assert cell.fill.fgColor.rgb.endswith(STATUS_FILLS[status].fgColor.rgb[-6:])


def test_first_and_second_level_labels_are_merged_over_their_rows(workbook, progress):
    ws = workbook[GRID_SHEET]
    label, first, last = label_blocks(ws, 1)[0]  # pieces split at page breaks joined again
    assert label == ws.cell(row=first, column=1).value == progress.rows[0].indicator.level1
    count = sum(1 for row in progress.tables()[0][1] if row.indicator.level1 == progress.rows[0].indicator.level1)
    assert last - first + 1 == count
    assert any(end > start for _, start, end in label_blocks(ws, 2))


def test_the_budget_sheet_shows_execution_against_time_progress(workbook, progress):
    ws = workbook[BUDGET_SHEET]
    for item in progress.budget:
        row = find_row(ws, 1, item.label)
        budget, spent, rate, time, warning = (ws.cell(row=row, column=c) for c in range(2, 7))
        assert (budget.value, spent.value) == (
            pytest.approx(float(item.progress.budget)),
            pytest.approx(float(item.progress.spent)),
        )
        assert budget.number_format == "#,##0.00" and rate.number_format == "0.00%"
        assert rate.value == pytest.approx(fraction(item.progress.execution_rate))
        assert time.value == pytest.approx(0.5)
        assert warning.value == STATUS_TEXT[item.progress.status]
    assert ws.cell(row=find_row(ws, 1, "合计"), column=3).value == 640


def test_the_native_bar_chart_plots_completion_and_expected_by_first_level_indicator(progress):
    data = build_progress_workbook(progress)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        charts = [name for name in archive.namelist() if re.fullmatch(r"xl/charts/chart\d+\.xml", name)]
        assert len(charts) == 1
        xml = archive.read(charts[0]).decode()
    assert "<barChart>" in xml and '<barDir val="col"/>' in xml
    last = 3 + len(progress.by_level1)
    sheet = f"'{LEVEL1_SHEET}'"
    formulas = re.findall(r"<f>([^<]*)</f>", xml)
    categories = f"{sheet}!$A$4:$A${last}"  # the first-level indicators, for both series
    assert formulas == [
        f"{sheet}!B3",
        categories,
        f"{sheet}!$B$4:$B${last}",  # 完成率, named by its header
        f"{sheet}!C3",
        categories,
        f"{sheet}!$C$4:$C${last}",
    ]  # 应完成
    ws = load_workbook(io.BytesIO(data))[LEVEL1_SHEET]
    assert [ws.cell(row=r, column=1).value for r in range(4, last + 1)] == [s.level1 for s in progress.by_level1]
    assert [ws.cell(row=r, column=2).value for r in range(4, last + 1)] == [
        pytest.approx(fraction(s.completion_pct)) if s.completion_pct is not None else None for s in progress.by_level1
    ]


@pytest.mark.parametrize("sheet, freeze", [(GRID_SHEET, "D4"), (LEVEL1_SHEET, "B4"), (BUDGET_SHEET, "B4")])
def test_each_sheet_freezes_its_headers_and_prints_a4_landscape_with_them_repeated(workbook, sheet, freeze):
    ws = workbook[sheet]
    assert ws.freeze_panes == freeze
    assert ws.page_setup.orientation == "landscape" and str(ws.page_setup.paperSize) == ws.PAPERSIZE_A4
    assert ws.print_title_rows == "$3:$3"
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1


def test_columns_fit_their_text(workbook):
    ws = workbook[GRID_SHEET]
    assert ws.column_dimensions["C"].width >= 28 and ws.column_dimensions["P"].width <= 40


def test_formula_like_user_text_stays_text(app):
    with app.app_context(), db.transaction() as session:
        indicator = session.get(Indicator, indicator_id(session, "志愿者活动数量"))
        indicator.name, indicator.target_text = FORMULA_NAME, "=1+1"
    ws = load_workbook(io.BytesIO(build_progress_workbook(gen_progress(app))))[GRID_SHEET]
    row = find_row(ws, COLUMN["三级指标"], FORMULA_NAME)
    for column in (COLUMN["三级指标"], COLUMN["年度指标值"]):
        assert ws.cell(row=row, column=column).data_type == "s"
    assert ws.cell(row=row, column=COLUMN["年度指标值"]).value == "=1+1"


def test_staff_download_their_units_workbook_and_a_copy_is_kept(app, auth, client):
    gen_quarter(app, 1, {"投诉调解辅助服务": {"value": "5000"}})
    auth.login("szcc_staff")
    response = client.get(f"/units/{SEED_UNIT_ID}/2023/progress.xlsx")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in response.headers["Content-Disposition"]
    name = f"{SEED_UNIT}-2023年绩效指标完成进度表.xlsx"
    copy = app.config["KPI_EXPORT_DIR"] / "2023" / SEED_UNIT / name
    assert copy.read_bytes() == response.data
    assert client.get(f"/units/{SEED_UNIT_ID}/2031/progress.xlsx").status_code == 404
