"""Does the finance bureau's 预算绩效汇总表 list every unit, its reports and totals, then every unit's
indicators and budget lines as flat tables to filter, with numbers as numbers, in write-only mode?"""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import Workbook, load_workbook
from sqlmodel import Session, select

from kpi import db
from kpi.budget import service as budget
from kpi.evaluation import service as evaluation
from kpi.evaluation.validation import EvaluationInput
from kpi.finance import consolidated, service
from kpi.finance.consolidated import (
    BUDGET_HEADERS,
    BUDGET_SHEET,
    INDICATOR_HEADERS,
    INDICATOR_SHEET,
    SUMMARY_HEADERS,
    SUMMARY_SHEET,
)
from kpi.indicators.models import Indicator
from kpi.progress.service import unit_progress
from kpi.progress.workbook import GRID_SHEET, export_progress
from kpi.reports import style
from tests.finance.gen import SEED_UNIT, gen_unit
from tests.progress.gen import gen_quarter

FORMULA_UNIT = '=HYPERLINK("http://example.com","点我")'
COLUMN = {label: index for index, label in enumerate(SUMMARY_HEADERS, start=1)}
SERVICE = "投诉调解辅助服务"  # in the unit table and in a project's own


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


def table(ws, headers: list[str]) -> list[dict]:
    """A detail sheet's rows under its first-row headers, as {header: cell}."""
    assert [cell.value for cell in ws[1]] == headers
    return [dict(zip(headers, row)) for row in ws.iter_rows(min_row=2)]


def test_a_formula_like_unit_name_stays_text_on_every_sheet(app, units, tmp_path):
    wb = export(app, tmp_path)[1]
    cell = summary_row(wb[SUMMARY_SHEET], FORMULA_UNIT)["单位"]
    assert cell.data_type == "s" and cell.value == FORMULA_UNIT
    budget_rows = [row for row in table(wb[BUDGET_SHEET], BUDGET_HEADERS) if row["单位"].value == FORMULA_UNIT]
    assert len(budget_rows) == 1 and budget_rows[0]["单位"].data_type == "s"


def test_the_workbook_is_three_flat_tables_not_a_sheet_per_unit(app, units, tmp_path):
    wb = export(app, tmp_path)[1]
    assert wb.sheetnames == [SUMMARY_SHEET, INDICATOR_SHEET, BUDGET_SHEET]


def test_the_indicator_sheet_has_one_row_per_unit_and_indicator(app, units, tmp_path):
    wb = export(app, tmp_path)[1]
    rows = table(wb[INDICATOR_SHEET], INDICATOR_HEADERS)
    with app.app_context(), Session(db.engine()) as session:
        year = budget.get_year(session, 2023)
        expected = session.exec(select(Indicator.id).where(Indicator.year_id == year.id)).all()
    assert len(rows) == len(expected) > 60  # the seed unit's tables; the other units have no indicators
    assert {row["单位"].value for row in rows} == {SEED_UNIT}
    assert {row["主管部门"].value for row in rows} == {"深圳市市场监督管理局"}
    service_rows = [row for row in rows if row["三级指标"].value == SERVICE]
    assert sorted(row["绩效目标表"].value for row in service_rows) == ["单位整体", "市场监督管理事务"]
    for row in service_rows:
        assert (row["一级指标"].value, row["二级指标"].value) == ("产出指标", "数量指标")
        assert row["年初指标值"].value == "≥19000宗" and row["调整后指标值"].value is None
    reported = next(row for row in service_rows if row["绩效目标表"].value == "单位整体")
    first = reported["一季度"]
    assert (first.value, first.data_type, first.number_format) == (5000, "n", '#,##0"宗"')
    assert reported["二季度"].value is None
    assert reported["状态"].value == "绿"  # the word, beside its colour


def test_the_quarters_and_year_to_date_are_numbers_wherever_a_figure_is(app, units, tmp_path):
    rows = table(export(app, tmp_path)[1][INDICATOR_SHEET], INDICATOR_HEADERS)
    for row in rows:
        for label in ("一季度", "累计/最新", "完成率", "分值", "得分"):
            cell = row[label]
            if cell.value is not None and label != "累计/最新":
                assert cell.data_type == "n", (row["三级指标"].value, label, cell.value)
        if row["一季度"].value is not None:
            assert row["累计/最新"].data_type == "n"


def test_an_adjusted_target_shows_both_its_values(app, units, tmp_path):
    with app.app_context(), db.transaction() as session:
        indicator = session.exec(select(Indicator).where(Indicator.name == "志愿者培训数量")).one()
        indicator.original_target_text, indicator.target_text = indicator.target_text, "25场"
        indicator.original_points = indicator.points
    rows = table(export(app, tmp_path)[1][INDICATOR_SHEET], INDICATOR_HEADERS)
    row = next(row for row in rows if row["三级指标"].value == "志愿者培训数量")
    assert (row["年初指标值"].value, row["调整后指标值"].value) == ("20场", "25场")


def test_scores_are_the_self_evaluations_as_saved_and_add_up_to_its_total(app, units, tmp_path):
    with app.app_context(), db.transaction() as session:
        from kpi.accounts.models import User

        staff = session.exec(select(User).where(User.username == "szcc_staff")).one()
        seed = budget.get_unit(session, SEED_UNIT)
        result = evaluation.evaluate(session, seed, budget.get_year(session, 2023))
        evaluation.save(session, result, EvaluationInput(goals={None: "完成"}), user=staff, expected_version=0)
        expected = {
            (table_.title, row.indicator.name): (row.score.points, row.score.score)
            for table_ in result.tables
            for row in table_.rows
        }
        unit_table = result.unit_table
    wb = export(app, tmp_path)[1]
    rows = table(wb[INDICATOR_SHEET], INDICATOR_HEADERS)
    got = {
        (row["绩效目标表"].value, row["三级指标"].value): (row["分值"].value, row["得分"].value)
        for row in rows
        if row["单位"].value == SEED_UNIT
    }
    assert got.keys() == expected.keys()
    for key, (points, score) in expected.items():
        assert got[key] == (pytest.approx(float(points)), pytest.approx(float(score))), key
    unit_scores = sum(score for (title, _), (_, score) in got.items() if title == "单位整体")
    total = summary_row(wb[SUMMARY_SHEET], SEED_UNIT)["自评总分"].value
    assert unit_scores + float(unit_table.evaluation.budget.score) == pytest.approx(total, abs=0.01)


def test_the_budget_sheet_has_each_line_once_and_adds_up_to_the_summary(app, units, tmp_path):
    wb = export(app, tmp_path)[1]
    rows = table(wb[BUDGET_SHEET], BUDGET_HEADERS)
    seed = [row for row in rows if row["单位"].value == SEED_UNIT]
    assert [row["预算项目"].value for row in seed][0] == "基本支出"
    assert {row["支出类型"].value for row in seed} == {"基本支出", "项目支出"}
    assert "合计" not in {row["预算项目"].value for row in rows}  # a sum over the column counts each amount once
    summary = wb[SUMMARY_SHEET]
    assert sum(row["全年预算数"].value for row in rows) == pytest.approx(summary.cell(summary.max_row, 3).value)
    assert sum(row["执行数"].value for row in rows) == pytest.approx(summary.cell(summary.max_row, 4).value)
    first = seed[0]
    assert (first["全年预算数"].value, first["执行数"].value) == (1276, 300)
    assert first["执行率"].number_format == "0.00%" and first["预警"].value in ("绿", "黄", "红")


def test_the_indicator_figures_read_as_the_progress_workbooks_do(app, units, tmp_path):
    """The detail rows are streamed (write-only mode) but their figures read like the normal-mode
    progress workbook's: the same values, types, number formats and status colours."""
    rows = table(export(app, tmp_path)[1][INDICATOR_SHEET], INDICATOR_HEADERS)
    with app.app_context(), Session(db.engine(), expire_on_commit=False) as session:
        year = budget.get_year(session, 2023)
        progress = unit_progress(session, budget.get_unit(session, SEED_UNIT), year)
    grid = load_workbook(io.BytesIO(export_progress(progress, tmp_path).data))[GRID_SHEET]
    normal = [row for row in grid.iter_rows(min_row=4) if row[2].value and row[3].value is not None]
    header = {cell.value: cell.column - 1 for cell in grid[3]}
    assert len(normal) == len(rows)
    for mine, theirs in zip(rows, normal):
        assert mine["三级指标"].value == theirs[header["三级指标"]].value
        for label in ("一季度", "累计/最新", "完成率", "状态"):
            a, b = mine[label], theirs[header[label]]
            if label == "一季度":  # a number here, the displayed text ("5,000宗") there
                assert (a.value is None) == (b.value is None)
                continue
            assert a.value == b.value, label
            if a.value is None:  # an empty cell of a table to filter is left out: nothing to look alike
                continue
            assert a.data_type == b.data_type, label
            if a.data_type != "s":  # a text there is formatted "@", one here is plain: both text
                assert a.number_format == b.number_format, label
            assert a.fill.fgColor.rgb == b.fill.fgColor.rgb, label  # 绿/黄/红 on the same colour


@pytest.mark.parametrize("sheet", [INDICATOR_SHEET, BUDGET_SHEET])
def test_detail_rows_are_plain_one_line_data(app, units, tmp_path, sheet):
    """A table to filter carries its data and nothing else: no borders, no wrapping, no row
    heights (each row is one line), text as text; the headers keep the house style."""
    ws = export(app, tmp_path)[1][sheet]
    assert ws.cell(1, 1).style == style.HEADER
    body = [cell for row in ws.iter_rows(min_row=2) for cell in row if cell.value is not None]
    assert body
    assert all(cell.border.left.style is None and not cell.alignment.wrap_text for cell in body)
    assert all(ws.row_dimensions[row].height is None for row in range(2, ws.max_row + 1))
    assert {cell.data_type for cell in body} <= {"s", "n", "d"}
    assert all(cell.number_format != "General" for cell in body if cell.data_type == "n")


def test_a_detail_text_that_looks_like_a_formula_stays_text():
    wb = Workbook(write_only=True)
    style.add_styles(wb)
    sheet = consolidated.StreamingSheet(wb.create_sheet("表"), [20, 20, 20])
    sheet.start_table(["甲", "乙", "丙"], freeze_columns=0)
    sheet.append(sheet.cells([style.Styled("=1+1"), style.Styled("+cmd|'/c calc'!A0"), style.Styled("绿")]))
    sheet.close()
    back = load_workbook(io.BytesIO(style.workbook_bytes(wb))).active
    assert [(cell.value, cell.data_type) for cell in back[2]] == [
        ("=1+1", "s"),
        ("+cmd|'/c calc'!A0", "s"),
        ("绿", "s"),
    ]


@pytest.mark.parametrize(
    "sheet, frozen, titles, filtered",
    [
        (SUMMARY_SHEET, "B4", "$3:$3", "A3:S6"),  # three units, the 合计 row left out
        (INDICATOR_SHEET, "B2", "$1:$1", None),
        (BUDGET_SHEET, "B2", "$1:$1", None),
    ],
)
def test_every_sheet_freezes_and_filters_its_headers_and_prints_a4_landscape(
    app, units, tmp_path, sheet, frozen, titles, filtered
):
    ws = export(app, tmp_path)[1][sheet]
    assert ws.freeze_panes == frozen and ws.print_title_rows == titles
    assert ws.auto_filter.ref == (filtered or f"A1:{ws.cell(1, ws.max_column).column_letter}{ws.max_row}")
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
        seed = budget.get_unit(session, SEED_UNIT)
        details = service.unit_details(session, year, [seed])
        assert iter(details) is details  # a generator: nothing is loaded before the builder asks
        detail = next(details)
        assert detail.progress.rows == unit_progress(session, seed, year).rows and detail.scores == {}


def test_a_control_character_in_a_streamed_cell_is_cleaned_not_an_error():
    """A stored note with a BEL or Word's vertical tab still makes a workbook (kpi.core.text)."""
    wb = Workbook(write_only=True)
    style.add_styles(wb)
    sheet = consolidated.StreamingSheet(wb.create_sheet("流"), [20, 20])
    sheet.start_table(["甲", "乙"], freeze_columns=0)
    sheet.append(sheet.cells([style.Styled("响铃\x07"), style.Styled("两\x0b行")]))
    sheet.close()
    back = load_workbook(io.BytesIO(style.workbook_bytes(wb))).active
    assert [cell.value for cell in back[2]] == ["响铃", "两\n行"]
    assert {cell.data_type for cell in back[2]} == {"s"}
