"""Does `kpi progress` report each indicator's progress as JSON and as a readable table?"""

from __future__ import annotations

import json

from tests.progress.gen import UNIT, gen_quarter


def progress(runner, *args):
    return runner.invoke(args=["kpi", "progress", "--unit", UNIT, "--year", "2023", *args])


def enter_first_half(app):
    gen_quarter(
        app,
        1,
        {
            "投诉调解辅助服务": {"value": "5000"},
            "投诉处理总成功率": {"numerator": "45", "denominator": "50"},
            "干部职工满意度": {"band": "达成"},
        },
        spending={"市场监督管理事务": "300", "信息化类": "100"},
        submit=True,
    )
    gen_quarter(
        app,
        2,
        {
            "投诉调解辅助服务": {"value": "4500"},
            "投诉处理总成功率": {"numerator": "10", "denominator": "150"},
            "项目完成时间": {"achieved_on": "2023-06-30"},
        },
    )


def by_name(result):
    assert result.exit_code == 0, result.output
    return {item["name"]: item for item in json.loads(result.output)}


def test_json_lists_every_unit_indicator_with_its_progress_after_two_quarters(app, runner):
    enter_first_half(app)
    rows = by_name(progress(runner, "--json"))
    assert len(json.loads(progress(runner, "--json").output)) == 67
    mediation = rows["投诉调解辅助服务"]
    assert {key: mediation[key] for key in ("actual", "completion_pct", "expected_pct", "status", "forecast")} == {
        "actual": 9500,
        "completion_pct": 50,
        "expected_pct": 50,
        "status": "green",
        "forecast": 19000,
    }
    assert (mediation["level1"], mediation["level2"], mediation["project"]) == (
        "产出指标",
        "数量指标",
        "市场监督管理事务",
    )
    assert (mediation["target_text"], mediation["aggregation"], mediation["unit"]) == ("≥19000宗", "cumulative", "宗")
    rate = rows["投诉处理总成功率"]
    assert (rate["actual"], rate["numerator"], rate["denominator"], rate["completion_pct"], rate["status"]) == (
        27.5,
        55,
        200,
        55,
        "red",
    )


def test_qualitative_and_deadline_results_have_no_number_but_a_band_or_a_date(app, runner):
    enter_first_half(app)
    rows = by_name(progress(runner, "--json"))
    satisfaction, deadline = rows["干部职工满意度"], rows["项目完成时间"]
    assert (satisfaction["actual"], satisfaction["actual_band"], satisfaction["status"]) == (None, "achieved", "green")
    assert (deadline["actual"], deadline["actual_date"], deadline["status"]) == (None, "2023-06-30", "green")
    budget = rows["项目支出金额"]
    assert (budget["actual"], budget["aggregation"], budget["status"]) == (400, "budget", "green")
    untouched = rows["志愿者培训数量"]
    assert (untouched["actual"], untouched["completion_pct"], untouched["status"]) == (None, None, "none")


def test_quarter_option_reports_as_of_that_quarter(app, runner):
    enter_first_half(app)
    rows = by_name(progress(runner, "--quarter", "1", "--json"))
    assert (rows["投诉调解辅助服务"]["actual"], rows["投诉调解辅助服务"]["expected_pct"]) == (5000, 25)
    assert rows["项目完成时间"]["actual_date"] is None


def test_without_reports_every_status_is_none(runner):
    rows = by_name(progress(runner, "--json"))
    assert {item["status"] for item in rows.values()} == {"none"}


def test_project_option_lists_that_projects_own_table(app, runner):
    enter_first_half(app)
    rows = by_name(progress(runner, "--project", "修缮维护类", "--json"))
    assert set(rows) == {"办公场所维修次数", "项目完成时间"}
    assert {item["project"] for item in rows.values()} == {"修缮维护类"}


def test_plain_output_is_a_chinese_table_with_a_summary(app, runner):
    enter_first_half(app)
    result = progress(runner)
    assert result.exit_code == 0, result.output
    assert "深圳市消费者委员会秘书处 2023 年 · 单位整体指标进度（截至二季度）" in result.output
    assert "绿\t投诉调解辅助服务\t≥19000宗\t9,500宗\t50%\t50%\t19,000宗" in result.output
    assert "共 67 项指标：" in result.output


def test_unknown_unit_year_or_project_fails_with_a_chinese_message(runner):
    cases = [
        (["--unit", "不存在的单位", "--year", "2023"], "单位不存在：不存在的单位"),
        (["--unit", UNIT, "--year", "1999"], "年度不存在：1999"),
        (["--unit", "深圳市市场监督管理局", "--year", "2023"], "没有指标或预算"),
        (["--unit", UNIT, "--year", "2023", "--project", "不存在"], "项目不存在：不存在"),
    ]
    for args, message in cases:
        result = runner.invoke(args=["kpi", "progress", *args, "--json"])
        assert result.exit_code == 1, (args, result.output)
        assert "错误：" in result.output and message in result.output, (args, result.output)


def test_quarter_outside_one_to_four_is_refused(runner):
    result = progress(runner, "--quarter", "5")
    assert result.exit_code != 0
