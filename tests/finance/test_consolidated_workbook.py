"""Does the finance bureau's 预算绩效汇总表 list every unit, its reports and the totals, written in write-only mode?"""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import Workbook, load_workbook
from sqlmodel import Session

from kpi import db
from kpi.budget import service as budget
from kpi.finance import consolidated, service
from kpi.finance.consolidated import DETAIL_HEADERS, SUMMARY_HEADERS, SUMMARY_SHEET, detail_sheet, sheet_name
from kpi.progress.service import unit_progress
from kpi.progress.workbook import GRID_SHEET, export_progress
from kpi.reports import style
from tests.finance.gen import SEED_UNIT, gen_unit
from tests.progress.gen import gen_quarter

FORMULA_UNIT = '=HYPERLINK("http://example.com","点我")'
COLUMN = {label: index for index, label in enumerate(SUMMARY_HEADERS, start=1)}


def export(app, tmp_path):
    with app.app_context(), Session(db.engine(), expire_on_commit=False) as session:
        exported = service.export_consolidated(session, budget.get_year(session, 2023), tmp_path / "exports")
    return exported, load_workbook(io.BytesIO(exported.data))


@pytest.fixture
def units(app):
    gen_quarter(app, 1, {"投诉调解辅助服务": {"value": "5000"}}, spending={"基本支出": "300"}, submit=True)
    gen_unit(
        app,
        "甲单位",
        budget_amount="200",
        quarters={1: "approved", 2: "returned"},
        spent={1: "50", 2: "30"},
        monitoring="submitted",
        evaluation="approved",
        score="92.50",
        grade="优",
    )
    gen_unit(app, FORMULA_UNIT, budget_amount="100", evaluation="draft")


def summary_row(ws, name: str) -> dict:
    row = next(r for r in range(4, ws.max_row + 1) if ws.cell(row=r, column=1).value == name)
    return {label: ws.cell(row=row, column=column) for label, column in COLUMN.items()}


def test_the_summary_has_one_row_per_unit_then_the_totals(app, units, tmp_path):
    exported, wb = export(app, tmp_path)
    ws = wb[SUMMARY_SHEET]
    assert ws["A1"].value == "2023年度预算绩效汇总表"
    assert [cell.value for cell in ws[3]] == SUMMARY_HEADERS
    names = [ws.cell(row=r, column=1).value for r in range(4, ws.max_row + 1)]
    assert sorted(names[:-1]) == sorted([SEED_UNIT, "甲单位", FORMULA_UNIT])
    assert names[-1] == "合计（3 个单位）"
    totals = {label: ws.cell(row=ws.max_row, column=column).value for label, column in COLUMN.items()}
    assert totals["全年预算数"] == pytest.approx(2939 + 200 + 100)
    assert totals["执行数"] == pytest.approx(300 + 80)
    assert totals["执行率"] == pytest.approx(380 / 3239, abs=1e-4)
    assert totals["一季度状态"] == "已送审 2/3" and totals["二季度状态"] == "已送审 0/3"
    assert totals["运行监控状态"] == "已送审 1/3" and totals["自评状态"] == "已送审 1/3"
    assert exported.filename == "2023年预算绩效汇总表.xlsx"
    assert (tmp_path / "exports" / "2023" / "汇总" / exported.filename).read_bytes() == exported.data


def test_each_unit_shows_its_money_score_grade_and_every_reports_status_and_date(app, units, tmp_path):
    ws = export(app, tmp_path)[1][SUMMARY_SHEET]
    row = summary_row(ws, "甲单位")
    assert row["主管部门"].value == "深圳市财政局"
    assert (row["全年预算数"].value, row["执行数"].value) == (200, 80)
    assert row["执行率"].value == pytest.approx(0.4) and row["执行率"].number_format == "0.00%"
    assert row["全年预算数"].number_format == "#,##0.00" and row["全年预算数"].data_type == "n"
    assert row["自评总分"].value == pytest.approx(92.5) and row["评价等级"].value == "优"
    assert [row[f"{q}状态"].value for q in ("一季度", "二季度", "三季度", "四季度")] == [
        "审核通过",
        "已退回",
        "未填报",
        "未填报",
    ]
    assert row["一季度送审日期"].value.date() == date(2023, 4, 10)  # 02:00 UTC is 10:00 in Shanghai
    assert row["一季度送审日期"].number_format == "yyyy-mm-dd"
    assert row["三季度送审日期"].value is None
    assert (row["运行监控状态"].value, row["自评状态"].value) == ("已送审", "审核通过")
    seed = summary_row(ws, SEED_UNIT)
    assert seed["执行数"].value == 300 and seed["一季度状态"].value == "已送审"
    assert seed["自评状态"].value == "未填报" and seed["自评总分"].value is None


def test_a_formula_like_unit_name_stays_text_and_its_sheet_name_is_safe(app, units, tmp_path):
    wb = export(app, tmp_path)[1]
    cell = summary_row(wb[SUMMARY_SHEET], FORMULA_UNIT)["单位"]
    assert cell.data_type == "s" and cell.value == FORMULA_UNIT
    detail = next(name for name in wb.sheetnames if "HYPERLINK" in name)
    assert len(detail) <= 31 and not set(detail) & set("[]:*?/\\")
    assert wb[detail]["A2"].value == f"单位名称：{FORMULA_UNIT}" and wb[detail]["A2"].data_type == "s"


def test_each_unit_has_its_own_sheet_linked_from_its_name(app, units, tmp_path):
    wb = export(app, tmp_path)[1]
    assert len(wb.sheetnames) == 1 + 3
    link = summary_row(wb[SUMMARY_SHEET], SEED_UNIT)["单位"].hyperlink
    target = link.location.split("!")[0].strip("'")
    ws = wb[target]
    assert [cell.value for cell in ws[3]] == DETAIL_HEADERS
    names = [ws.cell(row=r, column=3).value for r in range(4, ws.max_row + 1)]
    assert "投诉调解辅助服务" in names and names.count("投诉调解辅助服务") == 2  # unit table and the project's own
    row = names.index("投诉调解辅助服务") + 4
    assert ws.cell(row=row, column=DETAIL_HEADERS.index("一季度") + 1).value == "5,000宗"
    assert ws.cell(row=row, column=DETAIL_HEADERS.index("状态") + 1).value == "绿"
    assert any(ws.cell(row=r, column=1).value == "合计" for r in range(4, ws.max_row + 1))  # its budget block


def test_a_units_sheet_shows_its_indicators_as_its_progress_workbook_does(app, units, tmp_path):
    """The detail rows are streamed (write-only mode) but must look like the normal-mode
    progress workbook's: the same values, types, number formats, fonts, fills and borders."""
    wb = export(app, tmp_path)[1]
    detail = wb[sheet_name(sorted([SEED_UNIT, "甲单位", FORMULA_UNIT]).index(SEED_UNIT) + 1, SEED_UNIT)]
    with app.app_context(), Session(db.engine(), expire_on_commit=False) as session:
        year = budget.get_year(session, 2023)
        seed = next(row.unit for row in service.unit_statuses(session, year) if row.unit.name == SEED_UNIT)
        progress = unit_progress(session, seed, year)
    grid = load_workbook(io.BytesIO(export_progress(progress, tmp_path).data))[GRID_SHEET]

    def indicator_rows(ws):  # rows with a 三级指标, up to the budget block, from the 三级指标 column on
        rows = []
        for row in ws.iter_rows(min_row=4):
            if all(cell.value is None for cell in row):
                break
            if row[2].value:
                rows.append(row[2 : len(DETAIL_HEADERS)])
        return rows

    streamed, normal = indicator_rows(detail), indicator_rows(grid)
    assert len(streamed) == len(normal) == len(progress.rows)
    for streamed_row, normal_row in zip(streamed, normal):
        for mine, theirs in zip(streamed_row, normal_row):
            assert (mine.value, mine.data_type, mine.number_format) == (
                theirs.value,
                theirs.data_type,
                theirs.number_format,
            )
            looks = [
                (repr(cell.font), repr(cell.fill), repr(cell.border), repr(cell.alignment)) for cell in (mine, theirs)
            ]  # style proxies of two workbooks compare by their repr
            assert looks[0] == looks[1]


def test_rows_with_wrapped_text_are_as_high_as_their_lines_need(app, units, tmp_path):
    wb = export(app, tmp_path)[1]
    ws = wb[sheet_name(sorted([SEED_UNIT, "甲单位", FORMULA_UNIT]).index(SEED_UNIT) + 1, SEED_UNIT)]
    assert ws.row_dimensions[1].height == 30  # the title
    widths = consolidated.DETAIL_WIDTHS
    heights = {
        row[0].row: style.row_height((cell.value, width) for cell, width in zip(row, widths))
        for row in ws.iter_rows(min_row=4)
        if row[0].style != style.SECTION
    }  # group rows are one line
    assert any(heights.values())  # some 三级指标 or 判断依据 wraps
    for row, height in heights.items():
        assert ws.row_dimensions[row].height == height, row


@pytest.mark.parametrize("sheet", [0, 1])
def test_every_sheet_freezes_its_header_and_prints_a4_landscape(app, units, tmp_path, sheet):
    ws = export(app, tmp_path)[1].worksheets[sheet]
    assert ws.freeze_panes == "B4" and ws.print_title_rows == "$3:$3"
    assert ws.page_setup.orientation == "landscape" and str(ws.page_setup.paperSize) == ws.PAPERSIZE_A4
    assert ws.column_dimensions["A"].width >= 8


def test_the_workbook_is_written_in_write_only_mode(app, units, tmp_path, monkeypatch):
    modes = []

    def spy(*args, **kwargs):
        modes.append(kwargs.get("write_only", False))
        return Workbook(*args, **kwargs)

    monkeypatch.setattr(consolidated, "Workbook", spy)
    export(app, tmp_path)
    assert modes == [True]


def test_details_are_read_one_unit_at_a_time(app, units):
    with app.app_context(), Session(db.engine(), expire_on_commit=False) as session:
        year = budget.get_year(session, 2023)
        seed = next(row.unit for row in service.unit_statuses(session, year) if row.unit.name == SEED_UNIT)
        details = service.unit_details(session, year, [seed])
        assert iter(details) is details  # a generator: nothing is loaded before the builder asks
        assert next(details) == detail_sheet(unit_progress(session, seed, year))


@pytest.mark.parametrize(
    "index, name, expected",
    [
        (1, "深圳市消费者委员会秘书处", "1-深圳市消费者委员会秘书处"),
        (12, "a[b]c:d*e?f/g\\h'i", "12-a_b_c_d_e_f_g_h_i"),
        (7, "很长的单位名称" * 10, ("7-" + "很长的单位名称" * 10)[:31]),
    ],
)
def test_sheet_names_are_numbered_safe_and_within_31_characters(index, name, expected):
    assert sheet_name(index, name) == expected


def test_a_control_character_in_a_streamed_cell_is_cleaned_not_an_error():
    """A stored note with a BEL or Word's vertical tab still makes a workbook (kpi.core.text), as
    a Styled or as the plain tuple kpi.finance.detail_feed sends."""
    wb = Workbook(write_only=True)
    style.add_styles(wb)
    sheet = consolidated.StreamingSheet(wb.create_sheet("流"), [20, 20])
    sheet.append(sheet.cells([style.Styled("响铃\x07"), ("两\x0b行", style.TEXT, None, None, None)]))
    sheet.close()
    back = load_workbook(io.BytesIO(style.workbook_bytes(wb))).active
    assert [cell.value for cell in back[1]] == ["响铃", "两\n行"]
    assert {cell.data_type for cell in back[1]} == {"s"}
