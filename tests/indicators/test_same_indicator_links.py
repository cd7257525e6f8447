"""Which unit-table indicators are a project's indicator (同一指标), and who links them (issue 17)?

The rule (kpi/indicators/links.py): the same 三级指标 and the same 年初指标值 after width and
whitespace are normalised; a unit row naming its project is matched there only, a unit-wide one
only when exactly one project has it.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlmodel import Session, select

from kpi.budget.models import Unit
from kpi.db import make_engine
from kpi.indicators.links import links_of_year, match, normalise
from kpi.indicators.models import Indicator
from tests.indicators.xlsx_factory import gen_workbook

NEW_UNIT = "深圳市测试局"

# The seed's links, counted from its tables (kpi/data/szcc_2023.yaml): each project indicator whose
# 三级指标 and target the 单位整体 table repeats. Not linked: 项目完成时间 (in all four projects),
# 年处理投诉数量 (the unit table names it 为社会提供…平台（年处理投诉数量）), 消费投诉处理成功率
# (the unit table has 投诉处理总成功率 ≥50%), 参加党员活动的党员比例, 办公场所维修次数 (not in it).
SEED_LINKS = {
    ("投诉调解辅助服务", "市场监督管理事务"),
    ("开展消委会业务培训数量", "市场监督管理事务"),
    ("深圳市消费者满意度深度调查覆盖范围", "市场监督管理事务"),
    ("重新构建及升级平台数量", "信息化类"),
    ("购买网络存储服务器数量", "综合管理类"),
}


def row(name, target, *, scope="unit", line=None, same_as=None, original=None, id=None):
    return SimpleNamespace(
        id=id,
        name=name,
        scope=scope,
        budget_line_id=line,
        same_as_id=same_as,
        initial_target_text=original or target,
    )


@pytest.mark.parametrize(
    ("unit_target", "project_target", "linked"),
    [
        ("≥19000宗", "≥19000宗", True),
        ("≥ 19000 宗", "≥19000宗", True),  # the PDF's spaces
        ("≥１９０００宗", "≥19000宗", True),  # full-width digits
        ("≥19000宗", "≥20000宗", False),  # another target: another measure, entered on both rows
        ("19000宗", "≥19000宗", False),
    ],
)
def test_the_same_name_and_target_after_normalising_is_one_measure(unit_target, project_target, linked):
    unit = row("投诉调解辅助服务", unit_target, line=7)
    project = row("投诉调解辅助服务", project_target, scope="project", line=7, id=1)
    assert bool(match([unit], [project])) is linked


def test_a_unit_row_naming_its_project_is_matched_in_that_project_only():
    unit = row("项目完成时间", "2023年12月31日前", line=8)
    elsewhere = row("项目完成时间", "2023年12月31日前", scope="project", line=9, id=1)
    assert match([unit], [elsewhere]) == []


def test_a_unit_wide_row_is_linked_only_when_exactly_one_project_has_it():
    unit = row("项目完成时间", "2023年12月31日前")
    one = row("项目完成时间", "2023年12月31日前", scope="project", line=8, id=1)
    two = row("项目完成时间", "2023年12月31日前", scope="project", line=9, id=2)
    assert match([unit], [one]) == [(unit, one)]
    assert match([unit], [one, two]) == []  # the same deadline in two projects is two measures


def test_the_initial_target_is_compared_so_an_adjustment_never_unlinks():
    adjusted = row("投诉调解辅助服务", "≥17000宗", original="≥19000宗", line=7)
    project = row("投诉调解辅助服务", "≥19000宗", scope="project", line=7, id=1)
    assert match([adjusted], [project]) == [(adjusted, project)]
    assert normalise("（≥19000 宗）") == "(≥19000宗)"


def seed_links(url: str) -> set[tuple[str, str]]:
    engine = make_engine(url)
    with Session(engine) as session:
        unit = session.exec(select(Unit).where(Unit.name == "深圳市消费者委员会秘书处")).one()
        links = links_of_year(session, unit.id, 1)
        found = {(link.name, link.project) for link in links}
        assert all(link.target_text == link.source_target_text for link in links)
    engine.dispose()
    return found


def test_the_default_dataset_links_its_five_repeated_project_indicators(sqlite_url):
    assert seed_links(sqlite_url) == SEED_LINKS


# --- kpi import-targets ---------------------------------------------------------------------------


def unit_table(directory):
    return gen_workbook(
        directory,
        [
            ["一级指标", "二级指标", "三级指标", "年度指标值"],
            ["产出指标", "数量指标", "投诉调解辅助服务", "≥１９０００宗"],
            [None, None, "志愿者活动数量", "≥20场"],
            [None, "时效指标", "项目完成时间", "2023年12月31日前"],
        ],
        merges=("A2:A4", "B2:B3"),
        name="unit.xlsx",
    )


def project_tables(directory, name="projects.xlsx"):
    return gen_workbook(
        directory,
        [
            ["项目名称", "一级指标", "二级指标", "三级指标", "指标值"],
            ["市场监督管理事务", "产出指标", "数量指标", "投诉调解辅助服务", "≥ 19000 宗"],
            [None, None, None, "志愿者活动数量", "≥30场"],  # another target: not the unit's
            [None, None, "时效指标", "项目完成时间", "2023年12月31日前"],
            ["信息化类", "产出指标", "时效指标", "项目完成时间", "2023年12月31日前"],
        ],
        merges=("A2:A4",),
        name=name,
    )


def import_targets(runner, path, *extra):
    return runner.invoke(args=["kpi", "import-targets", str(path), "--unit", NEW_UNIT, "--year", "2024", *extra])


def new_unit_links(url: str) -> list[tuple[str, str, str]]:
    engine = make_engine(url)
    with Session(engine) as session:
        unit = session.exec(select(Unit).where(Unit.name == NEW_UNIT)).one()
        year_id = session.exec(select(Indicator.year_id).where(Indicator.unit_id == unit.id)).first()
        found = [(link.name, link.project) for link in links_of_year(session, unit.id, year_id)]
    engine.dispose()
    return found


@pytest.mark.parametrize("unit_first", [True, False])
def test_import_links_the_unit_row_to_the_project_row_whichever_table_comes_first(
    runner, tmp_path, sqlite_url, unit_first
):
    files = [unit_table(tmp_path), project_tables(tmp_path)]
    for path in files if unit_first else reversed(files):
        result = import_targets(runner, path)
        assert result.exit_code == 0, result.output
    assert new_unit_links(sqlite_url) == [("投诉调解辅助服务", "市场监督管理事务")]


@pytest.mark.parametrize("unit_first", [True, False])
def test_a_real_import_prints_the_links_it_made(runner, tmp_path, unit_first):
    files = [unit_table(tmp_path), project_tables(tmp_path)]
    first, second = files if unit_first else files[::-1]
    assert "同一指标" not in import_targets(runner, first).output  # nothing to link to yet
    result = import_targets(runner, second)
    assert result.exit_code == 0, result.output
    line = "同一指标：单位整体“投诉调解辅助服务”与项目“市场监督管理事务”的同名指标“投诉调解辅助服务”为同一指标"
    printed = [text for text in result.output.splitlines() if text.startswith("同一指标：")]
    assert len(printed) == 1 and printed[0].startswith(line)


def test_a_dry_run_names_the_links_it_would_make_and_writes_none(runner, tmp_path, sqlite_url):
    assert import_targets(runner, unit_table(tmp_path)).exit_code == 0
    result = import_targets(runner, project_tables(tmp_path), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "单位整体表中的“投诉调解辅助服务”与本指标为同一指标" in result.output
    assert result.output.count("同一指标") == 1  # 志愿者活动数量 (≥20 / ≥30) and 项目完成时间 are not linked
    assert new_unit_links(sqlite_url) == []


def test_a_dry_run_of_the_unit_table_names_the_project(runner, tmp_path):
    assert import_targets(runner, project_tables(tmp_path)).exit_code == 0
    result = import_targets(runner, unit_table(tmp_path), "--dry-run")
    assert "与项目“市场监督管理事务”的同名指标“投诉调解辅助服务”为同一指标" in result.output, result.output


def test_replacing_a_draft_project_table_links_its_new_row(runner, tmp_path, sqlite_url):
    assert import_targets(runner, unit_table(tmp_path)).exit_code == 0
    assert import_targets(runner, project_tables(tmp_path), "--draft").exit_code == 0
    result = import_targets(runner, project_tables(tmp_path, "again.xlsx"), "--draft", "--replace")
    assert result.exit_code == 0, result.output
    assert new_unit_links(sqlite_url) == [("投诉调解辅助服务", "市场监督管理事务")]
