"""Do `kpi export progress` and `kpi export consolidated` write their workbooks, and fail in Chinese?"""

from __future__ import annotations

import pytest
from openpyxl import load_workbook

from kpi import db
from kpi.budget import service as budget
from kpi.finance.consolidated import SUMMARY_SHEET
from kpi.progress.workbook import GRID_SHEET
from tests.finance.gen import SEED_UNIT, gen_unit
from tests.progress.gen import gen_quarter


def export(runner, *args: str):
    return runner.invoke(args=["kpi", "export", *args])


def test_export_progress_writes_the_workbook_and_keeps_a_copy(app, runner, tmp_path):
    gen_quarter(app, 1, {"投诉调解辅助服务": {"value": "5000"}})
    out = tmp_path / "out" / "进度表.xlsx"
    result = export(runner, "progress", "--year", "2023", "--unit", SEED_UNIT, "--out", str(out))
    assert result.exit_code == 0, result.output
    assert str(out) in result.output and "副本" in result.output
    ws = load_workbook(out)[GRID_SHEET]
    assert ws["A1"].value == f"2023年度{SEED_UNIT}绩效指标完成进度表"
    copy = app.config["KPI_EXPORT_DIR"] / "2023" / SEED_UNIT / f"{SEED_UNIT}-2023年绩效指标完成进度表.xlsx"
    assert copy.read_bytes() == out.read_bytes()


def test_export_consolidated_takes_every_unit_and_keeps_a_copy_under_the_summary_folder(app, runner, tmp_path):
    gen_unit(app, "甲单位", quarters={1: "submitted"})
    out = tmp_path / "汇总.xlsx"
    result = export(runner, "consolidated", "--year", "2023", "--out", str(out))
    assert result.exit_code == 0, result.output
    wb = load_workbook(out)
    assert len(wb.sheetnames) == 3 and wb.sheetnames[0] == SUMMARY_SHEET
    copy = app.config["KPI_EXPORT_DIR"] / "2023" / "汇总" / "2023年预算绩效汇总表.xlsx"
    assert copy.read_bytes() == out.read_bytes()


@pytest.mark.parametrize(
    "args, message",
    [
        (["progress", "--year", "2023", "--out", "x.xlsx"], "错误：请用 --unit 指定预算单位名称"),
        (["progress", "--unit", SEED_UNIT, "--out", "x.xlsx"], "错误：请用 --year 指定预算年度"),
        (["progress", "--unit", "不存在的单位", "--year", "2023", "--out", "x.xlsx"], "错误：单位不存在：不存在的单位"),
        (["progress", "--unit", SEED_UNIT, "--year", "2031", "--out", "x.xlsx"], "错误：年度不存在：2031"),
        (["progress", "--unit", SEED_UNIT, "--year", "2023"], "错误：请用 --out 指定输出文件"),
        (["progress", "--unit", SEED_UNIT, "--year", "2023", "--out", "x.csv"], "错误：输出文件必须是 .xlsx"),
        (["consolidated", "--out", "x.xlsx"], "错误：请用 --year 指定预算年度"),
        (["consolidated", "--year", "2031", "--out", "x.xlsx"], "错误：年度不存在：2031"),
    ],
)
def test_a_missing_or_unknown_unit_or_year_fails_in_chinese_with_exit_code_1(app, runner, tmp_path, args, message):
    args = [str(tmp_path / arg) if arg.startswith("x.") else arg for arg in args]
    result = export(runner, *args)
    assert result.exit_code == 1 and message in result.output
    assert not list(tmp_path.glob("x.*"))


def test_a_unit_without_indicators_or_budget_in_that_year_fails_in_chinese(app, runner, tmp_path):
    with app.app_context(), db.transaction() as session:
        budget.get_or_create_unit(session, "空单位")
    result = export(runner, "progress", "--unit", "空单位", "--year", "2023", "--out", str(tmp_path / "x.xlsx"))
    assert result.exit_code == 1 and "错误：空单位 2023 年没有指标或预算" in result.output


def test_consolidated_takes_no_unit(app, runner, tmp_path):
    result = export(runner, "consolidated", "--year", "2023", "--unit", SEED_UNIT, "--out", str(tmp_path / "x.xlsx"))
    assert result.exit_code != 0 and "--unit" in result.output
