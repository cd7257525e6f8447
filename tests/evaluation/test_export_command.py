"""Does `flask kpi export self-evaluation` write the 绩效自评 workbook, and fail in Chinese when it cannot?"""

from __future__ import annotations

from openpyxl import load_workbook

from kpi.evaluation.workbook import UNIT_SHEET
from tests.evaluation.gen import UNIT, import_a_year, scored


def export(runner, *args: str):
    return runner.invoke(args=["kpi", "export", "self-evaluation", *args])


def test_a_year_of_imported_results_exports_with_the_engines_total_and_a_copy(app, runner, tmp_path):
    import_a_year(app, tmp_path)
    out = tmp_path / "out" / "自评表.xlsx"
    result = export(runner, "--unit", UNIT, "--year", "2023", "--out", str(out))
    assert result.exit_code == 0, result.output
    engine = scored(app)
    assert f"总分 {engine.total}，评价等级 {engine.grade}" in result.output and "副本" in result.output
    ws = load_workbook(out)[UNIT_SHEET]
    last = next(r for r in range(14, ws.max_row + 1) if ws.cell(row=r, column=1).value == "总分")
    assert round(ws.cell(row=last, column=7).value, 2) == float(engine.total)
    assert ws.cell(row=last, column=8).value == f"评价等级：{engine.grade}"
    copy = app.config["KPI_EXPORT_DIR"] / "2023" / UNIT / f"{UNIT}-2023年绩效自评表.xlsx"
    assert copy.read_bytes() == out.read_bytes()


def test_an_unknown_unit_or_year_fails_in_chinese_with_exit_code_1(runner, tmp_path):
    out = tmp_path / "x.xlsx"
    result = export(runner, "--unit", "不存在的单位", "--year", "2023", "--out", str(out))
    assert result.exit_code == 1 and "错误：单位不存在：不存在的单位" in result.output
    result = export(runner, "--unit", UNIT, "--year", "2031", "--out", str(out))
    assert result.exit_code == 1 and "错误：年度不存在：2031" in result.output
    assert not out.exists()


def test_a_missing_option_or_a_wrong_suffix_is_refused(runner, tmp_path):
    assert export(runner, "--unit", UNIT, "--out", str(tmp_path / "x.xlsx")).exit_code != 0
    result = export(runner, "--unit", UNIT, "--year", "2023", "--out", str(tmp_path / "x.csv"))
    assert result.exit_code == 1 and "输出文件必须是 .xlsx" in result.output


def test_the_export_group_lists_self_evaluation(runner):
    result = runner.invoke(args=["kpi", "export", "--help"])
    assert result.exit_code == 0 and "self-evaluation" in result.output
