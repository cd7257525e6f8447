"""Does a target read with its row (name, table year, 金额单位) come out as the publisher meant it?

Each case is a category of docs/rules/targets.md §8 that parse_target alone reads wrong.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kpi.domain.target_context import TargetContext, read_split_target, read_target
from kpi.domain.targets import Comparator, Direction, TargetKind, parse_target

YEAR = 2023


def row(name: str = "", year: int | None = YEAR, money_unit: str | None = "万元") -> TargetContext:
    return TargetContext(name, year, money_unit)


@pytest.mark.parametrize(
    "text, name, unit",
    [
        ("0次", "安全事故发生次数", "次"),
        ("0起", "重大责任事故", "起"),
        ("0%", "补助款结算争议率", "%"),
        ("=0", "有效投诉", None),
        ("0", "安全事故", None),
        ("0件", "违纪违法案件", "件"),
    ],
)
def test_a_zero_target_is_a_cap_on_something_to_avoid(text, name, unit):
    target = read_target(text, row(name))
    assert (target.comparator, target.direction, target.value) == (Comparator.LE, Direction.REVERSE, 0)
    assert target.unit == unit and target.text == text
    assert any("上限" in note for note in target.notes)


@pytest.mark.parametrize("text", ["≥0", ">0次", "0-5次"])
def test_a_zero_with_an_operator_or_a_range_is_left_as_written(text):
    assert read_target(text, row("事故")) == parse_target(text)


@pytest.mark.parametrize(
    "text, deadline",
    [
        ("9月前", date(2023, 9, 30)),
        ("11月底前", date(2023, 11, 30)),
        ("12月底前完成", date(2023, 12, 31)),
        ("6月30日前", date(2023, 6, 30)),
        ("2月底前", date(2023, 2, 28)),
    ],
)
def test_a_month_without_a_year_is_a_deadline_in_the_tables_year(text, deadline):
    target = read_target(text, row("完成时间"))
    assert (target.kind, target.date_to, target.text) == (TargetKind.DEADLINE, deadline, text)
    assert "未写年份" in target.notes[0]


def test_without_the_tables_year_a_month_is_left_as_parse_target_reads_it():
    assert read_target("9月前", row("完成时间", year=None)) == parse_target("9月前")


@pytest.mark.parametrize("text, first, last", [("1-12月", 1, 12), ("3—6月", 3, 6), ("1月至12月", 1, 12)])
def test_a_range_of_months_is_a_period_of_the_tables_year_not_a_duration(text, first, last):
    target = read_target(text, row("实施周期"))
    assert target.kind is TargetKind.PERIOD and target.value is None
    assert target.date_from == date(YEAR, first, 1) and target.date_to.month == last
    assert "不是时长" in target.notes[0]


@pytest.mark.parametrize(
    "text, unit",
    [
        ("≤200元/人·月", "元/人·月"),
        ("≤200元/人*月", "元/人·月"),
        ("100元/人、天", "元/人·天"),
        ("150元/人·天", "元/人·天"),
        ("1600元/亩", "元/亩"),
    ],
)
def test_compound_units_stay_whole(text, unit):
    target = parse_target(text)
    assert target.unit == unit and target.kind is TargetKind.MONEY and target.qualifier is None


def test_a_unit_after_a_slash_without_its_currency_is_yuan():
    target = read_target("≤30/吨", row("垃圾处理成本"))
    assert (target.value, target.unit, target.kind) == (Decimal(30), "元/吨", TargetKind.MONEY)
    assert target.direction is Direction.REVERSE and "币种" in target.notes[0]


@pytest.mark.parametrize(
    "text, name, unit, kind",
    [
        ("100", "项目(工程)验收合格率", "%", TargetKind.PERCENT),
        ("≥95", "群众满意度占比", "%", TargetKind.PERCENT),
        ("43.2", "指标1工程资金金额", "万元", TargetKind.MONEY),
        ("≤300", "项目成本", "万元", TargetKind.MONEY),
        ("5", "出口额(万美元)", "万美元", TargetKind.MONEY),
        ("230", "村组干部(人)", "人", TargetKind.COUNT),
    ],
)
def test_a_bare_number_takes_its_unit_from_the_indicators_name(text, name, unit, kind):
    target = read_target(text, row(name))
    assert (target.unit, target.kind) == (unit, kind)
    assert target.notes and "单位" in target.notes[0]


def test_an_amount_takes_the_tables_money_unit_only_when_the_table_has_one():
    assert read_target("300", row("项目资金", money_unit=None)).unit is None


@pytest.mark.parametrize("text, name", [("100", "培训人数"), ("3", "镇街补助款完成结算项目数"), ("20", "活动场次")])
def test_a_bare_count_stays_a_count(text, name):
    target = read_target(text, row(name))
    assert target == parse_target(text)


@pytest.mark.parametrize(
    "text, name, day",
    [
        ("45291", "项目完成时间", date(2023, 12, 31)),
        ("45,291", "完工日期", date(2023, 12, 31)),
        ("44927", "资金拨付时间", date(2023, 1, 1)),
    ],
)
def test_an_excel_date_serial_where_a_date_belongs_is_that_date_not_a_count(text, name, day):
    target = read_target(text, row(name))
    assert (target.kind, target.date_to, target.value) == (TargetKind.DEADLINE, day, None)
    assert "Excel 日期序列号" in target.notes[0]


@pytest.mark.parametrize("text, name", [("45291", "服务人次"), ("45291", "受益人数"), ("12000", "项目完成时间")])
def test_a_number_that_counts_or_lies_outside_the_years_serials_stays_a_number(text, name):
    assert read_target(text, row(name)).kind is TargetKind.COUNT


def test_a_reverse_direction_column_beside_an_equals_operator_is_a_cap():
    target = read_split_target("=", "5", "次", "反向", row("安全事故"))
    assert (target.comparator, target.direction) == (Comparator.LE, Direction.REVERSE)
    assert "反向" in target.notes[-1]


@pytest.mark.parametrize("direction", ["正向", "正向指标", None, ""])
def test_a_positive_or_missing_direction_leaves_the_operator_alone(direction):
    target = read_split_target("≥", "95", "%", direction, row("满意度"))
    assert (target.comparator, target.direction, target.notes) == (Comparator.GE, Direction.POSITIVE, ())


def test_a_target_the_row_decides_nothing_about_is_exactly_parse_targets():
    for text in ("≥19000宗", "≥50%", "2023年12月31日前", "良好", "≤预算金额"):
        assert read_target(text, row("投诉调解辅助服务")) == parse_target(text)


@given(st.text(max_size=30), st.text(max_size=12), st.one_of(st.none(), st.integers(1990, 2100)))
def test_reading_in_context_never_raises_and_keeps_the_text(text, name, year):
    target = read_target(text, TargetContext(name, year, "万元"))
    assert target.text == text
