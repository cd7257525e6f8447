"""Can staff fill the monitoring report, and does the form refuse what is wrong, keeping what was typed?"""

from __future__ import annotations

from decimal import Decimal

from sqlmodel import Session, select

from kpi.db import make_engine
from kpi.monitoring.models import MonitoringBudgetItem, MonitoringItem, MonitoringReport
from tests import pages
from tests.progress.gen import gen_quarter

MEDIATION = "投诉调解辅助服务"  # ≥19000宗, cumulative
SUCCESS_RATE = "投诉处理总成功率"  # ≥50%, rate
MEDIATION_ROW = f"市场监督管理事务·{MEDIATION}"  # the row it is entered on (同一指标), as the page labels it
DEVIATING = {(MEDIATION, "value"): "1500"}  # 5,000 + 4,500 + 1,500 = 11,000 → 18,857 by the trend
EXPLAINED = {
    (MEDIATION, "cause_category"): "人员保障",
    (MEDIATION, "cause"): "上半年调解员流失",
    (MEDIATION, "likelihood"): "有可能",
    (MEDIATION, "corrective_measures"): "补充招聘调解员",
}


def first_half(app):
    gen_quarter(app, 1, {MEDIATION: {"value": "5000"}}, spending={"基本支出": "300", "市场监督管理事务": "350"})
    gen_quarter(app, 2, {MEDIATION: {"value": "4500"}}, spending={"基本支出": "320", "市场监督管理事务": "380"})


def stored(sqlite_url, model, **where):
    engine = make_engine(sqlite_url)
    with Session(engine) as session:
        query = select(model)
        for name, value in where.items():
            query = query.where(getattr(model, name) == value)
        rows = session.exec(query).all()
    engine.dispose()
    return rows


def to_july(page, indicator_id: int) -> tuple[str, str]:
    """An indicator row's 1–7月 cell: the figure, and the 1–6月 figure beneath it."""
    cell = pages.one(page, f"//main//tr[@id='ind-{indicator_id}']/td[@class='num']")
    return (cell.text or "").strip(), pages.text(pages.one(cell, "./small[contains(@class, 'first-half')]"))


def budget_row(page, line: str) -> dict[str, str]:
    """A budget line's row of the 预算执行 table: each column's heading → the cell's text."""
    table = pages.one(page, "//main//table[contains(@class, 'monitoring-budget')]")
    headings = pages.texts(table, "./thead//th")
    (cells,) = [cells for cells in pages.rows(table, ".") if cells[0] == line]
    return dict(zip(headings, cells, strict=True))


def field_value(page, name: str) -> str:
    """The value attribute of the form's one input named ``name``."""
    return pages.one(page, f"//main//form//input[@name='{name}']").get("value")


def notices(page) -> list[str]:
    """The page's notices above the form (a <p class="flash flash-warning">, not a flashed message)."""
    return pages.texts(page, f"//main/p[{pages.has_class('flash-warning')}]")


def faults(page) -> list[str]:
    """The error summary's faults without the field they belong to ('基本支出 · 7月执行数：不能为负数' → '不能为负数')."""
    return [item.split("：", 1)[1] for item in pages.error_summary(page)]


def test_the_page_prefills_one_to_six_months_and_the_trend(app, staff, ids):
    first_half(app)
    page = pages.parse(staff.page())
    mediation = ids["indicator"][MEDIATION]
    assert to_july(page, mediation) == ("9,500宗", "1–6月 9,500宗")  # 1–6月 and, without July, 1–7月
    assert field_value(page, f"i{mediation}-forecast") == "16285"  # 9,500 × 12/7 = 16,285.71: a count, rounded down
    assert "时间进度 58.33%" in pages.text(pages.one(page, "//main//div[@class='page-head']/p[@class='meta']"))
    sections = pages.texts(page, "//main//form/section/h2")
    assert "单位整体绩效指标" in sections and "项目：市场监督管理事务绩效指标" in sections


def test_saving_computes_one_to_july_and_the_deviation_on_the_server(app, staff, ids, sqlite_url):
    first_half(app)
    mediation = ids["indicator"][MEDIATION]
    response = staff.post({**DEVIATING, (MEDIATION, "forecast"): "16285", (MEDIATION, "deviation"): "否"})
    assert response.status_code == 302
    item = stored(sqlite_url, MonitoringItem, indicator_id=mediation)[0]
    assert item.july_value == Decimal("1500")
    assert item.forecast == Decimal("18857")  # the untouched prefill followed the new July figure
    assert item.deviation is True  # computed, whatever the form said
    page = pages.parse(staff.page())
    assert to_july(page, mediation)[0] == "11,000宗"
    deviation = pages.one(page, f"//main//tr[@id='ind-{mediation}']/td[@class='deviation']")
    assert deviation.get("data-deviation") == "是" and pages.text(deviation) == "是"


def test_a_typed_projection_is_kept_and_judged(app, staff, ids, sqlite_url):
    first_half(app)
    staff.post({**DEVIATING, (MEDIATION, "forecast"): "19200"})
    item = stored(sqlite_url, MonitoringItem, indicator_id=ids["indicator"][MEDIATION])[0]
    assert item.forecast == Decimal("19200") and item.deviation is False


def test_a_draft_may_lack_explanations_but_submitting_requires_them(app, staff, sqlite_url):
    first_half(app)
    draft = staff.post(DEVIATING)
    assert draft.status_code == 302
    assert any(notice.startswith("送审前还需填写") for notice in notices(staff.client.get(draft.headers["Location"])))

    refused = staff.post(DEVIATING, action="submit")
    assert refused.status_code == 400
    listed = faults(refused)
    for message in (
        "有偏差，请选择偏差原因类别",
        "有偏差，请说明原因",
        "有偏差，请选择完成目标可能性",
        "有偏差，请填写纠偏措施",
        "预计执行率不是100%，请填写偏差说明",
    ):
        assert message in listed, message
    assert stored(sqlite_url, MonitoringReport)[0].status == "draft"


def test_over_completion_needs_an_explanation_before_submitting(app, staff, ids):
    gen_quarter(app, 1, {"志愿者活动数量": {"value": "30"}})  # target 40场
    response = staff.post({("志愿者活动数量", "value"): "5"}, action="submit")  # 35 by July, 60 projected
    assert response.status_code == 400
    assert "志愿者活动数量 · 原因说明：超额完成（达到目标的130%以上），请说明原因" in pages.error_summary(response)


def test_every_fault_is_shown_at_once_and_every_typed_value_kept(app, staff, ids):
    first_half(app)
    response = staff.post(
        {
            (MEDIATION, "value"): "-20",
            (SUCCESS_RATE, "numerator"): "480",
            (SUCCESS_RATE, "denominator"): "400",
            (MEDIATION, "cause_category"): "天气原因",
            (MEDIATION, "likelihood"): "大概吧",
            (MEDIATION, "cause"): "长" * 2001,
            ("志愿者活动数量", "forecast"): "很多",
            ("办公设备购置的验收情况", "forecast_band"): "优秀",
            ("项目完成时间", "forecast_date"): "2023-13-01",
        },
        lines={("基本支出", "july"): "-1", ("信息化类", "forecast"): "12abc"},
        summary="总体进展顺利",
    )
    assert response.status_code == 400
    page = pages.parse(response)
    listed = faults(page)
    for message in (
        "不能为负数",
        "分子不能大于分母",
        "请从列表中选择偏差原因类别",
        "请从列表中选择完成目标可能性",
        "原因说明过长（最多 2000 字）",
        "请输入数字",
        "请选择：达成 / 部分达成 / 未达成",
        "日期不存在",
    ):
        assert any(fault.startswith(message) for fault in listed), message
    summary = pages.error_summary(page)  # the projection and the budget line's
    assert "志愿者活动数量 · 全年预计数：请输入数字" in summary and "信息化类 · 全年预计数：请输入数字" in summary
    indicator, line = ids["indicator"], ids["line"]
    assert field_value(page, f"i{indicator[MEDIATION]}-value") == "-20"
    assert field_value(page, f"i{indicator[SUCCESS_RATE]}-numerator") == "480"
    assert field_value(page, f"b{line['信息化类']}-forecast") == "12abc"
    assert field_value(page, f"b{line['基本支出']}-july") == "-1"
    category = f"//main//form//select[@name='i{indicator[MEDIATION]}-cause_category']/option[@selected]/@value"
    assert pages.texts(page, category) == ["天气原因"]
    assert pages.text(pages.one(page, "//main//form//textarea[@name='summary']")) == "总体进展顺利"


def test_nothing_is_saved_when_any_field_is_wrong(app, staff, sqlite_url):
    response = staff.post({(MEDIATION, "value"): "1500", (SUCCESS_RATE, "value"): "101"})
    assert response.status_code == 400
    assert "投诉处理总成功率 · 7月完成值：百分比应在 0–100 之间" in pages.error_summary(response)
    assert stored(sqlite_url, MonitoringReport) == []


def test_a_cumulative_projection_below_one_to_july_is_refused(app, staff):
    first_half(app)
    response = staff.post({**DEVIATING, (MEDIATION, "forecast"): "10000"})
    assert response.status_code == 400
    assert f"{MEDIATION_ROW} · 全年预计数：全年预计完成值不能小于1–7月完成值" in pages.error_summary(response)


def test_budget_lines_store_july_the_total_to_july_and_the_projection(app, staff, ids, sqlite_url):
    first_half(app)
    response = staff.post(
        lines={
            ("基本支出", "july"): "110",
            ("基本支出", "forecast"): "1276",
            ("市场监督管理事务", "july"): "120",
            ("市场监督管理事务", "cause"): "下半年集中支付",
        }
    )
    assert response.status_code == 302
    rows = {row.budget_line_id: row for row in stored(sqlite_url, MonitoringBudgetItem)}
    basic, market = rows[ids["line"]["基本支出"]], rows[ids["line"]["市场监督管理事务"]]
    assert (basic.spent_july, basic.spent_to_july, basic.forecast_spent) == (
        Decimal("110"),
        Decimal("730"),
        Decimal("1276"),
    )
    assert market.spent_to_july == Decimal("850") and market.forecast_spent == Decimal("1457.14")
    basic_row = budget_row(staff.page(), "基本支出")
    assert basic_row["执行率"] == "57.21%"  # 730 ÷ 1,276
    assert basic_row["全年预计执行数"] == "预计执行率 100.00%"


def test_the_explanations_and_summary_are_saved_and_submitting_works_once_complete(app, staff, sqlite_url):
    first_half(app)
    budgets = (
        ("基本支出", "1276"),
        ("市场监督管理事务", "1371"),
        ("信息化类", "273"),
        ("综合管理类", "17"),
        ("修缮维护类", "2"),
    )
    lines = {(name, "forecast"): budget for name, budget in budgets}
    # Lines whose light is not green (spent behind the year) deviate and need their cause.
    lines.update({(name, "cause"): "项目按合同节点付款，下半年集中支付" for name, _budget in budgets})
    # 投诉调解辅助服务 is also 市场监督管理事务's own indicator (同一指标): its row shows the same
    # figures, so it deviates the same and is explained too.
    values = {**DEVIATING, **EXPLAINED}
    values.update({(f"市场监督管理事务:{name}", field): text for (name, field), text in values.items()})
    response = staff.post(values, lines=lines, summary="上半年总体进展正常", action="submit")
    assert response.status_code == 302
    page = pages.parse(staff.client.get(response.headers["Location"]))
    assert pages.flashes(page, "success") == ["已送审，等待审核人审核。"]
    assert pages.texts(page, "//main//div[@class='page-head']//span[contains(@class, 'status')]") == ["已送审"]
    report = stored(sqlite_url, MonitoringReport)[0]
    assert report.status == "submitted" and report.summary == "上半年总体进展正常"
    item = stored(sqlite_url, MonitoringItem, report_id=report.id, cause_category="人员保障")[0]
    assert (item.cause, item.likelihood, item.corrective_measures) == ("上半年调解员流失", "有可能", "补充招聘调解员")


def test_a_remark_is_kept_never_required_and_limited_like_every_text(app, staff, ids, sqlite_url):
    """备注 of the official form: saved with the line, not asked for on submit, refused when too long."""
    first_half(app)
    mediation = ids["indicator"][MEDIATION]
    assert staff.post({**DEVIATING, (MEDIATION, "remark"): "  三季度集中调解  "}).status_code == 302
    assert stored(sqlite_url, MonitoringItem, indicator_id=mediation)[0].remark == "三季度集中调解"
    refused = staff.post({(MEDIATION, "remark"): "长" * 2001})
    assert refused.status_code == 400
    assert f"{MEDIATION_ROW} · 备注：备注过长（最多 2000 字）" in pages.error_summary(refused)
    assert stored(sqlite_url, MonitoringItem, indicator_id=mediation)[0].remark == "三季度集中调解"
    assert staff.post({**DEVIATING, **EXPLAINED, (MEDIATION, "remark"): ""}).status_code == 302
    assert stored(sqlite_url, MonitoringItem, indicator_id=mediation)[0].remark is None  # cleared
    assert all(name != "remark" for _, _, name in incomplete_of(app))  # never required


def incomplete_of(app):
    from kpi import db
    from kpi.budget import service as budget
    from kpi.monitoring.sheet import load_monitoring
    from kpi.monitoring.validation import incomplete

    with app.app_context(), Session(db.engine()) as session:
        unit, year = budget.get_unit(session, "深圳市消费者委员会秘书处"), budget.get_year(session, 2023)
        return incomplete(load_monitoring(session, unit, year))
