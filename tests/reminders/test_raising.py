"""Does the job raise each reminder once, to the people who still owe the report, and catch up after downtime?"""

from __future__ import annotations

import logging
from datetime import date

from kpi.accounts.models import User
from kpi.domain.calendar import WorkingCalendar
from kpi.reminders.models import Notification, OutboxEmail, Reminder
from tests.reminders.gen import (
    UNIT,
    UNIT_ID,
    add_person,
    all_rows,
    mark_digests_sent,
    set_monitoring_status,
    set_rules,
    tick,
    update_users,
)

AUG_1 = date(2023, 8, 1)


def stages(app):
    return sorted((r.kind, r.period, r.stage, r.raised_on) for r in all_rows(app, Reminder))


def test_the_august_notice_is_raised_for_the_seed_unit_on_the_first_working_day(app):
    assert tick(app, date(2023, 7, 31)) == []
    raised = tick(app, AUG_1)
    assert [(r.unit_name, r.kind_label, r.stage_label, r.due_on) for r in raised] == [
        (UNIT, "运行监控", "通知", date(2023, 8, 31))
    ]
    reminder = all_rows(app, Reminder)[0]
    assert (reminder.unit_id, reminder.raised_on, reminder.due_on, reminder.closed_at) == (
        UNIT_ID,
        AUG_1,
        date(2023, 8, 31),
        None,
    )


def test_ticking_again_the_same_day_raises_nothing_new(app):
    tick(app, AUG_1)
    assert tick(app, AUG_1) == []
    assert tick(app, date(2023, 8, 2)) == []
    assert len(all_rows(app, Reminder)) == 1
    assert len(all_rows(app, Notification)) == 2
    assert len(all_rows(app, OutboxEmail)) == 2


def test_a_server_down_on_august_1_raises_the_notice_when_it_comes_back(app):
    raised = tick(app, date(2023, 8, 5))
    assert [(r.kind, r.stage) for r in raised] == [("monitoring", "notice")]
    assert all_rows(app, Reminder)[0].raised_on == date(2023, 8, 5)


def test_a_late_first_tick_raises_only_the_stage_that_supersedes_the_others(app):
    assert [(r.kind, r.stage) for r in tick(app, date(2023, 8, 25))] == [("monitoring", "escalation_5")]


def test_each_stage_is_raised_on_its_day_and_only_once(app):
    for day in (
        date(2023, 7, 31),
        AUG_1,
        date(2023, 8, 24),
        date(2023, 8, 25),
        date(2023, 8, 29),
        date(2023, 9, 1),
        date(2023, 9, 4),
    ):
        tick(app, day)
    assert [s for s in stages(app) if s[0] == "monitoring"] == [
        ("monitoring", 0, "escalation_2", date(2023, 8, 29)),
        ("monitoring", 0, "escalation_5", date(2023, 8, 24)),
        ("monitoring", 0, "notice", AUG_1),
        ("monitoring", 0, "overdue", date(2023, 9, 1)),
    ]


def test_the_quarterly_notice_comes_on_the_saturday_workday_after_national_day(app):
    assert tick(app, date(2023, 10, 6)) == []
    assert [(r.kind_label, r.stage_label) for r in tick(app, date(2023, 10, 7))] == [("三季度", "通知")]


def test_a_unit_that_has_submitted_gets_no_reminder(app):
    set_monitoring_status(app, "submitted")
    assert tick(app, AUG_1) == []
    set_monitoring_status(app, "draft")  # a draft is still owed
    assert len(tick(app, date(2023, 8, 2))) == 1


def test_the_units_staff_and_reviewer_each_get_a_notification_and_a_digest(app):
    tick(app, AUG_1)
    notes = all_rows(app, Notification)
    people = {u.id: u.username for u in all_rows(app, User)}
    assert sorted(people[n.user_id] for n in notes) == ["szcc_reviewer", "szcc_staff"]
    assert {n.title for n in notes} == {"请于 8月31日 前提交 2023 年绩效运行监控报告"}
    assert {n.link for n in notes} == {"/units/2/2023/monitoring"}
    digests = all_rows(app, OutboxEmail)
    assert sorted(d.to_address for d in digests) == ["szcc_reviewer@example.com", "szcc_staff@example.com"]
    assert all(d.digest_date == AUG_1 and d.status == "pending" for d in digests)
    assert "http://127.0.0.1:5000/units/2/2023/monitoring" in digests[0].body
    assert all_rows(app, Reminder)[0].delivery_state == "pending"


def test_one_digest_per_person_per_day_collects_all_of_that_days_reminders(app):
    tick(app, date(2024, 1, 2))  # the fourth quarter and the self-evaluation open the same day
    assert sorted(r.kind for r in all_rows(app, Reminder)) == ["quarterly", "self_evaluation"]
    digests = all_rows(app, OutboxEmail)
    assert len(digests) == 2
    for digest in digests:
        assert "请于 2024年1月15日 前提交 2023 年四季度填报" in digest.body
        assert "请于 2024年2月28日 前提交 2023 年绩效自评" in digest.body
        assert digest.subject.endswith("等 2 项")


def test_reminders_raised_after_the_days_digest_was_sent_wait_for_the_next_days_digest(app):
    set_rules(app, {"quarterly": {"enabled": False}, "overdue_catch_up_days": 30})
    tick(app, AUG_1)
    mark_digests_sent(app)
    set_rules(app, {"overdue_catch_up_days": 30})  # an administrator turns quarterly reminders on that day
    assert [(r.kind_label, r.stage_label) for r in tick(app, AUG_1)] == [("二季度", "逾期提醒")]
    digests = sorted((d.digest_date, d.status, d.body.count("■")) for d in all_rows(app, OutboxEmail))
    assert digests == [(AUG_1, "sent", 1)] * 2 + [(date(2023, 8, 2), "pending", 1)] * 2


def test_a_message_for_a_day_whose_digest_was_sent_rolls_over_to_the_next_day(app):
    from kpi import db
    from kpi.reminders.notify import notify

    tick(app, AUG_1)
    mark_digests_sent(app)
    with app.app_context(), db.transaction() as session:
        staff = session.get(User, all_rows(app, Notification)[0].user_id)
        note = notify(session, [staff], kind="returned", title="已退回", day=AUG_1)[0]
        outbox = session.get(OutboxEmail, note.outbox_email_id)
        assert (outbox.digest_date, outbox.status) == (date(2023, 8, 2), "pending")


def test_people_without_an_address_are_told_in_the_app_only(app):
    update_users(app, User.unit_id == UNIT_ID, email=None)
    tick(app, AUG_1)
    assert len(all_rows(app, Notification)) == 2 and all_rows(app, OutboxEmail) == []
    assert all_rows(app, Reminder)[0].delivery_state == "in_app_only"


def test_inactive_people_and_other_roles_are_not_told(app):
    add_person(app, "szcc_staff2", "staff", "s2@example.com")
    update_users(app, User.username == "szcc_reviewer", is_active=False)
    tick(app, AUG_1)
    people = {u.id: u.username for u in all_rows(app, User)}
    assert sorted(people[n.user_id] for n in all_rows(app, Notification)) == ["szcc_staff", "szcc_staff2"]


def test_a_unit_with_nobody_to_tell_records_it(app):
    update_users(app, User.unit_id == UNIT_ID, is_active=False)
    tick(app, AUG_1)
    assert all_rows(app, Reminder)[0].delivery_state == "no_recipients"


def test_submitting_closes_the_reminder_and_a_return_opens_it_again(app):
    tick(app, AUG_1)
    set_monitoring_status(app, "submitted")
    tick(app, date(2023, 8, 2))
    assert all_rows(app, Reminder)[0].closed_at is not None
    set_monitoring_status(app, "returned")
    tick(app, date(2023, 8, 3))
    assert all_rows(app, Reminder)[0].closed_at is None


def test_a_year_with_invalid_rules_is_skipped_and_logged(app, caplog):
    set_rules(app, {"monitoring": {"due": "13-01"}})
    with caplog.at_level(logging.ERROR):
        assert tick(app, AUG_1) == []
    assert "2023 年的提醒规则无效" in caplog.text


def test_a_year_the_calendar_does_not_know_is_counted_on_weekdays_with_a_warning(app, caplog):
    def official(_day):
        raise NotImplementedError

    with caplog.at_level(logging.WARNING):
        raised = tick(app, AUG_1, calendar=WorkingCalendar(official))
    assert [(r.kind, r.stage) for r in raised] == [("monitoring", "notice")]
    assert "没有 2023 年的法定节假日数据" in caplog.text
