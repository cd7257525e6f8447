"""Does `kpi import-targets` import both table layouts, and refuse bad files without writing?"""

from __future__ import annotations

import json

import pytest
from sqlmodel import Session, func, select

from kpi.budget.models import Unit
from kpi.db import make_engine
from kpi.indicators.models import Indicator, TargetTable
from tests.indicators.xlsx_factory import (
    gen_single_layout_table,
    gen_split_layout_table,
    gen_text_file,
    gen_truncated_xlsx,
    gen_workbook,
    gen_xlsm,
    gen_zip_bomb,
)

NEW_UNIT = "深圳市测试局"


def import_targets(runner, path, *extra, unit=NEW_UNIT, year="2024"):
    return runner.invoke(args=["kpi", "import-targets", str(path), "--unit", unit, "--year", year, *extra])


def listing(runner, *extra, unit=NEW_UNIT, year="2024"):
    result = runner.invoke(args=["kpi", "indicators", "--unit", unit, "--year", year, "--json", *extra])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def indicator_count(url: str) -> int:
    engine = make_engine(url)
    with Session(engine) as session:
        count = session.exec(select(func.count()).select_from(Indicator)).one()
    engine.dispose()
    return count


def test_single_column_layout_imports_as_the_unit_wide_table(runner, tmp_path):
    result = import_targets(runner, gen_single_layout_table(tmp_path))
    assert result.exit_code == 0, result.output
    assert "已导入 7 项指标" in result.output
    rows = {row["name"]: row for row in listing(runner)}
    assert (rows["投诉调解辅助服务"]["comparator"], rows["投诉调解辅助服务"]["target_value"]) == (">=", 50000)
    assert rows["投诉处理总成功率"]["kind"] == "percent" and rows["投诉处理总成功率"]["target_value"] == 95
    assert rows["项目完成时间"]["kind"] == "deadline"
    assert rows["消费环境改善情况"]["kind"] == "qualitative"
    assert rows["志愿者活动数量"]["level1"] == "产出指标"
    assert all(row["project"] is None for row in rows.values())


def test_split_layout_imports_each_projects_own_table(runner, tmp_path):
    result = import_targets(runner, gen_split_layout_table(tmp_path))
    assert result.exit_code == 0, result.output
    assert "新建项目“市场监督管理事务”" in result.output
    assert listing(runner) == []
    market = {row["name"]: row for row in listing(runner, "--project", "市场监督管理事务")}
    assert (
        market["年处理投诉数量"]["comparator"],
        market["年处理投诉数量"]["target_value"],
        market["年处理投诉数量"]["unit"],
    ) == (">=", 50000, "宗")
    assert market["宣传活动场次"]["points"] == 7.5
    assert market["项目支出金额"]["kind"] == "budget_relative"
    it = {row["name"]: row for row in listing(runner, "--project", "信息化类")}
    assert it["系统可用率"]["target_value"] == 99.5
    assert it["系统上线验收"]["kind"] == "qualitative"


def test_dry_run_shows_rows_and_writes_nothing(runner, tmp_path, sqlite_url):
    before = indicator_count(sqlite_url)
    result = import_targets(runner, gen_single_layout_table(tmp_path), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "试运行" in result.output and "投诉调解辅助服务" in result.output
    assert indicator_count(sqlite_url) == before
    assert runner.invoke(args=["kpi", "indicators", "--unit", NEW_UNIT, "--year", "2024"]).exit_code != 0


def test_reimport_of_a_draft_needs_replace_and_then_replaces(runner, tmp_path, sqlite_url):
    path = gen_single_layout_table(tmp_path)
    first = import_targets(runner, path, "--draft")
    assert first.exit_code == 0 and "草稿" in first.output
    again = import_targets(runner, path)
    assert again.exit_code != 0 and "--replace" in again.output
    replaced = import_targets(runner, path, "--replace", "--draft")
    assert replaced.exit_code == 0 and "替换原有 7 项" in replaced.output
    assert len(listing(runner)) == 7
    assert table_states(sqlite_url) == [("unit", None, "draft")]


def test_an_imported_table_is_approved_and_then_never_replaced(runner, tmp_path, sqlite_url):
    path = gen_single_layout_table(tmp_path)
    first = import_targets(runner, path)
    assert first.exit_code == 0 and "已批复" in first.output
    assert table_states(sqlite_url) == [("unit", None, "approved")]
    before = indicator_count(sqlite_url)
    replaced = import_targets(runner, path, "--replace")
    assert replaced.exit_code != 0 and "已批复，不能覆盖" in replaced.output and "绩效目标调整" in replaced.output
    assert indicator_count(sqlite_url) == before


def test_split_layout_marks_each_projects_table(runner, tmp_path, sqlite_url):
    assert import_targets(runner, gen_split_layout_table(tmp_path), "--draft").exit_code == 0
    states = table_states(sqlite_url)
    assert len(states) == 2 and {scope for scope, _, _ in states} == {"project"}
    assert {status for _, _, status in states} == {"draft"}


def table_states(url: str) -> list[tuple]:
    """(scope, budget line, status) of the new unit's target tables."""
    engine = make_engine(url)
    with Session(engine) as session:
        unit = session.exec(select(Unit).where(Unit.name == NEW_UNIT)).one()
        rows = session.exec(select(TargetTable).where(TargetTable.unit_id == unit.id).order_by(TargetTable.id)).all()
        states = [(row.scope, None if row.scope == "unit" else row.budget_line_id, row.status) for row in rows]
    engine.dispose()
    return states


@pytest.mark.parametrize(
    ("make_file", "message"),
    [
        (lambda d: gen_text_file(d, "targets.xlsx", b"this is not a workbook"), "不是有效的 Excel"),
        (lambda d: gen_text_file(d, "targets.csv", "一级指标,二级指标\n".encode("gbk")), "不是有效的 Excel"),
        (gen_truncated_xlsx, ""),
        (gen_xlsm, "宏"),
        (gen_zip_bomb, ""),
        (lambda d: gen_workbook(d, [["说明"], ["这里没有表头"]]), "未找到表头"),
        (lambda d: gen_workbook(d, []), ""),
    ],
    ids=["not-xlsx", "csv", "truncated", "macros", "zip-bomb", "no-header", "empty-sheet"],
)
def test_bad_files_are_refused_with_a_message_and_nothing_written(runner, tmp_path, sqlite_url, make_file, message):
    before = indicator_count(sqlite_url)
    result = import_targets(runner, make_file(tmp_path))
    assert result.exit_code != 0
    assert "错误" in result.output and message in result.output
    assert "Traceback" not in result.output
    assert indicator_count(sqlite_url) == before


def test_a_row_with_a_value_but_no_name_is_refused_naming_the_row(runner, tmp_path, sqlite_url):
    before = indicator_count(sqlite_url)
    rows = [
        ["一级指标", "二级指标", "三级指标", "指标值"],
        ["产出指标", "数量指标", "志愿者活动数量", "≥20场"],
        [None, None, None, "≥5场"],
    ]
    result = import_targets(runner, gen_workbook(tmp_path, rows))
    assert result.exit_code != 0
    assert "第 3 行" in result.output
    assert indicator_count(sqlite_url) == before


def test_a_missing_file_is_reported(runner, tmp_path):
    result = import_targets(runner, tmp_path / "nowhere.xlsx")
    assert result.exit_code != 0 and "文件不存在" in result.output
