"""Does the progress service judge each indicator and budget line as docs/rules/progress.md says?"""

from __future__ import annotations

from datetime import date

from kpi.domain.entries import Band
from kpi.domain.progress import Status
from tests.progress.gen import dec, gen_progress, gen_quarter, row, update_indicator

GREEN, YELLOW, RED, NONE = Status.GREEN, Status.YELLOW, Status.RED, Status.NONE


def test_without_any_report_nothing_is_judged_yet(app):
    progress = gen_progress(app)
    assert progress.as_of_quarter == 0
    assert progress.counts == {GREEN: 0, YELLOW: 0, RED: 0, NONE: 67}
    assert all(r.status is NONE for r in progress.rows)
    assert progress.lagging == []


def test_summaries_count_the_unit_table_and_projects_tables_are_shown_too(app):
    progress = gen_progress(app)
    assert len(progress.rows) == 80  # 67 unit-wide + 13 in the projects' own tables
    unit_rows = [r.indicator.display_order for r in progress.rows[:67]]
    assert unit_rows == sorted(unit_rows)  # the published order, not grouped by project
    assert sum(progress.counts.values()) == 67
    titles = [title for title, _rows in progress.tables()]
    assert titles[0] == "单位整体" and "项目：修缮维护类" in titles


def test_as_of_defaults_to_the_latest_reported_quarter_and_ignores_later_ones_when_asked(app):
    gen_quarter(app, 1, {"投诉调解辅助服务": {"value": "5000"}})
    gen_quarter(app, 2, {"投诉调解辅助服务": {"value": "4500"}})
    latest = row(gen_progress(app), "投诉调解辅助服务")
    assert latest.progress.actual.value == dec("9500")
    assert latest.quarters == ("5,000宗", "4,500宗", "", "")
    first = gen_progress(app, as_of_quarter=1)
    assert first.as_of_quarter == 1
    assert row(first, "投诉调解辅助服务").progress.actual.value == dec("5000")
    assert row(first, "投诉调解辅助服务").quarters == ("5,000宗", "", "", "")


def test_cumulative_indicator_on_pace_is_green_with_its_working(app):
    gen_quarter(app, 1, {"投诉调解辅助服务": {"value": "5000"}})
    gen_quarter(app, 2, {"投诉调解辅助服务": {"value": "4500"}})
    r = row(gen_progress(app), "投诉调解辅助服务")
    assert (r.progress.completion_pct, r.progress.expected_pct, r.status) == (dec("50.00"), dec("50.00"), GREEN)
    assert r.actual_text == "9,500宗" and r.forecast_text == "19,000宗"
    assert r.project == "市场监督管理事务"
    assert "9,500" in r.progress.explanation and "→ 绿" in r.progress.explanation


def test_rate_is_computed_from_the_summed_numerator_and_denominator(app):
    gen_quarter(app, 1, {"投诉处理总成功率": {"numerator": "45", "denominator": "50"}})
    gen_quarter(app, 2, {"投诉处理总成功率": {"numerator": "10", "denominator": "150"}})
    r = row(gen_progress(app), "投诉处理总成功率")
    # 55 / 200 = 27.5 %, not the mean of 90 % and 6.67 %
    assert r.progress.actual.value == dec("27.50")
    assert (r.progress.actual.numerator, r.progress.actual.denominator) == (dec("55"), dec("200"))
    assert r.progress.completion_pct == dec("55.00")
    assert r.status is RED
    assert r.actual_text == "27.50%（55/200）"


def test_qualitative_indicator_takes_the_latest_band(app):
    gen_quarter(app, 1, {"干部职工满意度": {"band": "达成"}})
    gen_quarter(app, 2, {"干部职工满意度": {"band": "部分达成", "assessment": "食堂意见较多"}})
    r = row(gen_progress(app), "干部职工满意度")
    assert r.progress.actual.band is Band.PARTIAL
    assert r.status is YELLOW
    assert r.quarters[:2] == ("达成", "部分达成")
    assert r.actual_text == "部分达成" and r.forecast_text == "部分达成"


def test_deadline_met_in_time_is_green(app):
    gen_quarter(app, 2, {"项目完成时间": {"achieved_on": "2023-06-30"}})
    r = row(gen_progress(app), "项目完成时间")
    assert r.status is GREEN and r.progress.actual.achieved_on == date(2023, 6, 30)


def test_open_deadline_of_a_past_year_is_judged_at_that_years_end_not_today(app):
    gen_quarter(app, 1, {})
    assert row(gen_progress(app, today=date(2030, 5, 1)), "项目完成时间").status is NONE  # due 2023-12-31
    update_indicator(app, "项目完成时间", target_date_to=date(2023, 6, 30))
    r = row(gen_progress(app, today=date(2030, 5, 1)), "项目完成时间")
    assert r.status is RED and "已超过期限" in r.progress.explanation


def test_open_deadline_of_the_current_year_turns_red_only_once_today_has_passed_it(app):
    gen_quarter(app, 1, {})
    update_indicator(app, "项目完成时间", target_date_to=date(2023, 6, 30))
    assert row(gen_progress(app, today=date(2023, 5, 1)), "项目完成时间").status is NONE
    assert row(gen_progress(app, today=date(2023, 7, 1)), "项目完成时间").status is RED


def test_unlinked_budget_indicator_follows_every_projects_spending_against_their_budgets(app):
    gen_quarter(app, 1, spending={"市场监督管理事务": "300", "信息化类": "100", "基本支出": "320"})
    r = row(gen_progress(app), "项目支出金额")
    assert r.progress.actual.value == dec("400")  # projects only: 基本支出 is not 项目支出
    assert r.progress.completion_pct == dec("24.05")  # 400 ÷ 1,663
    assert r.status is GREEN
    assert r.quarters[0] == "400.00万元" and r.actual_text == "400.00万元"


def test_linked_budget_indicator_turns_red_past_its_projects_budget(app):
    update_indicator(app, "项目支出金额", budget_line_id=3)  # 信息化类, 273 万元
    gen_quarter(app, 1, spending={"信息化类": "200", "市场监督管理事务": "10"})
    gen_quarter(app, 2, spending={"信息化类": "80"})
    r = row(gen_progress(app), "项目支出金额")
    assert r.progress.actual.value == dec("280")
    assert r.status is RED and "预算 273" in r.progress.explanation


def test_uneven_quarterly_plan_sets_what_is_expected_by_now(app):
    gen_quarter(app, 1, {"志愿者活动数量": {"value": "4"}})
    gen_quarter(app, 2, {"志愿者活动数量": {"value": "6"}})
    assert row(gen_progress(app), "志愿者活动数量").status is RED  # 10 of 40 against an even 50 %
    update_indicator(app, "志愿者活动数量", plan_q1=dec("4"), plan_q2=dec("6"), plan_q3=dec("10"), plan_q4=dec("20"))
    r = row(gen_progress(app), "志愿者活动数量")
    assert (r.progress.expected_pct, r.progress.completion_pct, r.status) == (dec("25.00"), dec("25.00"), GREEN)
    assert r.progress.forecast == dec("40.00")


def test_budget_rows_give_execution_rate_time_progress_and_warning_with_totals(app):
    gen_quarter(app, 1, spending={"市场监督管理事务": "300", "信息化类": "10", "基本支出": "320"})
    gen_quarter(app, 2, spending={"市场监督管理事务": "300", "基本支出": "318"})
    rows = {r.label: r for r in gen_progress(app).budget}
    assert list(rows) == [
        "基本支出",
        "市场监督管理事务",
        "信息化类",
        "综合管理类",
        "修缮维护类",
        "项目支出合计",
        "合计",
    ]
    market = rows["市场监督管理事务"].progress
    assert (market.spent, market.execution_rate, market.time_progress, market.status) == (
        dec("600"),
        dec("43.76"),
        dec("50.00"),
        GREEN,
    )
    assert rows["信息化类"].progress.status is RED  # 3.66 % spent at half time
    assert rows["综合管理类"].progress.spent == 0
    assert rows["项目支出合计"].progress.budget == dec("1663")
    assert rows["项目支出合计"].progress.spent == dec("610")
    total = rows["合计"]
    assert total.is_total and (total.progress.budget, total.progress.spent) == (dec("2939"), dec("1248"))


def test_first_level_summary_averages_completion_capped_at_100(app):
    gen_quarter(
        app,
        1,
        {
            "消费教育活动满意度": {"value": "100"},  # 100 ÷ 80 = 125 % → 100
            "投诉处理消费者满意度": {"value": "25"},  # 25 ÷ 50 = 50 %
            "干部职工满意度": {"band": "达成"},
            "用户针对系统运行的投诉次数": {"value": "3"},
        },
    )  # reverse: not averaged
    summary = {s.level1: s for s in gen_progress(app).by_level1}
    satisfaction = summary["满意度指标"]
    assert satisfaction.numeric_count == 2
    assert satisfaction.completion_pct == dec("75.00")
    assert satisfaction.expected_pct == dec("100.00")
    assert satisfaction.status is YELLOW
    assert satisfaction.counts == {GREEN: 3, YELLOW: 0, RED: 1, NONE: 0}
    assert list(summary) == ["产出指标", "效益指标", "满意度指标"]
    assert summary["产出指标"].completion_pct is None and summary["产出指标"].status is NONE


def test_lagging_lists_red_before_yellow_worst_first_at_most_ten(app):
    entries = {
        "投诉调解辅助服务": {"value": "1000"},  # 5.26 % of 25 % → red
        "投诉工单审核辅助服务": {"value": "1200"},  # 17.14 % of 25 % → 68.57 → yellow
        "投诉分级公示辅助服务": {"value": "100"},  # 0.56 % → red, worst
        "干部职工满意度": {"band": "未达成"},  # red without a ratio
        "增加和解企业": {"value": "500"},
    }  # 25 % → green
    entries.update(
        {
            name: {"value": "0"}
            for name in [
                "志愿者培训数量",
                "志愿者活动数量",
                "开展法律监督次数",
                "投诉统计分析报告",
                "开展消费教育活动次数",
                "开展商品或服务比较试验",
                "召开专家论证会",
                "报刊杂志资料订阅数量",
            ]
        }
    )
    gen_quarter(app, 1, entries)
    progress = gen_progress(app)
    lagging = [r.indicator.name for r in progress.lagging]
    assert len(lagging) == 10
    assert lagging[0] == "干部职工满意度"
    assert "投诉工单审核辅助服务" not in lagging  # the only yellow falls off behind eleven reds
    assert "增加和解企业" not in lagging
    assert progress.counts[RED] == 11 and progress.counts[YELLOW] == 1
    ratios = [r.ratio for r in progress.lagging[1:]]
    assert ratios == sorted(ratios)


def test_lagging_puts_yellow_after_red(app):
    gen_quarter(app, 1, {"投诉调解辅助服务": {"value": "1000"}, "投诉工单审核辅助服务": {"value": "1200"}})
    assert [r.status for r in gen_progress(app).lagging] == [RED, YELLOW]


def test_unknown_unit_or_a_unit_without_data_for_the_year_is_not_found(app):
    import pytest
    from sqlmodel import Session

    from kpi import db
    from kpi.progress.service import NotFound, find_progress

    with app.app_context(), Session(db.engine()) as session:
        for unit_id, year in [(999, 2023), (2, 1999), (1, 2023)]:  # unit 1 is the 主管部门, with no data
            with pytest.raises(NotFound):
                find_progress(session, unit_id, year)
        assert find_progress(session, 2, 2023).unit.id == 2
