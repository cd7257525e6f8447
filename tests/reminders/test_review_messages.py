"""Are reviewers told about submissions and staff about returns, and do the reminders follow the report?"""

from __future__ import annotations

from datetime import date

from kpi.accounts.models import User
from kpi.reminders.models import Notification, OutboxEmail, Reminder
from tests.reminders.gen import all_rows, quarter_action, tick

OCT_7 = date(2023, 10, 7)


def messages(app, kind: str) -> list[tuple[str, str]]:
    people = {u.id: u.username for u in all_rows(app, User)}
    return sorted((people[n.user_id], n.title) for n in all_rows(app, Notification, Notification.kind == kind))


def test_a_submission_tells_the_units_reviewers(app):
    quarter_action(app, 1, "submit", "szcc_staff")
    assert messages(app, "submitted") == [("szcc_reviewer", "深圳市消费者委员会秘书处 2023年一季度 已送审，请审核")]
    note = all_rows(app, Notification, Notification.kind == "submitted")[0]
    assert note.link == "/units/2/2023/quarters/1" and "张敏（填报人）" in note.body
    assert [d.to_address for d in all_rows(app, OutboxEmail)] == ["szcc_reviewer@example.com"]


def test_a_return_tells_the_units_staff_with_the_reason(app):
    quarter_action(app, 1, "submit", "szcc_staff")
    quarter_action(app, 1, "return", "szcc_reviewer", reason="投诉数量与平台导出数不符")
    assert messages(app, "returned") == [
        ("szcc_staff", "深圳市消费者委员会秘书处 2023年一季度 已被退回，请修改后重新送审")
    ]
    assert "投诉数量与平台导出数不符" in all_rows(app, Notification, Notification.kind == "returned")[0].body


def test_an_approval_is_told_in_the_app_only(app):
    quarter_action(app, 1, "submit", "szcc_staff")
    quarter_action(app, 1, "approve", "szcc_reviewer")
    assert messages(app, "approved") == [("szcc_staff", "深圳市消费者委员会秘书处 2023年一季度 已审核通过")]
    assert all_rows(app, Notification, Notification.kind == "approved")[0].outbox_email_id is None


def test_submitting_closes_the_quarters_reminder_at_once_and_reopening_opens_it(app):
    tick(app, OCT_7)
    quarter_action(app, 3, "submit", "szcc_staff")
    assert all_rows(app, Reminder)[0].closed_at is not None
    quarter_action(app, 3, "approve", "szcc_reviewer")
    quarter_action(app, 3, "reopen", "szcc_reviewer", reason="财政局要求补充说明")
    assert all_rows(app, Reminder)[0].closed_at is None
    assert messages(app, "returned")[0][1].endswith("已被重新打开，请修改后重新送审")


def test_a_submitted_quarter_gets_no_overdue_notice(app):
    tick(app, OCT_7)
    quarter_action(app, 3, "submit", "szcc_staff")
    assert tick(app, date(2023, 10, 19)) == []


def test_a_monitoring_report_submitted_through_the_hook_closes_its_reminder_and_tells_reviewers(app):
    from kpi import db
    from kpi.budget import service as budget
    from kpi.monitoring.models import MonitoringReport
    from kpi.reminders.notify import notify_transition
    from tests.reminders.gen import UNIT_ID, user

    tick(app, date(2023, 8, 1))
    with app.app_context(), db.transaction() as session:
        report = MonitoringReport(unit_id=UNIT_ID, year_id=budget.get_year(session, 2023).id, status="submitted")
        session.add(report)
        session.flush()
        notify_transition(session, report, "submit", actor=user(session, "szcc_staff"), what="2023年运行监控")
    assert all_rows(app, Reminder)[0].closed_at is not None
    note = all_rows(app, Notification, Notification.kind == "submitted")[0]
    assert note.title == "深圳市消费者委员会秘书处 2023年运行监控 已送审，请审核"
    assert note.link == "/units/2/2023/monitoring"
