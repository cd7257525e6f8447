"""Does the monitoring report follow the review workflow of quarters, with every change audited?"""

from __future__ import annotations

from sqlmodel import Session, select

from kpi.audit.models import AuditEvent
from kpi.db import make_engine
from kpi.reminders.models import Notification
from tests import pages
from tests.monitoring.conftest import REPORT_URL, signed_in

ON_COURSE = {("投诉调解辅助服务", "value"): "1500", ("投诉调解辅助服务", "forecast"): "19500"}
# Every line on course: July's spending keeps 执行率 at 80% or more of 时间进度 (green, no deviation).
BUDGETS = {
    **{(line, "july"): july for line, july in (("基本支出", "600"), ("市场监督管理事务", "650"), ("信息化类", "130"))},
    **{(line, "july"): july for line, july in (("综合管理类", "8"), ("修缮维护类", "1"))},
    ("基本支出", "forecast"): "1276",
    ("市场监督管理事务", "forecast"): "1371",
    ("信息化类", "forecast"): "273",
    ("综合管理类", "forecast"): "17",
    ("修缮维护类", "forecast"): "2",
}
FORM = "//main//form[contains(@class, 'monitoring-form')]"
CONFLICT = f"//main//section[{pages.has_class('conflict')}]"


def events(sqlite_url, **where) -> list[AuditEvent]:
    engine = make_engine(sqlite_url)
    with Session(engine) as session:
        query = select(AuditEvent).order_by(AuditEvent.id)
        for name, value in where.items():
            query = query.where(getattr(AuditEvent, name) == value)
        rows = session.exec(query).all()
    engine.dispose()
    return rows


def test_submit_approve_lock_then_reopen_only_with_a_reason(staff, reviewer):
    assert staff.post(ON_COURSE, lines=BUDGETS, action="submit").status_code == 302
    pages.assert_read_only(staff.page(), FORM)
    locked = staff.post({("投诉调解辅助服务", "value"): "1"})
    assert pages.flashes(staff.client.get(locked.headers["Location"]), "error") == [
        "本报告已送审，等待审核；如需修改，请审核人退回。"
    ]

    approved = pages.parse(reviewer.review("approve"))
    assert pages.flashes(approved, "success") == ["已审核通过。"]
    assert pages.status(approved) == ("审核通过", "status status-approved")
    locked = staff.post({("投诉调解辅助服务", "value"): "1"})
    assert pages.flashes(staff.client.get(locked.headers["Location"]), "error") == [
        "本报告已审核通过并锁定；如需修改，请审核人重新打开。"
    ]

    assert pages.flashes(reviewer.review("reopen", "  "), "error") == ["重新打开必须填写原因。"]
    assert pages.flashes(reviewer.review("reopen", "财政局要求补充纠偏措施"), "success") == ["已重新打开。"]
    page = pages.parse(staff.page())
    assert pages.review_note(page) == ("重新打开原因：", "财政局要求补充纠偏措施")
    assert "保存草稿" in pages.texts(page, f"{FORM}//button")
    assert pages.status(page) == ("已重新打开", "status status-reopened")  # a status of its own, not a return
    assert (
        staff.post({("投诉调解辅助服务", "corrective_measures"): "加派人手"}, reason="按财政局意见补充").status_code
        == 302
    )
    not_submitted = reviewer.review("approve")  # not submitted again yet
    assert pages.flashes(not_submitted, "error") == ["当前状态为“已重新打开”，不能审核通过。"]
    assert staff.post(action="submit").status_code == 302
    assert pages.flashes(reviewer.review("approve"), "success") == ["已审核通过。"]


def test_returning_needs_a_reason_that_staff_then_see(staff, reviewer):
    staff.post(ON_COURSE, lines=BUDGETS, action="submit")
    assert pages.flashes(reviewer.review("return"), "error") == ["退回必须填写原因。"]
    assert pages.flashes(reviewer.review("return", "纠偏措施过于笼统"), "success") == ["已退回。"]
    assert pages.review_note(staff.page()) == ("审核人意见：", "纠偏措施过于笼统")


def test_only_the_units_reviewer_may_review(staff, app, ids):
    staff.post(ON_COURSE, lines=BUDGETS, action="submit")
    assert staff.review("approve").status_code == 403
    assert signed_in(app, ids, "finance").review("approve").status_code == 403


def test_every_changed_field_and_status_is_audited(staff, reviewer, ids, sqlite_url):
    staff.post(ON_COURSE, lines={**BUDGETS, ("基本支出", "july"): "610"}, summary="进展正常")
    staff.post({("投诉调解辅助服务", "forecast"): "20000"}, action="submit")
    reviewer.review("return", "请核对预计数")
    staff.post({("投诉调解辅助服务", "forecast"): "19800"}, reason="按平台数据修正")

    mediation = ids["indicator"]["投诉调解辅助服务"]
    trail = {(e.field, e.old_value, e.new_value) for e in events(sqlite_url, entity="indicator", entity_id=mediation)}
    assert ("2023年运行监控 · 7月完成值", "（空）", "1,500") in trail
    assert ("2023年运行监控 · 全年预计完成值", "19,500", "20,000") in trail
    assert ("2023年运行监控 · 全年预计完成值", "20,000", "19,800") in trail
    reasons = [e.reason for e in events(sqlite_url, entity="indicator", entity_id=mediation)]
    assert reasons[-1] == "按平台数据修正"
    money = {
        (e.field, e.new_value) for e in events(sqlite_url, entity="budget_line", entity_id=ids["line"]["基本支出"])
    }
    assert ("2023年运行监控 · 7月执行数（万元）", "610") in money
    report = events(sqlite_url, entity="monitoring_report")
    assert [(e.action, e.field, e.old_value, e.new_value) for e in report if e.action != "update"] == [
        ("create", "2023年运行监控", None, "草稿"),
        ("submit", "2023年运行监控 · 状态", "草稿", "已送审"),
        ("return", "2023年运行监控 · 状态", "已送审", "已退回"),
    ]
    assert ("update", "2023年运行监控 · 总体情况说明", "进展正常") in {(e.action, e.field, e.new_value) for e in report}
    history = pages.rows(staff.client.get(f"/units/2/indicators/{mediation}/history"))
    assert ["2023年运行监控 · 全年预计完成值", "20,000", "19,800", "按平台数据修正"] in [row[2:] for row in history]


def test_a_save_over_a_newer_version_is_a_conflict_that_keeps_what_was_typed(app, ids):
    first, second = signed_in(app, ids, "szcc_staff"), signed_in(app, ids, "szcc_staff")
    assert first.post({("投诉调解辅助服务", "value"): "1500"}, version=0).status_code == 302
    response = second.post({("投诉调解辅助服务", "value"): "1800"}, version=0)
    assert response.status_code == 409
    page = pages.parse(response)
    assert pages.text(pages.one(page, f"{CONFLICT}/p/strong")).startswith("其他人已在您打开页面后保存了本报告")
    assert ["投诉调解辅助服务 · 7月完成值", "1,500", "1,800"] in pages.rows(page, f"{CONFLICT}//table")
    assert pages.texts(page, f"{FORM}//input[@name='i{ids['indicator']['投诉调解辅助服务']}-value']/@value") == ["1800"]
    assert second.post({("投诉调解辅助服务", "value"): "1800"}).status_code == 302


def test_a_post_without_csrf_is_refused(staff, ids):
    response = staff.client.post(
        REPORT_URL, data={"action": "save", f"i{ids['indicator']['志愿者活动数量']}-value": "1"}
    )
    assert response.status_code == 400


def test_submitting_tells_the_reviewer_and_returning_tells_the_staff(staff, reviewer, sqlite_url):
    staff.post(ON_COURSE, lines=BUDGETS, action="submit")
    reviewer.review("return", "请补充说明")
    engine = make_engine(sqlite_url)
    with Session(engine) as session:
        notes = {(note.kind, note.link) for note in session.exec(select(Notification))}
    engine.dispose()
    assert ("submitted", REPORT_URL) in notes and ("returned", REPORT_URL) in notes
