"""Checks on the default dataset file kpi/data/szcc_2023.yaml (no app, no DB)."""

from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

DATASET = Path(__file__).resolve().parents[2] / "kpi/data/szcc_2023.yaml"

FRAMEWORK = {
    "产出指标": {"数量指标", "质量指标", "时效指标", "成本指标"},
    "效益指标": {"经济效益指标", "社会效益指标", "生态效益指标", "可持续影响指标"},
    "满意度指标": {"服务对象满意度指标", "社会公众或服务对象满意度指标"},
}
ALL_LEVEL2 = set().union(*FRAMEWORK.values())
INDICATOR_KEYS = {"level1", "level2", "name", "target", "project"}


@pytest.fixture(scope="module")
def data():
    with DATASET.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


@pytest.fixture(scope="module")
def projects(data):
    return {b["name"]: b for b in data["budget_lines"] if b["kind"] == "project"}


def _all_indicators(data):
    out = list(data["unit_indicators"])
    for line in data["budget_lines"]:
        out.extend(line.get("indicators") or [])
    return out


def _unit(data, name):
    rows = [i for i in data["unit_indicators"] if i["name"] == name]
    assert len(rows) == 1, f"{name!r} found {len(rows)} times"
    return rows[0]


def test_top_level_schema(data):
    assert set(data) == {"year", "unit", "budget_lines", "unit_indicators"}
    assert data["year"] == 2023
    unit = data["unit"]
    assert unit["name"] == "深圳市消费者委员会秘书处"
    assert unit["parent"] == "深圳市市场监督管理局"
    assert unit["published_total"] == "2938"
    assert unit["annual_goal"].startswith("通过为消费者提供消费信息和咨询服务")
    assert unit["annual_goal"].endswith("建立完善消费者权益保护体系的目标。")
    assert "\n" not in unit["annual_goal"]


def test_budget_lines(data, projects):
    basic = [b for b in data["budget_lines"] if b["kind"] == "basic"]
    assert len(basic) == 1
    assert basic[0]["name"] == "基本支出"
    assert basic[0]["initial_budget"] == "1276"
    assert basic[0]["description"] == "主要用于人员经费、公用经费等支出。"
    assert {b["kind"] for b in data["budget_lines"]} == {"basic", "project"}

    expected = {"市场监督管理事务": "1371", "信息化类": "273", "综合管理类": "17", "修缮维护类": "2"}
    assert {n: p["initial_budget"] for n, p in projects.items()} == expected
    for line in data["budget_lines"]:
        for key in ("initial_budget", "fiscal_appropriation", "other_funds"):
            assert isinstance(line[key], str), (line["name"], key)
            Decimal(line[key])  # parses exactly
        assert Decimal(line["fiscal_appropriation"]) + Decimal(line["other_funds"]) == Decimal(line["initial_budget"])
        assert line["description"].strip()
    for p in projects.values():
        assert p["goal"].strip() and "<p>" not in p["goal"] and "\n" not in p["goal"]
        assert p["indicators"], p["name"]

    # Published figures are rounded: parts add to 2939 vs the published 2938.
    total = sum(Decimal(b["initial_budget"]) for b in data["budget_lines"])
    assert sum(Decimal(p["initial_budget"]) for p in projects.values()) == Decimal("1663")
    assert abs(total - Decimal(data["unit"]["published_total"])) <= 1


def test_exactly_67_unit_indicators(data):
    assert len(data["unit_indicators"]) == 67


def test_every_indicator_complete_and_in_framework(data):
    for ind in _all_indicators(data):
        assert set(ind) <= INDICATOR_KEYS, ind
        for key in ("level1", "level2", "name", "target"):
            assert isinstance(ind[key], str) and ind[key].strip(), (key, ind)
        assert ind["level1"] in FRAMEWORK, ind
        assert ind["level2"] in FRAMEWORK[ind["level1"]], ind
        assert ind["level2"] in ALL_LEVEL2


def test_no_stray_pdf_spaces(data):
    for ind in _all_indicators(data):
        assert " " not in ind["name"] and " " not in ind["target"], ind
        assert "”315" not in ind["name"] and "消费通“" not in ind["name"], ind


def test_projects_refer_to_declared_projects(data, projects):
    for ind in data["unit_indicators"]:
        if "project" in ind:
            assert ind["project"] in projects, ind
    linked = Counter(i["project"] for i in data["unit_indicators"] if "project" in i)
    assert set(linked) == {"市场监督管理事务", "信息化类", "综合管理类"}
    for p in projects.values():
        for ind in p["indicators"]:
            assert "project" not in ind


def test_no_duplicate_level2_name(data, projects):
    pairs = Counter((i["level2"], i["name"]) for i in data["unit_indicators"])
    assert [p for p, n in pairs.items() if n > 1] == []
    for p in projects.values():
        pairs = Counter((i["level2"], i["name"]) for i in p["indicators"])
        assert [k for k, n in pairs.items() if n > 1] == [], p["name"]


def test_level_counts(data):
    counts = Counter((i["level1"], i["level2"]) for i in data["unit_indicators"])
    assert counts == {
        ("产出指标", "数量指标"): 44,
        ("产出指标", "质量指标"): 9,
        ("产出指标", "时效指标"): 1,
        ("产出指标", "成本指标"): 1,
        ("效益指标", "社会效益指标"): 8,
        ("满意度指标", "服务对象满意度指标"): 4,
    }


def test_first_and_last_rows_in_table_order(data):
    rows = data["unit_indicators"]
    assert rows[0]["name"] == "新增放心消费承诺、线下无理由退货承诺企业数量"
    assert rows[0]["target"] == "≥1000家"
    assert rows[-1]["name"] == "投诉处理消费者满意度"
    assert rows[-1]["target"] == "≥50%"


@pytest.mark.parametrize(
    "name, level1, level2, target, project",
    [
        ("投诉调解辅助服务", "产出指标", "数量指标", "≥19000宗", "市场监督管理事务"),
        ("投诉分级公示辅助服务", "产出指标", "数量指标", "≥18000宗", "市场监督管理事务"),
        ("项目完成时间", "产出指标", "时效指标", "2023年12月31日前", None),
        ("项目支出金额", "产出指标", "成本指标", "≤预算金额", None),
        ("放心消费创建工作辅助服务项目验收合格率", "产出指标", "质量指标", "100%", "市场监督管理事务"),
        ("投诉处理总成功率", "产出指标", "质量指标", "≥50%", "市场监督管理事务"),
        ("IT运维服务项目验收合格率", "产出指标", "质量指标", "100%", "信息化类"),
        ("办公设备购置的验收情况", "产出指标", "质量指标", "合格", "综合管理类"),
        ("购买网络存储服务器数量", "产出指标", "数量指标", "1个", "综合管理类"),
        ("参加党员活动数量", "产出指标", "数量指标", "≥1次", "综合管理类"),
        ("单位伙食保障人数", "产出指标", "数量指标", "27人", "市场监督管理事务"),
        ("核检人数覆盖率", "产出指标", "质量指标", "≥90%", "市场监督管理事务"),
        (
            "对“315消费通”功能进行优化完善、外部系统数据对接及相关技术支持服务次数",
            "产出指标",
            "数量指标",
            "15次",
            "信息化类",
        ),
        ("深圳市消费者满意度深度调查覆盖范围", "效益指标", "社会效益指标", "≥深圳市8个行政区", "市场监督管理事务"),
        ("志愿者活动覆盖范围", "效益指标", "社会效益指标", "≥深圳市5个行政区", "市场监督管理事务"),
        ("满足投诉处理业务需要", "效益指标", "社会效益指标", "满足", "信息化类"),
        ("用户针对系统运行的投诉次数", "满意度指标", "服务对象满意度指标", "≤10次", "信息化类"),
        ("干部职工满意度", "满意度指标", "服务对象满意度指标", "比较满意", None),
        ("消费教育活动满意度", "满意度指标", "服务对象满意度指标", "≥80%", "市场监督管理事务"),
    ],
)
def test_specific_unit_rows(data, name, level1, level2, target, project):
    row = _unit(data, name)
    assert (row["level1"], row["level2"], row["target"]) == (level1, level2, target)
    assert row.get("project") == project


def test_complaint_platform_row_merged_once(data):
    rows = [i for i in data["unit_indicators"] if "年处理投诉数量" in i["name"]]
    assert len(rows) == 1
    row = rows[0]
    assert row["name"] == "为社会提供安全稳定的基于互联网的消费指引及消费投诉处理平台（年处理投诉数量）"
    assert row["target"] == "≥5万宗"
    assert (row["level1"], row["level2"]) == ("效益指标", "社会效益指标")
    assert row["project"] == "信息化类"
    assert not any(i["name"].startswith("为社会提供") and i is not row for i in data["unit_indicators"])


def test_sixteen_subsystem_row_quotes_fixed(data):
    rows = [i for i in data["unit_indicators"] if "16个子系统" in i["name"]]
    assert len(rows) == 1
    assert rows[0]["name"].startswith("“315消费通”平台16个子系统")
    assert rows[0]["target"] == "24次"


def test_project_key_targets_from_part7(projects):
    def targets(project):
        return {i["name"]: i["target"] for i in projects[project]["indicators"]}

    assert targets("市场监督管理事务")["投诉调解辅助服务"] == "≥19000宗"
    assert targets("市场监督管理事务")["深圳市消费者满意度深度调查覆盖范围"] == "≥深圳市8个行政区"
    assert targets("市场监督管理事务")["开展消委会业务培训数量"] == "≥1场"
    assert targets("信息化类")["重新构建及升级平台数量"] == "1个"
    assert targets("信息化类")["年处理投诉数量"] == "≥5万宗"
    assert targets("综合管理类")["购买网络存储服务器数量"] == "1个"
    assert targets("综合管理类")["参加党员活动的党员比例"] == "≥70%"
    assert targets("修缮维护类")["办公场所维修次数"] == "≥1次"
    for project in projects:
        assert targets(project)["项目完成时间"] == "2023年12月31日前"
