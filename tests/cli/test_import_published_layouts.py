"""Does `kpi import-targets` read the layouts real published tables use, and say what it decided?

The rows come from tests/data/published (tables published by budget units in ten provinces,
transcribed cell by cell), written back into a workbook in their published layout.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openpyxl import Workbook

from kpi.indicators.table_reader import TargetTableError, read_target_table
from tests.cli.test_import_targets_command import import_targets, listing
from tests.indicators.xlsx_factory import gen_workbook

PUBLISHED = Path(__file__).resolve().parents[1] / "data" / "published"


def published(number: str) -> dict:
    return json.loads(next(PUBLISHED.glob(f"{number}-*.json")).read_text(encoding="utf-8"))


def as_workbook(tmp_path: Path, table: dict, *, columns: list[int] | None = None) -> Path:
    """The table's headers and rows (the given columns only), as its publisher laid them out."""
    pick = columns if columns is not None else list(range(len(table["headers"])))
    rows = [[table["headers"][i] for i in pick]]
    rows += [[(row[i] if i < len(row) and row[i] != "" else None) for i in pick] for row in table["rows"]]
    return gen_workbook(tmp_path, rows, name=f"{table['year']}.xlsx")


def by_name(runner, year) -> dict:
    return {row["name"]: row for row in listing(runner, year=str(year))}


def test_a_deadline_without_a_year_and_a_period_of_months_in_a_sichuan_table(runner, tmp_path):
    table = published("09")  # 四川 广元市昭化区 2021: 12月底到位, 2021年1月-12月, blank merged 一级
    result = import_targets(runner, as_workbook(tmp_path, table), year="2021")
    assert result.exit_code == 0, result.output
    rows = by_name(runner, 2021)
    assert rows["资金拨付"]["kind"] == "deadline" and rows["资金拨付"]["target_date"] == "2021-12-31"
    assert rows["项目实施时间"]["kind"] == "period"
    assert rows["社会满意度"]["level1"] == "满意度指标"  # carried down from the merged cell


def test_a_zero_target_for_something_to_avoid_in_a_guangdong_table_is_a_cap(runner, tmp_path):
    table = published("19")  # 广东 东莞 2019: 补助款结算争议率 0%
    result = import_targets(runner, as_workbook(tmp_path, table, columns=[0, 1, 2, 3]), "--dry-run", year="2019")
    assert result.exit_code == 0, result.output
    assert "补助款结算争议率：0% → percent <=0%" in result.output
    assert "说明：目标为 0" in result.output


def test_bare_numbers_take_their_unit_from_the_name_in_a_hebei_table(runner, tmp_path):
    table = published("15")  # 河北 廊坊 2019: 工程资金金额 43.2 (万元 table), 完工率 100
    keep = [row for row in table["rows"] if row[3]]
    table = {**table, "rows": keep}
    result = import_targets(runner, as_workbook(tmp_path, table, columns=[0, 1, 2, 3]), year="2019")
    assert result.exit_code == 0, result.output
    rows = by_name(runner, 2019)
    assert (rows["指标1工程资金金额"]["unit"], rows["指标1工程资金金额"]["kind"]) == ("万元", "money")
    assert (rows["指标1工程完工率"]["unit"], rows["指标1工程完工率"]["kind"]) == ("%", "percent")


def test_a_compound_unit_after_a_slash_in_a_hunan_table_stays_whole(runner, tmp_path):
    table = published("13")  # 湖南 岳阳县 2022: 财政资金补助 1600元/亩
    assert import_targets(runner, as_workbook(tmp_path, table), year="2022").exit_code == 0
    row = by_name(runner, 2022)["财政资金补助"]
    assert (row["target_value"], row["unit"], row["kind"]) == (1600, "元/亩", "money")


def test_a_direction_column_beside_the_operator_column_of_a_sichuan_table(runner, tmp_path):
    table = published("08")  # 四川 井研县 2023: 指标性质 | 指标值 | 度量单位 | 权重 | 指标方向性
    result = import_targets(runner, as_workbook(tmp_path, table, columns=[4, 5, 6, 7, 8, 9, 10, 11]), year="2023")
    assert result.exit_code == 0, result.output
    rows = by_name(runner, 2023)
    assert (rows["人民群众满意度"]["comparator"], rows["人民群众满意度"]["direction"]) == (">=", "positive")
    assert rows["人民群众满意度"]["points"] == 10


def test_reverse_in_the_direction_column_beside_equals_is_a_cap(runner, tmp_path):
    rows = [
        ["一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位", "指标方向"],
        ["效益指标", "社会效益指标", "安全责任事故", "=", "2", "起", "反向"],
        ["产出指标", "数量指标", "培训场次", "=", "12", "场", "正向"],
    ]
    assert import_targets(runner, gen_workbook(tmp_path, rows)).exit_code == 0
    listed = {row["name"]: row for row in listing(runner)}
    assert (listed["安全责任事故"]["comparator"], listed["安全责任事故"]["direction"]) == ("<=", "reverse")
    assert (listed["培训场次"]["comparator"], listed["培训场次"]["direction"]) == ("=", "positive")


def test_a_satisfaction_row_without_its_merged_level2_takes_the_standard_label_and_says_so(runner, tmp_path):
    rows = [
        ["一级指标", "二级指标", "三级指标", "指标值"],
        ["产出指标", "数量指标", "培训场次", "≥12场"],
        ["满意度指标", None, "服务对象满意度", "≥90%"],
    ]
    result = import_targets(runner, gen_workbook(tmp_path, rows), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "满意度指标 / 服务对象满意度指标 / 服务对象满意度" in result.output
    assert "说明：二级指标为空" in result.output


def test_a_formula_saved_without_its_value_is_refused_by_row_and_column(runner, tmp_path):
    wb = Workbook()
    ws = wb.active
    for row in (["一级指标", "二级指标", "三级指标", "指标值"], ["产出指标", "数量指标", "培训场次", "=10+2"]):
        ws.append(row)
    path = tmp_path / "formula.xlsx"
    wb.save(path)  # openpyxl never computes formulas: the file holds no value for D2
    with pytest.raises(TargetTableError) as refused:
        read_target_table(path)
    assert (refused.value.row, refused.value.column) == (2, "指标值")
    assert "D2 是公式" in str(refused.value)
    result = import_targets(runner, path)
    assert result.exit_code == 1 and "第 2 行（指标值列）" in result.output


def test_an_excel_date_serial_in_a_deadline_row_is_read_as_its_date(runner, tmp_path):
    rows = [["一级指标", "二级指标", "三级指标", "指标值"], ["产出指标", "时效指标", "项目完成时间", 45291]]
    result = import_targets(runner, gen_workbook(tmp_path, rows), "--dry-run", year="2023")
    assert result.exit_code == 0, result.output
    assert "项目完成时间：45291 → deadline" in result.output
    assert "Excel 日期序列号，按日期 2023-12-31 读取" in result.output


def test_initial_and_adjusted_target_columns_import_as_an_adjusted_indicator(runner, tmp_path):
    rows = [
        ["一级指标", "二级指标", "三级指标", "年初指标值", "调整后指标值", "分值"],
        ["产出指标", "数量指标", "培训场次", "≥12场", "≥10场", "20"],
        ["产出指标", "数量指标", "志愿者活动", "40场", "40场", "20"],
    ]
    result = import_targets(runner, gen_workbook(tmp_path, rows), "--dry-run")
    assert "说明：年初指标值“≥12场”，调整后为本指标值" in result.output
    assert import_targets(runner, gen_workbook(tmp_path, rows)).exit_code == 0
    listed = {row["name"]: row for row in listing(runner)}
    assert (listed["培训场次"]["target_value"], listed["培训场次"]["points"]) == (10, 20)
    from sqlmodel import Session, select

    from kpi import db
    from kpi.indicators.models import Indicator

    with runner.app.app_context(), Session(db.engine()) as session:
        adjusted = session.exec(select(Indicator).where(Indicator.name == "培训场次")).one()
        same = session.exec(select(Indicator).where(Indicator.name == "志愿者活动")).one()
    assert adjusted.is_adjusted and adjusted.initial_target_text == "≥12场" and adjusted.target_text == "≥10场"
    assert not same.is_adjusted


@pytest.mark.parametrize("header", ["成本指标(0-20)分", "产出指标 (40-50)分", "成本指标（0～20分）"])
def test_a_points_range_in_a_level_header_leaves_the_label_and_the_printed_points(runner, tmp_path, header):
    table = published("20")  # 重庆 奉节县 2023: 成本指标(0-20)分 / 经济成本指标 / 项目建设成本 / ≤65万元 / 10
    rows = [
        ["一级指标", "二级指标", "三级指标", "指标值", "分值"],
        [header, "经济成本指标", "项目建设成本", "≤65万元", "10"],
    ]
    assert table["province"].startswith("重庆")
    result = import_targets(runner, gen_workbook(tmp_path, rows), "--dry-run", year="2023")
    assert result.exit_code == 0, result.output
    label = header.split("(")[0].split("（")[0].strip()
    assert f"{label} / 经济成本指标 / 项目建设成本：≤65万元 → money <=65万元" in result.output


def test_first_levels_beyond_the_standard_three_are_imported_as_written(runner, tmp_path):
    rows = [
        ["一级指标", "二级指标", "三级指标", "指标值"],
        ["实施效果指标", "社会效益指标", "群众知晓率", "≥90%"],
        ["过程管理指标", "资金管理", "资金使用合规性", "合规"],
        ["成本指标", "经济成本指标", "项目总成本", "≤90万元"],
    ]
    assert import_targets(runner, gen_workbook(tmp_path, rows)).exit_code == 0
    assert {row["level1"] for row in listing(runner)} == {"实施效果指标", "过程管理指标", "成本指标"}


def test_an_inner_mongolia_table_with_reverse_directions_date_serials_and_zero_caps(runner, tmp_path):
    table = published("26")  # 内蒙古 乌海市 2021: 指标性质 正向/反向 | 指标方向 = | 目标值 | 计量单位 | 分值
    result = import_targets(runner, as_workbook(tmp_path, table, columns=[0, 1, 2, 3, 4, 5, 6, 7]), year="2021")
    assert result.exit_code == 0, result.output
    rows = by_name(runner, 2021)
    for name in ("项目财政资金到位时间", "工作计划按时完成时间"):  # 44,561 printed in a date's place
        assert (rows[name]["kind"], rows[name]["target_date"]) == ("deadline", "2021-12-31"), name
    assert (rows["出差单位成本"]["comparator"], rows["出差单位成本"]["target_value"]) == ("<=", 0)
    assert (rows["出差单位成本"]["direction"], rows["出差单位成本"]["unit"]) == ("reverse", "万元/人")
    assert (rows["出差总成本"]["comparator"], rows["出差总成本"]["direction"]) == ("<=", "reverse")
    assert rows["工作任务完成率"]["unit"] == "%" and rows["出差人次"]["unit"] == "人/次"


def test_a_hubei_table_printing_only_its_initial_targets_reads_them_as_the_targets(runner, tmp_path):
    table = published("27")  # 湖北 黄石 2023: 年初目标值(A — the parenthesis cut off by the export
    result = import_targets(runner, as_workbook(tmp_path, table, columns=[0, 1, 2, 3]), year="2023")
    assert result.exit_code == 0, result.output
    rows = by_name(runner, 2023)
    assert rows["教师满意度"]["comparator"] == ">=" and rows["教师满意度"]["level2"] == "具体指标"
    assert rows["完成校园维修改造及设备购置项目"]["unit"] == "万元"
