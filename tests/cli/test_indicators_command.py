"""Does `kpi indicators --json` list a table with its parsed targets?"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

UNIT = "深圳市消费者委员会秘书处"
ROOT = Path(__file__).resolve().parents[2]


def indicators(runner, *args):
    result = runner.invoke(args=["kpi", "indicators", "--unit", UNIT, "--year", "2023", *args])
    return result


def test_json_lists_all_67_unit_indicators_with_parsed_targets(runner):
    result = indicators(runner, "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert len(rows) == 67
    assert set(rows[0]) >= {
        "level1",
        "level2",
        "name",
        "target_text",
        "comparator",
        "target_value",
        "unit",
        "kind",
        "project",
    }
    by_name = {row["name"]: row for row in rows}
    platform = by_name["为社会提供安全稳定的基于互联网的消费指引及消费投诉处理平台（年处理投诉数量）"]
    assert (platform["comparator"], platform["target_value"], platform["unit"]) == (">=", 50000, "宗")
    assert by_name["项目支出金额"]["kind"] == "budget_relative"
    assert by_name["项目完成时间"]["kind"] == "deadline"
    assert by_name["项目完成时间"]["comparator"] is None
    assert by_name["干部职工满意度"]["comparator"] is None
    assert by_name["干部职工满意度"]["target_value"] is None
    assert by_name["投诉调解辅助服务"]["project"] == "市场监督管理事务"
    assert by_name["项目完成时间"]["project"] is None


def test_project_option_lists_that_projects_own_targets(runner):
    rows = json.loads(indicators(runner, "--project", "修缮维护类", "--json").output)
    assert rows and all(row["project"] == "修缮维护类" for row in rows)
    assert any(row["name"] == "办公场所维修次数" and row["target_value"] == 1 for row in rows)


def test_unknown_unit_year_or_project_fails_with_a_message(runner):
    result = runner.invoke(args=["kpi", "indicators", "--unit", "不存在的单位", "--year", "2023", "--json"])
    assert result.exit_code != 0
    assert "单位不存在" in result.output
    result = indicators(runner, "--project", "不存在的项目")
    assert result.exit_code != 0 and "项目不存在" in result.output
    result = runner.invoke(args=["kpi", "indicators", "--unit", UNIT, "--year", "1999"])
    assert result.exit_code != 0 and "年度不存在" in result.output


def test_plain_output_is_one_line_per_indicator(runner):
    result = indicators(runner)
    assert result.exit_code == 0
    assert "共 67 项指标" in result.output


def test_the_real_command_line_works(sqlite_url):
    env = {**os.environ, "KPI_DATABASE_URL": sqlite_url}
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "flask",
            "--app",
            "app",
            "kpi",
            "indicators",
            "--unit",
            UNIT,
            "--year",
            "2023",
            "--json",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr
    assert len(json.loads(completed.stdout)) == 67
