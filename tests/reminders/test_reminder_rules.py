"""Which reminders are due on a day, by the (default) rules of docs/rules/reminders.md §2, §3 and a year's overrides?"""

from __future__ import annotations

from datetime import date

import pytest

from kpi.domain.calendar import WorkingCalendar
from kpi.domain.reminder_rules import (
    Due,
    MonthDay,
    ReminderRules,
    RulesError,
    due_reminders,
    kind_label,
    schedule,
    stage_label,
    stage_rank,
)

DEFAULT = ReminderRules()


def due_on(today: date, rules: ReminderRules = DEFAULT, year: int = 2023) -> set[tuple]:
    return {(d.kind, d.period, d.stage) for d in due_reminders(year, today, rules, WorkingCalendar())}


def monitoring_stages(year: int = 2023, rules: ReminderRules = DEFAULT) -> list[Due]:
    return next(s for s in schedule(year, rules, WorkingCalendar()) if s[0].kind == "monitoring")


def test_the_monitoring_schedule_of_2023_by_default():
    assert [(d.stage, d.raise_on) for d in monitoring_stages()] == [
        ("notice", date(2023, 8, 1)),
        ("escalation_5", date(2023, 8, 24)),
        ("escalation_2", date(2023, 8, 29)),
        ("overdue", date(2023, 9, 1)),
    ]
    assert {d.due_on for d in monitoring_stages()} == {date(2023, 8, 31)}


def test_the_monitoring_notice_waits_for_the_first_working_day_of_august():
    assert monitoring_stages(2021)[0].raise_on == date(2021, 8, 2)  # 08-01 was a Sunday


@pytest.mark.parametrize(
    "today, expected",
    [
        (date(2023, 7, 31), set()),
        (date(2023, 8, 1), {("monitoring", 0, "notice")}),
        (date(2023, 8, 5), {("monitoring", 0, "notice")}),  # catch-up: still before the deadline
        (date(2023, 8, 24), {("monitoring", 0, "escalation_5")}),
        (
            date(2023, 8, 25),
            {("monitoring", 0, "escalation_5")},
        ),  # a notice would be stale: the escalation supersedes it
        (date(2023, 8, 30), {("monitoring", 0, "escalation_2")}),
        (date(2023, 9, 1), {("monitoring", 0, "overdue")}),
        (date(2023, 9, 8), {("monitoring", 0, "overdue")}),  # within the catch-up days
        (date(2023, 9, 9), set()),  # an overdue notice more than 7 days late is not sent
    ],
)
def test_only_the_latest_monitoring_stage_that_has_come_is_due(today, expected):
    assert {item for item in due_on(today) if item[0] == "monitoring"} == expected


def test_the_third_quarter_notice_comes_on_the_saturday_workday_after_national_day():
    assert due_on(date(2023, 10, 6)) == set()
    assert due_on(date(2023, 10, 7)) == {("quarterly", 3, "notice")}
    stages = next(s for s in schedule(2023, DEFAULT, WorkingCalendar()) if s[0].period == 3)
    assert [(d.stage, d.raise_on, d.due_on) for d in stages] == [
        ("notice", date(2023, 10, 7), date(2023, 10, 18)),
        ("overdue", date(2023, 10, 19), date(2023, 10, 18)),
    ]


def test_the_fourth_quarter_and_the_self_evaluation_come_in_the_next_january():
    assert due_on(date(2024, 1, 2)) == {("quarterly", 4, "notice"), ("self_evaluation", 0, "notice")}
    assert due_on(date(2024, 2, 29)) == {("self_evaluation", 0, "overdue")}


def test_a_quarter_notice_is_raised_late_until_its_deadline():
    assert due_on(date(2023, 7, 14)) == {("quarterly", 2, "notice")}
    assert due_on(date(2023, 7, 17)) == {("quarterly", 2, "overdue")}


def test_quarterly_escalations_are_optional():
    rules = ReminderRules.parse({"quarterly": {"escalations": "2"}})
    assert due_on(date(2023, 7, 12), rules) == {("quarterly", 2, "escalation_2")}


def test_a_disabled_kind_raises_nothing():
    rules = ReminderRules.parse({"monitoring": {"enabled": False}, "quarterly": {"enabled": "off"}})
    assert due_on(date(2023, 8, 1), rules) == set()


def test_an_escalation_on_or_before_the_notice_is_dropped():
    rules = ReminderRules.parse({"monitoring": {"opens": "08-28", "escalations": [5, 2]}})
    assert [d.stage for d in monitoring_stages(rules=rules)] == ["notice", "escalation_2", "overdue"]


def test_a_year_without_calendar_data_still_gets_its_reminders_on_weekdays():
    calendar = WorkingCalendar()
    due = due_reminders(2099, date(2099, 8, 3), DEFAULT, calendar)
    assert [(d.kind, d.raise_on) for d in due] == [("monitoring", date(2099, 8, 3))]  # 08-01 is a Saturday
    assert calendar.fallback_years == {2099}


def test_reports_not_yet_open_do_not_consult_the_calendar():
    calendar = WorkingCalendar()
    due_reminders(2026, date(2026, 11, 27), DEFAULT, calendar)
    assert 2027 not in calendar.fallback_years


def test_rules_round_trip_through_the_year_settings():
    rules = ReminderRules.parse(
        {
            "monitoring": {"due": "9月15日", "escalations": "3、1"},
            "self_evaluation": {"due": "03-31"},
            "overdue_catch_up_days": "14",
        }
    )
    stored = rules.store({"scoring": {"weights": 1}})
    assert stored["scoring"] == {"weights": 1}
    assert stored["reminders"]["monitoring"] == {
        "enabled": True,
        "opens": "08-01",
        "due": "09-15",
        "escalations": [3, 1],
    }
    assert ReminderRules.from_settings(stored) == rules
    assert ReminderRules.from_settings({}) == DEFAULT == ReminderRules.from_settings(None)


def test_the_defaults_are_those_of_the_domain_reference():
    assert DEFAULT.to_settings() == {
        "monitoring": {"enabled": True, "opens": "08-01", "due": "08-31", "escalations": [5, 2]},
        "quarterly": {"enabled": True, "due_working_days": 10, "escalations": []},
        "self_evaluation": {"enabled": True, "opens": "01-01", "due": "02-28", "escalations": []},
        "overdue_catch_up_days": 7,
    }


@pytest.mark.parametrize(
    "data, field, message",
    [
        ({"monitoring": {"due": "8-32"}}, "monitoring.due", "不是有效的日期"),
        ({"monitoring": {"due": "月底"}}, "monitoring.due", "日期格式应为"),
        ({"monitoring": {"opens": "09-01"}}, "monitoring.due", "截止日期须晚于开始日期"),
        ({"monitoring": {"escalations": "5,abc"}}, "monitoring.escalations", "1–30 之间的整数"),
        ({"quarterly": {"due_working_days": "0"}}, "quarterly.due_working_days", "1–60 之间的整数"),
        ({"quarterly": {"escalations": "10"}}, "quarterly.escalations", "须小于截止的工作日数"),
        ({"overdue_catch_up_days": "-1"}, "overdue_catch_up_days", "0–366 之间的整数"),
    ],
)
def test_invalid_rules_are_refused_in_chinese(data, field, message):
    with pytest.raises(RulesError) as caught:
        ReminderRules.parse(data)
    assert message in caught.value.errors[field]


def test_every_fault_is_listed_at_once():
    with pytest.raises(RulesError) as caught:
        ReminderRules.parse(
            {"monitoring": {"due": ""}, "self_evaluation": {"opens": "x"}, "overdue_catch_up_days": "y"}
        )
    assert set(caught.value.errors) == {"monitoring.due", "self_evaluation.opens", "overdue_catch_up_days"}


def test_february_29_becomes_the_28th_in_a_common_year():
    assert MonthDay(2, 29).in_year(2023) == date(2023, 2, 28)
    assert MonthDay(2, 29).in_year(2024) == date(2024, 2, 29)


def test_kinds_and_stages_read_in_chinese():
    assert [kind_label("quarterly", q) for q in (1, 2, 3, 4)] == ["一季度", "二季度", "三季度", "四季度"]
    assert kind_label("monitoring") == "运行监控" and kind_label("self_evaluation") == "自评"
    assert [stage_label(s) for s in ("notice", "escalation_5", "escalation_2", "overdue")] == [
        "通知",
        "截止前5个工作日提醒",
        "截止前2个工作日提醒",
        "逾期提醒",
    ]
    assert sorted(["overdue", "escalation_2", "notice", "escalation_5"], key=stage_rank) == [
        "notice",
        "escalation_5",
        "escalation_2",
        "overdue",
    ]
