"""Is the 2023 budget of 深圳市消费者委员会秘书处 loaded whole and right?"""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlmodel import Session, func, select

from kpi.budget import service as budget
from kpi.budget.models import BudgetLine, PerformanceGoal, Unit
from kpi.dataset import load_default_dataset_if_empty
from kpi.db import make_engine, transaction
from kpi.indicators.models import Indicator
from kpi.indicators.service import indicator_table

UNIT = "深圳市消费者委员会秘书处"


@pytest.fixture
def session(sqlite_url):
    engine = make_engine(sqlite_url)
    with Session(engine) as session:
        yield session
    engine.dispose()


def unit_table(session):
    unit = budget.get_unit(session, UNIT)
    return indicator_table(session, unit, budget.get_year(session, 2023))


def by_name(session):
    return {row.name: row for row in unit_table(session)}


def test_unit_table_has_67_indicators_in_published_order(session):
    rows = unit_table(session)
    assert len(rows) == 67
    assert rows[0].name == "新增放心消费承诺、线下无理由退货承诺企业数量"
    assert rows[-1].name == "投诉处理消费者满意度"
    assert [row.display_order for row in rows] == list(range(1, 68))


def test_unit_and_parent_department(session):
    unit = budget.get_unit(session, UNIT)
    parent = session.get(Unit, unit.parent_id)
    assert parent.name == "深圳市市场监督管理局"


def test_budget_lines_match_the_published_budget(session):
    unit = budget.get_unit(session, UNIT)
    lines = {line.name: line for line in budget.budget_lines(session, unit, budget.get_year(session, 2023))}
    assert lines["基本支出"].kind == "basic"
    assert lines["基本支出"].initial_budget == Decimal("1276")
    projects = {name: line.initial_budget for name, line in lines.items() if line.kind == "project"}
    assert projects == {
        "市场监督管理事务": Decimal(1371),
        "信息化类": Decimal(273),
        "综合管理类": Decimal(17),
        "修缮维护类": Decimal(2),
    }
    assert sum(projects.values()) == Decimal(1663)


@pytest.mark.parametrize(
    ("name", "comparator", "value", "unit", "kind"),
    [
        ("投诉调解辅助服务", ">=", Decimal(19000), "宗", "count"),
        ("投诉分级公示辅助服务", ">=", Decimal(18000), "宗", "count"),
        (
            "为社会提供安全稳定的基于互联网的消费指引及消费投诉处理平台（年处理投诉数量）",
            ">=",
            Decimal(50000),
            "宗",
            "count",
        ),
        ("志愿者培训数量", "=", Decimal(20), "场", "count"),
        ("深圳市消费者满意度深度调查样本数量", "=", Decimal(3000), "个", "count"),
        ("投诉处理总成功率", ">=", Decimal(50), "%", "percent"),
        ("IT运维服务项目验收合格率", "=", Decimal(100), "%", "percent"),
        ("用户针对系统运行的投诉次数", "<=", Decimal(10), "次", "count"),
        ("接听消费者投诉咨询电话", ">=", Decimal(100000), "个", "count"),
        ("315活动次数", ">=", Decimal(1), "场次", "count"),
        ("深圳市消费者满意度深度调查覆盖范围", ">=", Decimal(8), "个", "count"),
    ],
)
def test_quantitative_targets_are_parsed(session, name, comparator, value, unit, kind):
    row = by_name(session)[name]
    assert (row.comparator, row.target_value, row.unit, row.kind) == (comparator, value, unit, kind)


def test_special_targets_are_parsed(session):
    rows = by_name(session)
    assert rows["项目支出金额"].kind == "budget_relative"
    assert rows["项目支出金额"].direction == "reverse"
    assert rows["项目支出金额"].level2 == "成本指标"
    assert rows["项目完成时间"].kind == "deadline"
    assert rows["项目完成时间"].target_date_to.isoformat() == "2023-12-31"
    assert rows["项目完成时间"].level2 == "时效指标"
    for name in ("办公设备购置的验收情况", "满足投诉处理业务需要", "干部职工满意度"):
        assert rows[name].kind == "qualitative"
        assert rows[name].target_value is None


def test_level_counts_follow_the_corrected_table(session):
    counts = {}
    for row in unit_table(session):
        counts[(row.level1, row.level2)] = counts.get((row.level1, row.level2), 0) + 1
    assert counts == {
        ("产出指标", "数量指标"): 44,
        ("产出指标", "质量指标"): 9,
        ("产出指标", "时效指标"): 1,
        ("产出指标", "成本指标"): 1,
        ("效益指标", "社会效益指标"): 8,
        ("满意度指标", "服务对象满意度指标"): 4,
    }


def test_indicators_link_to_the_project_they_measure(session):
    unit = budget.get_unit(session, UNIT)
    names = {line.id: line.name for line in budget.projects(session, unit, budget.get_year(session, 2023))}
    rows = by_name(session)
    assert names[rows["投诉调解辅助服务"].budget_line_id] == "市场监督管理事务"
    assert names[rows["重新构建及升级平台数量"].budget_line_id] == "信息化类"
    assert names[rows["购买办公电脑数量"].budget_line_id] == "综合管理类"
    assert rows["项目完成时间"].budget_line_id is None


def test_aggregation_rules_are_inferred(session):
    rows = by_name(session)
    assert rows["投诉调解辅助服务"].aggregation == "cumulative"
    assert rows["投诉处理总成功率"].aggregation == "rate"
    assert rows["单位伙食保障人数"].aggregation == "level"
    assert rows["干部职工满意度"].aggregation == "qualitative"
    assert rows["项目完成时间"].aggregation == "deadline"
    assert rows["项目支出金额"].aggregation == "budget"


def test_each_project_has_its_own_targets_and_goal(session):
    unit = budget.get_unit(session, UNIT)
    year = budget.get_year(session, 2023)
    goals = budget.goals(session, unit, year)
    assert goals[None].startswith("通过为消费者提供消费信息和咨询服务")
    for project in budget.projects(session, unit, year):
        own = indicator_table(session, unit, year, project)
        assert own, project.name
        assert any(row.kind == "deadline" for row in own)
        assert project.id in goals
    repairs = indicator_table(session, unit, year, budget.find_project(session, unit, year, "修缮维护类"))
    assert any(row.target_value == 1 and row.comparator == ">=" for row in repairs)


def test_dataset_is_never_loaded_twice(sqlite_url):
    engine = make_engine(sqlite_url)
    with transaction(engine) as session:
        assert load_default_dataset_if_empty(session) is None
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(Indicator).where(Indicator.scope == "unit")).one() == 67
        assert session.exec(select(func.count()).select_from(BudgetLine)).one() == 5
        assert session.exec(select(func.count()).select_from(PerformanceGoal)).one() == 5
    engine.dispose()


def test_every_2023_target_table_is_approved(session):
    """The published tables were approved with the budget (docs/rules/lifecycle.md §1): fixed from the start."""
    from kpi.indicators.models import TargetTable

    unit = budget.get_unit(session, UNIT)
    tables = session.exec(select(TargetTable).where(TargetTable.unit_id == unit.id)).all()
    keys = {(row.scope, row.budget_line_id) for row in tables}
    projects_with_indicators = set(
        session.exec(
            select(Indicator.budget_line_id)
            .where(Indicator.unit_id == unit.id, Indicator.scope == "project")
            .distinct()
        ).all()
    )
    assert keys == {("unit", None)} | {("project", line) for line in projects_with_indicators}
    assert all(row.status == "approved" and row.approved_at is not None for row in tables)
