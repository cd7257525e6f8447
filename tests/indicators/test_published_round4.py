"""The fourth round of real published tables (tests/data/published 34-37), read as published.

Each test takes the file's rows back into a workbook in the publisher's layout (or reads its cells
with the domain functions) and checks the category the table was collected for: a per-person-and-
month unit written `元/人*月` and full points for an explained shortfall (34, 安徽), a half-year
monitoring table (35, 湖北), `0起` as a target in a table cell (36, 湖南), and a 浙江 table whose
效益 rows print no 一级 cell (37).
"""

from __future__ import annotations

from decimal import Decimal as D

from kpi.domain.monitoring import LIKELIHOODS
from kpi.domain.progress import budget_progress
from kpi.domain.scoring import IndicatorInput, ScoreOverride, score_self_evaluation
from kpi.domain.scoring_presets import preset
from kpi.domain.target_context import TargetContext, read_target
from kpi.domain.targets import Comparator, Direction, TargetKind
from kpi.indicators.table_reader import read_target_table
from tests.cli.test_import_published_layouts import as_workbook, by_name, published
from tests.cli.test_import_targets_command import import_targets

# 34: 一级 二级 三级 分值 年度指标值 全年实际值 得分 未完成原因及拟采取的改进措施
LEVEL1, LEVEL2, NAME, POINTS, TARGET, ACTUAL, SCORE, REASON = range(8)
SUPPORTED = "★★★特困人员救助供养人数(按月平均)(≥**人)"
RURAL_STANDARD = "★农村低保标准(≥**元/人·月)"
RELIEF_CAP = "扶贫临时救助标准(<**元/户·年)——一户年最高5300元"


def scored_rows(table: dict) -> list[list[str]]:
    """The rows of 34 the excerpt shows whole (the satisfaction row is cut before its target)."""
    return [row for row in table["rows"] if len(row) == len(table["headers"])]


def selfeval_inputs(table: dict, overrides: dict[str, ScoreOverride] | None = None) -> list[IndicatorInput]:
    inputs, level1 = [], ""
    for row in scored_rows(table):
        level1 = row[LEVEL1] or level1
        target = read_target(row[TARGET], TargetContext(name=row[NAME], year=table["year"]))
        inputs.append(
            IndicatorInput(
                key=row[NAME],
                level1=level1,
                level2=row[LEVEL2],
                name=row[NAME],
                kind=target.kind,
                comparator=target.comparator,
                direction=target.direction,
                target_value=target.value,
                actual=read_target(row[ACTUAL]).value,
                points=D(row[POINTS]),
                override=(overrides or {}).get(row[NAME]),
            )
        )
    return inputs


def test_a_per_person_and_month_unit_written_with_an_asterisk_in_an_anhui_selfeval_stays_whole(runner, tmp_path):
    table = published("34")  # 安徽 濉溪县民政局 2019: 农村低保标准 >=530元/人*月 → 583元/人*月
    table = {**table, "rows": scored_rows(table)}
    workbook = as_workbook(tmp_path, table, columns=[LEVEL1, LEVEL2, NAME, TARGET, POINTS])
    result = import_targets(runner, workbook, "--dry-run", year="2019")
    assert result.exit_code == 0, result.output
    assert f"{RURAL_STANDARD}：>=530元/人*月 → money >=530元/人·月" in result.output
    assert "农村特困人员救助供养基本生活标准(≥**元/人·月)：>=570元/人*月 → money >=570元/人·月" in result.output
    assert import_targets(runner, workbook, year="2019").exit_code == 0
    rows = by_name(runner, 2019)
    standard = rows[RURAL_STANDARD]
    assert (standard["kind"], standard["comparator"], standard["target_value"], standard["unit"]) == (
        "money",
        ">=",
        530,
        "元/人·月",
    )
    assert standard["points"] == 5 and standard["level1"] == "产出指标"  # "产出指标(50分)" without its points
    actual = read_target("583元/人*月", TargetContext(name=RURAL_STANDARD, year=2019))
    assert (actual.value, actual.unit) == (583, "元/人·月")  # the actual in its target's unit
    assert (rows[RELIEF_CAP]["comparator"], rows[RELIEF_CAP]["direction"]) == ("<=", "reverse")


def test_full_points_for_an_explained_shortfall_are_the_publishers_adjustment_with_the_printed_reason():
    table = published("34")  # 特困人员救助供养人数 >=4754人 → 4604人, 5 of 5, "特困人员实行动态管理"
    row = next(row for row in table["rows"] if row[NAME] == SUPPORTED)
    assert (row[TARGET], row[ACTUAL], row[POINTS], row[SCORE]) == (">=4754人", "4604人", "5", "5")
    computed = score_self_evaluation(
        selfeval_inputs(table), budget=D(30), spent=D(30), settings=preset("printed-points")
    ).by_key(SUPPORTED)
    assert (computed.score, computed.needs_explanation, computed.explanation_reason) == (D("4.84"), True, "未完成目标")
    adjusted = score_self_evaluation(
        selfeval_inputs(table, {SUPPORTED: ScoreOverride(D(row[SCORE]), row[REASON])}),
        budget=D(30),
        spent=D(30),
        settings=preset("printed-points"),
    ).by_key(SUPPORTED)
    assert (adjusted.score, adjusted.adjustment_reason) == (D(5), "特困人员实行动态管理")
    assert "人工调整：特困人员实行动态管理（原计算得分 4.84）" in adjusted.working


def test_the_rest_of_the_anhui_table_scores_as_published_but_the_cap_exceeded_without_a_reason():
    table = published("34")
    evaluation = score_self_evaluation(
        selfeval_inputs(table), budget=D(30), spent=D(30), settings=preset("printed-points")
    )
    assert evaluation.budget.score == D(10)  # 30 of 30 spent, 10 of 10 as printed
    published_scores = {row[NAME]: D(row[SCORE]) for row in scored_rows(table)}
    differ = {
        key: score.score for key in published_scores if (score := evaluation.by_key(key)).score != published_scores[key]
    }
    # The shortfall explained in the table, and <=5300元/户 → 5830元/户 given 10 of 10 with no reason.
    assert differ == {SUPPORTED: D("4.84"), RELIEF_CAP: D(9)}
    cap = evaluation.by_key(RELIEF_CAP)
    assert (cap.rule, cap.needs_explanation, cap.explanation_reason) == ("reverse", True, "超过目标上限")


def test_a_half_year_monitoring_table_from_hubei_reads_its_spending_and_likelihood():
    table = published("35")  # 湖北 黄石市 2019 申遗经费: 1-6月执行数 87.57 of 220, 成本 "已使用约40%", 确定能
    assert table["kind"] == "monitoring"
    assert table["budget"]["headers"] == ["年初预算数", "1-6月执行数", "全年预计执行数"]
    _, budget, spent, forecast = table["budget"]["rows"][0]
    progress = budget_progress(D(budget), {2: D(spent)}, months_elapsed=6)
    assert (progress.execution_rate, progress.time_progress) == (D("39.80"), D("50.00"))  # the printed "约40%"
    assert progress.forecast == D("175.14") and forecast == ""  # the table leaves its projection blank
    cost = next(row for row in table["rows"] if row[1] == "成本")
    assert cost[2:5] == ["年度预算220万元", "按进度执行,已使用约40%", "确定能"]
    likelihood = table["headers"].index("完成目标可能性(确定能、有可能、不可能)")
    assert {row[likelihood] for row in table["rows"] if len(row) > likelihood and row[likelihood]} <= {"确定能"}
    assert {"确定能", "有可能"} <= set(LIKELIHOODS)  # the form's third word is "不可能", the app's "完全不可能"


def test_a_zero_incident_target_printed_as_0qi_in_a_hunan_table_is_read_as_a_cap(runner, tmp_path):
    table = published("36")  # 湖南 衡山县 2020 县级储备粮: 粮食安全事件发生数 0起 → 0起
    name = "因粮食市场波动引 起的粮食安全事件 发生数"
    row = next(row for row in table["rows"] if row[2] == name)
    assert row[3:5] == ["0起", "0起"]
    workbook = as_workbook(tmp_path, table, columns=[0, 1, 2, 3])
    result = import_targets(runner, workbook, "--dry-run", year="2020")
    assert result.exit_code == 0, result.output
    assert f"{name}：0起 → count <=0起" in result.output
    assert "县级储备粮库存粮 食明显变质比例：0 → percent <=0%" in result.output  # a bare 0 for a 比例
    assert result.output.count("说明：目标为 0：应避免的事项，按上限（≤0）读取") == 2
    assert import_targets(runner, workbook, year="2020").exit_code == 0
    stored = by_name(runner, 2020)[name]
    assert (stored["comparator"], stored["direction"], stored["target_value"], stored["unit"]) == (
        "<=",
        "reverse",
        0,
        "起",
    )
    target = read_target(row[3], TargetContext(name=name, year=2020))
    assert (target.kind, target.comparator, target.direction) == (TargetKind.COUNT, Comparator.LE, Direction.REVERSE)
    assert read_target(row[4]).value == 0


def test_a_zhejiang_table_reads_its_eleven_indicators_with_their_bare_values(runner, tmp_path):
    table = published("37")  # 浙江 慈溪市 2023 3岁以下婴幼儿照护服务: 11个指标, 每千人托位 4.5
    result = import_targets(runner, as_workbook(tmp_path, table), year="2023")
    assert result.exit_code == 0, result.output
    rows = by_name(runner, 2023)
    assert len(rows) == 11  # "设置了11个指标"
    assert (rows["每千人托位"]["kind"], rows["每千人托位"]["target_value"]) == ("count", 4.5)
    assert rows["社会公众满意度"]["comparator"] == ">=" and rows["受益单位满意度"]["level1"] == "满意度指标"
    assert {rows[name]["kind"] for name in ("补助发放及时性", "社区婴幼儿照护服务机构覆盖率")} == {"qualitative"}


def test_the_zhejiang_social_benefit_rows_without_a_first_level_are_benefit_indicators(tmp_path):
    table = published("37")  # the 一级 cell is not printed on the 社会效益 rows
    read = read_target_table(as_workbook(tmp_path, table)).rows
    benefit = [row for row in read if row.level2 == "社会效益"]
    assert [row.name for row in benefit] == [
        "社区婴幼儿照护服务机构覆盖率",
        "婴幼儿健康管理率",
        "婴幼儿家长科学育儿知识普及率",
        "婴幼儿照护服务机构从业人员持证率",
    ]
    assert {row.level1 for row in benefit} == {"效益指标"}  # not 产出指标, the level carried from above
    assert "按其标准一级“效益指标”读取" in benefit[0].notes[0] and not benefit[1].notes
