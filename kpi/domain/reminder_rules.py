"""Reminder rules per year (docs/rules/reminders.md §2, §6) and which reminders are due on a given day.

The rules are (default) values: a year may override them in FiscalYear.settings
under the key "reminders" (the shape `ReminderRules.to_settings()` writes). Pure.

Stages of one report (one kind and period), in date order:
  notice        通知: the first working day of the window;
  escalation_N  截止前N个工作日提醒: N working days before the deadline;
  overdue       逾期提醒: the first working day after the deadline.
On any day only the latest stage that has come is due: a later stage supersedes
the earlier ones, so a tick after downtime raises one reminder per report, never
a notice and an escalation together. A notice or an escalation stays relevant until
the next stage comes; an overdue notice is raised late only within
`overdue_catch_up_days` of its date (a server down for a few days catches up, a new
installation does not send overdue notices for reports long past).
"""

from __future__ import annotations

import calendar as _gregorian
import re
from dataclasses import dataclass, field
from datetime import date

from kpi.domain.calendar import WorkingCalendar

SETTINGS_KEY = "reminders"
KINDS = ("monitoring", "quarterly", "self_evaluation")
QUARTER_LABELS = {1: "一季度", 2: "二季度", 3: "三季度", 4: "四季度"}
KIND_LABELS = {"monitoring": "运行监控", "quarterly": "季度填报", "self_evaluation": "自评"}
REPORT_NAMES = {"monitoring": "绩效运行监控报告", "self_evaluation": "绩效自评"}
_QUARTER_ENDS = {1: (3, 31), 2: (6, 30), 3: (9, 30), 4: (12, 31)}
_LEAP_YEAR = 2024  # a month-day is valid if it exists in some year (02-29 included)


def kind_label(kind: str, period: int = 0) -> str:
    """运行监控, 一季度 … 四季度, 自评: the words the CLI and the pages use."""
    return QUARTER_LABELS[period] if kind == "quarterly" else KIND_LABELS[kind]


def stage_label(stage: str) -> str:
    if stage == "notice":
        return "通知"
    if stage == "overdue":
        return "逾期提醒"
    return f"截止前{escalation_days(stage)}个工作日提醒"


def escalation_days(stage: str) -> int:
    return int(stage.split("_", 1)[1])


def stage_rank(stage: str) -> int:
    """Stages in date order: notice, escalation_5, escalation_2 (fewer days left is later), overdue."""
    if stage == "notice":
        return 0
    if stage == "overdue":
        return 1000
    return 1000 - escalation_days(stage)


def report_name(kind: str, period: int, year: int) -> str:
    """“2023 年绩效运行监控报告”, “2023 年三季度填报”, “2023 年绩效自评”."""
    if kind == "quarterly":
        return f"{year} 年{QUARTER_LABELS[period]}填报"
    return f"{year} 年{REPORT_NAMES[kind]}"


class RulesError(ValueError):
    """Invalid rules; `errors` maps a field ("monitoring.due", …) to a Chinese message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{key}: {message}" for key, message in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class MonthDay:
    month: int
    day: int

    def in_year(self, year: int) -> date:
        """This month-day in `year`; 02-29 becomes 02-28 in a common year."""
        if (self.month, self.day) == (2, 29) and not _gregorian.isleap(year):
            return date(year, 2, 28)
        return date(year, self.month, self.day)

    def __str__(self) -> str:
        return f"{self.month:02d}-{self.day:02d}"


@dataclass(frozen=True)
class WindowRule:
    """A once-a-year report: opens on a month-day (the first working day on or after it), due on another."""

    enabled: bool
    opens: MonthDay
    due: MonthDay
    escalations: tuple[int, ...] = ()


@dataclass(frozen=True)
class QuarterlyRule:
    """Quarterly entry: opens the first working day after the quarter, due on its n-th working day."""

    enabled: bool = True
    due_working_days: int = 10
    escalations: tuple[int, ...] = ()


@dataclass(frozen=True)
class ReminderRules:
    """docs/rules/reminders.md §2 defaults; the self-evaluation dates are in the year after the fiscal year."""

    monitoring: WindowRule = WindowRule(True, MonthDay(8, 1), MonthDay(8, 31), (5, 2))
    quarterly: QuarterlyRule = field(default_factory=QuarterlyRule)
    self_evaluation: WindowRule = WindowRule(True, MonthDay(1, 1), MonthDay(2, 28))
    overdue_catch_up_days: int = 7

    def to_settings(self) -> dict:
        """The JSON shape stored in FiscalYear.settings["reminders"]."""

        def window(rule: WindowRule) -> dict:
            return {
                "enabled": rule.enabled,
                "opens": str(rule.opens),
                "due": str(rule.due),
                "escalations": list(rule.escalations),
            }

        return {
            "monitoring": window(self.monitoring),
            "quarterly": {
                "enabled": self.quarterly.enabled,
                "due_working_days": self.quarterly.due_working_days,
                "escalations": list(self.quarterly.escalations),
            },
            "self_evaluation": window(self.self_evaluation),
            "overdue_catch_up_days": self.overdue_catch_up_days,
        }

    @classmethod
    def from_settings(cls, settings: dict | None) -> ReminderRules:
        """The rules of a year from its FiscalYear.settings (the defaults where it has none)."""
        return cls.parse((settings or {}).get(SETTINGS_KEY) or {})

    def store(self, settings: dict | None) -> dict:
        """A copy of a year's settings with these rules in it (a new dict, so the JSON column sees the change)."""
        return {**(settings or {}), SETTINGS_KEY: self.to_settings()}

    @classmethod
    def parse(cls, data: dict) -> ReminderRules:
        """Rules from the shape `to_settings()` writes; missing keys keep their default.

        Values may be typed (as stored) or text (as posted by the settings form):
        the one validation path for both. Raises RulesError listing every fault.
        """
        default, errors = cls(), {}
        monitoring = _window(data.get("monitoring") or {}, default.monitoring, "monitoring", errors)
        self_evaluation = _window(data.get("self_evaluation") or {}, default.self_evaluation, "self_evaluation", errors)
        raw = data.get("quarterly") or {}
        due_days = _integer(
            raw.get("due_working_days", default.quarterly.due_working_days), 1, 60, "quarterly.due_working_days", errors
        )
        escalations = _escalations(
            raw.get("escalations", default.quarterly.escalations), "quarterly.escalations", errors
        )
        if due_days is not None and escalations and max(escalations) >= due_days:
            errors["quarterly.escalations"] = "截止前提醒的工作日数须小于截止的工作日数"
        catch_up = _integer(
            data.get("overdue_catch_up_days", default.overdue_catch_up_days), 0, 366, "overdue_catch_up_days", errors
        )
        if errors:
            raise RulesError(errors)
        quarterly = QuarterlyRule(_flag(raw.get("enabled", True)), due_days, escalations)
        return cls(monitoring, quarterly, self_evaluation, catch_up)


def _flag(value) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "on", "yes", "y")
    return bool(value)


def _integer(value, low: int, high: int, key: str, errors: dict) -> int | None:
    try:
        number = int(str(value).strip())
    except ValueError:
        number = None
    if number is None or not low <= number <= high:
        errors[key] = f"应为 {low}–{high} 之间的整数"
        return None
    return number


def _escalations(value, key: str, errors: dict) -> tuple[int, ...]:
    """“5,2” / “5、2” / [5, 2] → (5, 2): working days before the deadline, largest first."""
    items = re.split(r"[,，、\s]+", value.strip()) if isinstance(value, str) else list(value or ())
    numbers = []
    for item in items:
        if item == "":
            continue
        try:
            number = int(str(item))
        except ValueError:
            number = 0
        if not 1 <= number <= 30:
            errors[key] = "截止前提醒应为 1–30 之间的整数（工作日），多个用逗号分隔，例如 5,2"
            return ()
        numbers.append(number)
    return tuple(sorted(set(numbers), reverse=True))


def _month_day(value, key: str, errors: dict) -> MonthDay | None:
    match = re.fullmatch(r"\s*(\d{1,2})\s*(?:-|/|月)\s*(\d{1,2})\s*日?\s*", str(value))
    if not match:
        errors[key] = "日期格式应为 月-日，例如 08-31"
        return None
    month, day = int(match.group(1)), int(match.group(2))
    try:
        date(_LEAP_YEAR, month, day)
    except ValueError:
        errors[key] = f"{month}月{day}日 不是有效的日期"
        return None
    return MonthDay(month, day)


def _window(raw: dict, default: WindowRule, name: str, errors: dict) -> WindowRule | None:
    opens = _month_day(raw.get("opens", default.opens), f"{name}.opens", errors)
    due = _month_day(raw.get("due", default.due), f"{name}.due", errors)
    escalations = _escalations(raw.get("escalations", default.escalations), f"{name}.escalations", errors)
    if opens and due and (opens.month, opens.day) >= (due.month, due.day):
        errors[f"{name}.due"] = "截止日期须晚于开始日期"
    if opens is None or due is None:
        return None
    return WindowRule(_flag(raw.get("enabled", default.enabled)), opens, due, escalations)


@dataclass(frozen=True)
class Due:
    """One reminder stage of one report: raised on `raise_on`, the report due on `due_on`."""

    kind: str
    period: int  # the quarter for quarterly entry, else 0
    stage: str
    raise_on: date
    due_on: date


def schedule(year: int, rules: ReminderRules, calendar: WorkingCalendar, until: date | None = None) -> list[list[Due]]:
    """Every report's stages in date order, one list per report.

    With `until`, reports whose window opens after that day are left out (their
    dates are not computed, so a far year's calendar is not consulted needlessly).
    """
    reports = []
    if rules.monitoring.enabled:
        reports.append(_window_stages("monitoring", year, rules.monitoring, calendar, until))
    if rules.quarterly.enabled:
        for quarter, (month, day) in _QUARTER_ENDS.items():
            end = date(year, month, day)
            if until is not None and end >= until:
                continue
            notice, due = calendar.after(end), calendar.nth_after(end, rules.quarterly.due_working_days)
            reports.append(_stages("quarterly", quarter, notice, due, rules.quarterly.escalations, calendar))
    if rules.self_evaluation.enabled:
        reports.append(_window_stages("self_evaluation", year + 1, rules.self_evaluation, calendar, until))
    return [stages for stages in reports if stages]


def due_reminders(year: int, today: date, rules: ReminderRules, calendar: WorkingCalendar) -> list[Due]:
    """The reminders of fiscal year `year` that should exist by `today`: each report's latest stage come so far."""
    due = []
    for stages in schedule(year, rules, calendar, until=today):
        come = [stage for stage in stages if stage.raise_on <= today]
        if not come:
            continue
        latest = come[-1]
        if latest.stage == "overdue" and (today - latest.raise_on).days > rules.overdue_catch_up_days:
            continue  # long past: the report's people have had their reminders, or the system was not there
        due.append(latest)
    return due


def _window_stages(kind: str, year: int, rule: WindowRule, calendar: WorkingCalendar, until: date | None) -> list[Due]:
    opens = rule.opens.in_year(year)
    if until is not None and opens > until:
        return []
    return _stages(kind, 0, calendar.on_or_after(opens), rule.due.in_year(year), rule.escalations, calendar)


def _stages(
    kind: str, period: int, notice: date, due: date, escalations: tuple[int, ...], calendar: WorkingCalendar
) -> list[Due]:
    stages = [Due(kind, period, "notice", notice, due)]
    for days in sorted(escalations, reverse=True):
        on = calendar.before(due, days)
        if on > stages[-1].raise_on:  # an escalation on or before the notice adds nothing
            stages.append(Due(kind, period, f"escalation_{days}", on, due))
    overdue = calendar.after(due)
    if overdue > stages[-1].raise_on:
        stages.append(Due(kind, period, "overdue", overdue, due))
    return stages
