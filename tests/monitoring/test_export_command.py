"""Does `flask kpi export monitoring` write the 绩效运行监控表, and fail in Chinese when it cannot?"""

from __future__ import annotations

from openpyxl import load_workbook

from kpi.monitoring.workbook import SHEET_TITLE
from tests.progress.gen import gen_quarter

UNIT = "深圳市消费者委员会秘书处"


def export(runner, *args: str):
    return runner.invoke(args=["kpi", "export", "monitoring", *args])


def test_a_report_not_started_exports_its_prefilled_values(app, runner, tmp_path):
    gen_quarter(app, 1, {"投诉调解辅助服务": {"value": "5000"}})
    out = tmp_path / "out" / "监控表.xlsx"
    result = export(runner, "--unit", UNIT, "--year", "2023", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert str(out) in result.output and "副本" in result.output
    ws = load_workbook(out)[SHEET_TITLE]
    assert ws["A1"].value == f"2023年度{UNIT}绩效运行监控表"
    row = next(r for r in range(1, ws.max_row + 1) if ws.cell(row=r, column=3).value == "投诉调解辅助服务")
    assert ws.cell(row=row, column=5).value == 5000
    assert ws.cell(row=row, column=6).value == 8571  # 5,000 × 12/7 = 8,571.43: a count, a whole number
    copy = app.config["KPI_EXPORT_DIR"] / "2023" / UNIT / f"{UNIT}-2023年绩效运行监控表.xlsx"
    assert copy.read_bytes() == out.read_bytes()


def test_an_unknown_unit_or_year_fails_in_chinese_with_exit_code_1(runner, tmp_path):
    out = str(tmp_path / "x.xlsx")
    result = export(runner, "--unit", "不存在的单位", "--year", "2023", "--out", out)
    assert result.exit_code == 1 and "错误：单位不存在：不存在的单位" in result.output
    result = export(runner, "--unit", UNIT, "--year", "2031", "--out", out)
    assert result.exit_code == 1 and "错误：年度不存在：2031" in result.output
    assert not (tmp_path / "x.xlsx").exists()


def test_the_output_must_be_an_xlsx_file(runner, tmp_path):
    result = export(runner, "--unit", UNIT, "--year", "2023", "--out", str(tmp_path / "x.csv"))
    assert result.exit_code == 1 and "输出文件必须是 .xlsx" in result.output


def test_an_unwritable_output_fails_cleanly(runner, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    result = export(runner, "--unit", UNIT, "--year", "2023", "--out", str(blocker / "x.xlsx"))
    assert result.exit_code == 1 and "错误：无法写入" in result.output


def test_the_export_group_lists_monitoring(runner):
    result = runner.invoke(args=["kpi", "export", "--help"])
    assert result.exit_code == 0 and "monitoring" in result.output
