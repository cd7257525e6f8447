"""The third round of real published tables (tests/data/published 29-33), read as published.

Each test takes the file's rows back into a workbook in the publisher's layout and checks the
category the table was collected for: a zero target for something to avoid in a 自评表 (29), a
compound unit 元/人、天 (30), a month without a year `11月底前` and a first level printed as its
points only (31), an operator column left empty with `人/天` in the unit column (32), a period
`1-12月` without a year (33).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from kpi.domain.scoring import IndicatorInput, score_self_evaluation
from kpi.domain.scoring_presets import preset
from kpi.domain.target_context import TargetContext, read_target
from kpi.domain.targets import Comparator, Direction, TargetKind
from kpi.indicators.table_reader import read_target_table
from tests.cli.test_import_published_layouts import as_workbook, by_name, published
from tests.cli.test_import_targets_command import import_targets
from tests.indicators.xlsx_factory import gen_workbook

ACCIDENTS = "指标1:辖区内与补助资金相关的重大食品安全监管责任事故发生数"


def test_a_zero_accident_target_in_a_sichuan_selfeval_is_read_as_a_cap(runner, tmp_path):
    table = published("29")  # 四川 遂宁市安居区 2021: 重大食品安全监管责任事故发生数 0次 → 0次
    assert table["kind"] == "selfeval" and table["rows"][7][3:5] == ["0次", "0次"]
    workbook = as_workbook(tmp_path, table, columns=[0, 1, 2, 3])
    result = import_targets(runner, workbook, "--dry-run", year="2021")
    assert result.exit_code == 0, result.output
    assert f"{ACCIDENTS}：0次 → count <=0次" in result.output
    assert "说明：目标为 0：应避免的事项，按上限（≤0）读取" in result.output
    assert import_targets(runner, workbook, year="2021").exit_code == 0
    row = by_name(runner, 2021)[ACCIDENTS]
    assert (row["comparator"], row["direction"], row["target_value"]) == ("<=", "reverse", 0)


@pytest.mark.parametrize(("actual", "score"), [(D(0), D(3)), (D(2), D(0))])
def test_the_zero_cap_scores_the_published_points_for_no_accident_and_nothing_for_two(actual, score):
    table = published("29")
    level1, level2, name, target_text, actual_text, printed = table["rows"][7]
    target = read_target(target_text, TargetContext(name=name, year=table["year"]))
    assert (target.kind, target.comparator, target.direction) == (TargetKind.COUNT, Comparator.LE, Direction.REVERSE)
    assert read_target(actual_text).value == 0
    row = IndicatorInput(
        key=name,
        level1=level1,
        level2=level2,
        name=name,
        kind=target.kind,
        comparator=target.comparator,
        direction=target.direction,
        target_value=target.value,
        actual=actual,
        points=D(printed),
    )
    evaluation = score_self_evaluation([row], budget=D("2.38"), spent=D("2.38"), settings=preset("printed-points"))
    assert evaluation.indicators[0].score == score  # 0次 → 0次 is the published 3 of 3


def test_a_month_without_a_year_in_an_anhui_selfeval_is_a_deadline_in_the_tables_year(runner, tmp_path):
    table = published("31")  # 安徽 宣城市地震局 2021: 业务培训时限 11月底前 → 10月, 5 of 5
    workbook = as_workbook(tmp_path, table, columns=[0, 1, 2, 3, 5])
    result = import_targets(runner, workbook, "--dry-run", year="2021")
    assert result.exit_code == 0, result.output
    assert "说明：“11月底前”未写年份，按本表年度读作截止日期 2021-11-30" in result.output
    assert import_targets(runner, workbook, year="2021").exit_code == 0
    rows = by_name(runner, 2021)
    for name in ("指标1:业务培训时限", "指标2:科普宣传时限"):
        assert (rows[name]["kind"], rows[name]["target_date"], rows[name]["points"]) == ("deadline", "2021-11-30", 5)


def test_a_first_level_printed_as_its_points_only_takes_the_standard_label_of_its_level2(runner, tmp_path):
    table = published("31")  # the 一级 cell reads "(50分)": no label, the output block's points
    assert table["rows"][0][0] == "(50分)"
    result = import_targets(runner, as_workbook(tmp_path, table, columns=[0, 1, 2, 3, 5]), "--dry-run", year="2021")
    assert "产出指标 / 数量指标 / 指标1:接受业务培训人数：200 → count =200" in result.output
    assert "说明：一级指标为空，按二级指标“数量指标”的标准一级“产出指标”读取" in result.output
    read = read_target_table(as_workbook(tmp_path, table, columns=[0, 1, 2, 3, 5]))
    assert {(row.level1, row.level1_points) for row in read.rows} == {("产出指标", D(50))}


def test_a_compound_unit_per_person_and_day_in_a_sichuan_selfeval_stays_whole(runner, tmp_path):
    table = published("30")  # 四川 遂宁经开区 2021: 培训成本 400元/人、天 → 180元/人、天; 产出 一级 not printed
    workbook = as_workbook(tmp_path, table, columns=[0, 1, 2, 3])
    result = import_targets(runner, workbook, "--dry-run", year="2021")
    assert result.exit_code == 0, result.output  # the blank 一级 of the 产出 rows no longer refuses the table
    assert "指标1.培训成本：400元/人、天 → money =400元/人·天" in result.output
    assert import_targets(runner, workbook, year="2021").exit_code == 0
    rows = by_name(runner, 2021)
    cost = rows["指标1.培训成本"]
    assert (cost["target_value"], cost["unit"], cost["kind"], cost["level1"]) == (400, "元/人·天", "money", "产出指标")
    actual = read_target("180元/人、天", TargetContext(name="指标1.培训成本", year=2021))
    assert (actual.value, actual.unit) == (180, "元/人·天")  # the actual in the same unit as its target
    assert rows["任务完成时间"]["kind"] == "deadline"


def test_a_split_table_with_no_operator_printed_keeps_its_units_as_printed(runner, tmp_path):
    table = published("32")  # 四川 甘孜州 市场监管局: 指标性质 empty, 检查差旅费 470 人/天
    result = import_targets(runner, as_workbook(tmp_path, table), year="2024")
    assert result.exit_code == 0, result.output
    rows = by_name(runner, 2024)
    assert (rows["检查差旅费"]["target_value"], rows["检查差旅费"]["unit"]) == (470, "人/天")
    assert (rows["培训费"]["target_value"], rows["培训费"]["unit"]) == (320, "人/天")
    assert rows["食安委成员单位食品安全工作齐抓共管"]["unit"] == "%"
    assert {rows[name]["kind"] for name in ("食品安全整体状况", "公众对食品安全满意度")} == {"qualitative"}
    assert sum(row["points"] for row in rows.values()) == 90  # the printed 权重, 预算执行率权重 blank


def test_a_period_of_months_without_a_year_in_a_sichuan_table_is_a_period_of_its_year(runner, tmp_path):
    table = published("33")  # 四川 大英县 2020: 时效指标 / 全年 / 1-12月; first levels 项目决策 / 项目效益
    result = import_targets(runner, as_workbook(tmp_path, table, columns=[0, 1, 2, 3]), year="2020")
    assert result.exit_code == 0, result.output
    rows = by_name(runner, 2020)
    assert rows["全年"]["kind"] == "period"
    period = read_target("1-12月", TargetContext(name="全年", year=2020))
    assert (period.date_from, period.date_to) == (date(2020, 1, 1), date(2020, 12, 31))
    assert {row["level1"] for row in rows.values()} == {"项目决策", "项目效益", "满意度指标"}


def test_a_blank_first_level_beside_a_level2_that_names_no_standard_level_is_still_refused(runner, tmp_path):
    rows = [
        ["一级指标", "二级指标", "三级指标", "指标值"],
        [None, "项目管理", "资金使用合规性", "合规"],
    ]
    assert read_target_table(gen_workbook(tmp_path, rows)).rows[0].level1 == ""
    result = import_targets(runner, gen_workbook(tmp_path, rows))
    assert result.exit_code == 1 and "第 2 行（一级指标列）：不能为空" in result.output


def test_points_only_in_a_later_level_cell_start_the_next_standard_level(tmp_path):
    rows = [
        ["一级指标", "二级指标", "三级指标", "指标值", "分值"],
        ["(50分)", "数量指标", "培训场次", "≥12场", "20"],
        ["(30分)", "社会效益指标", "群众知晓率", "≥90%", "30"],
    ]
    read = read_target_table(gen_workbook(tmp_path, rows)).rows
    assert [(row.level1, row.level1_points, row.level2) for row in read] == [
        ("产出指标", D(50), "数量指标"),
        ("效益指标", D(30), "社会效益指标"),
    ]
