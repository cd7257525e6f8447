"""Does the 绩效自评 workbook read back as docs/rules/scoring.md and docs/rules/layouts.md §2 promise, with scores that follow the rules?"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from datetime import date, datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from kpi.domain.targets import parse_target
from kpi.evaluation.workbook import GRID_HEADERS, MONEY_HEADERS, NOTES_HEADERS, NOTES_SHEET, PROJECT_SHEET, UNIT_SHEET
from tests.evaluation.gen import REPORT_URL, UNIT, import_a_year, scored
from tests.reports.blocks import block_ranges, label_blocks

FORMULA = '=HYPERLINK("http://x")'
GRID_START = 14


@pytest.fixture
def downloaded(app, staff, tmp_path):
    """The workbook downloaded after a year of results and a draft with formula-like texts."""
    import_a_year(app, tmp_path)
    response = staff.post(
        {"unit": "+全年目标基本完成", "信息化类": "@平台已上线"},
        {"新增放心消费承诺、线下无理由退货承诺企业数量": FORMULA},
    )
    assert response.status_code == 302
    download = staff.client.get(REPORT_URL + "/workbook")
    assert download.status_code == 200
    assert download.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return download.data


@pytest.fixture
def wb(downloaded):
    return load_workbook(io.BytesIO(downloaded))


def grid_rows(ws):
    """The indicator rows: from row 14 to the row before 总分."""
    row = GRID_START
    while ws.cell(row=row, column=1).value != "总分":
        yield row
        row += 1


def total_row(ws) -> int:
    return next(r for r in range(GRID_START, ws.max_row + 1) if ws.cell(row=r, column=1).value == "总分")


def merged_pieces(ws, column: int) -> list:
    return [r for r in ws.merged_cells.ranges if r.min_col == r.max_col == column]


def merged(ws) -> set[str]:
    return {str(cells) for cells in ws.merged_cells.ranges}


def test_the_sheets_are_the_unit_table_then_each_project_then_the_working(wb):
    assert wb.sheetnames == [
        UNIT_SHEET,
        *(f"{PROJECT_SHEET}-{name}" for name in ("市场监督管理事务", "信息化类", "综合管理类", "修缮维护类")),
        NOTES_SHEET,
    ]
    assert all(len(name) <= 31 for name in wb.sheetnames)


def test_each_table_has_the_titles_headers_money_block_goal_and_grid_of_the_published_form(wb):
    unit, project = wb[UNIT_SHEET], wb[f"{PROJECT_SHEET}-修缮维护类"]
    assert (unit["A1"].value, unit["A2"].value) == (UNIT_SHEET, "（2023年度）")
    assert [c.value for c in unit[3] if c.value] == [f"单位名称：{UNIT}", "年度：2023年", "金额单位：万元"]
    assert (unit["A4"].value, unit["B4"].value, unit["A5"].value, unit["B5"].value) == (
        "单位名称",
        UNIT,
        "主管部门",
        "深圳市市场监督管理局",
    )
    assert [project[c].value for c in ("A4", "B4", "A5", "B5", "E5", "F5")] == [
        "项目名称",
        "修缮维护类",
        "主管部门",
        "深圳市市场监督管理局",
        "实施单位",
        UNIT,
    ]
    for ws, labels in (
        (unit, ["年度资金总额", "基本支出", "项目支出", "其他资金"]),
        (project, ["年度资金总额", "其中：当年财政拨款", "上年结转资金", "其他资金"]),
    ):
        assert [ws.cell(row=6, column=c).value for c in range(3, 9)] == MONEY_HEADERS
        assert [ws.cell(row=r, column=2).value for r in range(7, 11)] == labels
        assert [ws[c].value for c in ("A11", "B11", "F11")] == ["年度总体目标", "预期目标", "实际完成情况"]
        assert [ws.cell(row=13, column=c).value for c in range(1, 9)] == GRID_HEADERS
        assert {"A1:H1", "A2:H2", "A6:A10", "A11:A12", "B11:E11", "F11:H11", "B12:E12", "F12:H12"} <= merged(ws)
    assert project["B12"].value.startswith("用于办公场所的日常装修费用")


def test_first_and_second_level_labels_are_merged_down_their_rows(wb):
    ws = wb[UNIT_SHEET]
    rows = list(grid_rows(ws))
    assert len(rows) == 67
    assert ws.cell(row=rows[0], column=1).value == "产出指标" and ws.cell(row=rows[0], column=2).value == "数量指标"
    # A block that crosses a page is split there, the label repeated (tests/reports/blocks.py joins it).
    assert f"A{GRID_START}:A{GRID_START + 54}" in block_ranges(ws, 1)  # 产出指标: 55 indicators
    assert f"B{GRID_START}:B{GRID_START + 43}" in block_ranges(ws, 2)  # 数量指标: 44 indicators
    assert f"A{GRID_START + 55}:A{GRID_START + 62}" in block_ranges(ws, 1)  # 效益指标: 8
    assert len(ws.row_breaks.brk) >= 2 and len(label_blocks(ws, 1)) < len(merged_pieces(ws, 1))
    assert f"A{total_row(ws)}:E{total_row(ws)}" in merged(ws)


def test_points_add_up_to_100_and_the_total_is_the_sum_of_scores_and_the_engines(app, wb):
    result = scored(app)
    for ws, table in zip(wb.worksheets, result.tables):
        rows = list(grid_rows(ws))
        points = sum(Decimal(str(ws.cell(row=r, column=6).value)) for r in rows) + Decimal(str(ws["F7"].value))
        scores = sum(Decimal(str(ws.cell(row=r, column=7).value)) for r in rows) + Decimal(str(ws["H7"].value))
        last = total_row(ws)
        assert points == 100 and ws.cell(row=last, column=6).value == 100, ws.title
        assert Decimal(str(ws.cell(row=last, column=7).value)) == scores == table.total, ws.title
        assert ws.cell(row=last, column=8).value == f"评价等级：{table.grade}"


def test_each_numeric_score_follows_its_rule_from_target_actual_and_points(wb):
    """docs/rules/scoring.md §4, §5, recomputed from the cells alone: positive min(实际/目标, 1), reverse linear."""
    checked = 0
    for ws in wb.worksheets[:-1]:
        for row in grid_rows(ws):
            actual, points, score = (ws.cell(row=row, column=c).value for c in (5, 6, 7))
            target = parse_target(ws.cell(row=row, column=4).value)
            money = ws.cell(row=row, column=5).number_format == "#,##0.00"  # budget-relative: 执行数 vs 预算
            if not isinstance(actual, (int, float)) or target.value is None or money:
                continue
            actual, points = Decimal(str(actual)), Decimal(str(points))
            if target.comparator and target.comparator.value in ("<=", "<"):
                ratio = max(Decimal(0), 1 - max(actual - target.value, Decimal(0)) / target.value)
            else:
                ratio = min(actual / target.value, Decimal(1))
            assert Decimal(str(score)) == (points * ratio).quantize(Decimal("0.01")), (ws.title, row)
            checked += 1
    assert checked > 60


def test_numbers_are_numbers_with_formats_and_never_text(wb):
    ws = wb[UNIT_SHEET]
    for row in grid_rows(ws):
        for column in (6, 7):
            cell = ws.cell(row=row, column=column)
            assert isinstance(cell.value, (int, float)) and cell.number_format == "0.00", cell.coordinate
    assert all(isinstance(ws.cell(row=7, column=c).value, (int, float)) for c in (3, 4, 5, 6, 7, 8))
    assert ws["C7"].number_format == "#,##0.00" and ws["G7"].number_format == "0.00%"
    assert ws["G7"].value == pytest.approx(0.9664) and ws["H7"].value == pytest.approx(9.66)
    mediation = next(r for r in grid_rows(ws) if ws.cell(row=r, column=3).value == "投诉调解辅助服务")
    assert ws.cell(row=mediation, column=5).value == 19000  # its project row's figure (同一指标)
    assert ws.cell(row=mediation, column=5).number_format == '#,##0"宗"'
    late = next(r for r in grid_rows(ws) if ws.cell(row=r, column=3).value == "项目完成时间")
    assert isinstance(ws.cell(row=late, column=5).value, (date, datetime))


def test_user_text_that_looks_like_a_formula_stays_text(wb):
    ws = wb[UNIT_SHEET]
    row = next(
        r for r in grid_rows(ws) if ws.cell(row=r, column=3).value == "新增放心消费承诺、线下无理由退货承诺企业数量"
    )
    cell = ws.cell(row=row, column=8)
    assert cell.value == FORMULA and cell.data_type == "s"
    assert ws["F12"].value == "+全年目标基本完成" and ws["F12"].data_type == "s"
    assert wb[f"{PROJECT_SHEET}-信息化类"]["F12"].value == "@平台已上线"


def test_header_rows_are_frozen_and_repeated_on_a4_landscape_pages(wb):
    for ws in wb.worksheets[:-1]:
        assert ws.freeze_panes == "A14" and ws.print_title_rows == "$13:$13", ws.title
        assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 9
        assert ws.column_dimensions["C"].width >= 30
    notes = wb[NOTES_SHEET]
    assert notes.page_setup.orientation == "landscape" and notes.freeze_panes is not None


def test_the_working_sheet_explains_every_score_and_the_allocation(app, wb):
    ws = wb[NOTES_SHEET]
    header = next(r for r in range(1, ws.max_row + 1) if ws.cell(row=r, column=1).value == NOTES_HEADERS[0])
    assert [ws.cell(row=header, column=c).value for c in range(1, 9)] == NOTES_HEADERS
    lines = [[ws.cell(row=r, column=c).value for c in range(1, 9)] for r in range(header + 1, ws.max_row + 1)]
    result = scored(app)
    assert len([line for line in lines if line[4] != "分值分配"]) == sum(len(t.rows) + 1 for t in result.tables)
    first = result.unit_table.rows[0]
    assert [UNIT_SHEET, GRID_START, "产出指标", first.indicator.name, "正向指标"] == lines[1][:5]
    assert lines[1][7] == first.score.working == "实际 500 ÷ 目标 1,000 × 分值 0.91 = 0.46"
    assert lines[0][3:5] == ["年度资金总额", "预算执行率"] and lines[0][1] == 7
    assert any(line[4] == "分值分配" and "满意度指标没有指标" in line[7] for line in lines)
    assert "预算执行 10 分" in ws["A3"].value


@pytest.mark.skipif(not shutil.which("soffice"), reason="LibreOffice (Debian's libreoffice-calc) is not installed")
def test_libreoffice_opens_the_workbook_and_prints_it_to_pdf(downloaded, tmp_path):
    source = tmp_path / "自评.xlsx"
    source.write_bytes(downloaded)
    subprocess.run(
        [
            "soffice",
            "--headless",
            f"-env:UserInstallation=file://{tmp_path}/lo",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    pdf = (tmp_path / "自评.pdf").read_bytes()
    assert pdf.startswith(b"%PDF") and len(re.findall(rb"/Type\s*/Page[^s]", pdf)) >= 6
    sizes = {tuple(round(float(n)) for n in box.split()[2:]) for box in re.findall(rb"/MediaBox\s*\[([^\]]*)\]", pdf)}
    assert sizes == {(842, 595)}  # A4 landscape, in points
