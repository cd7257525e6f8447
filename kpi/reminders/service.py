"""Raising reminders (提醒): the job the scheduler ticks, the banner, the per-year rules.

State is in the database; the scheduler is only a clock (docs/engineering.md §1). A tick asks,
for every fiscal year with indicators, which reminders are due by today
(kpi.domain.reminder_rules) and which units still owe each report, and inserts
the missing Reminder rows with ON CONFLICT DO NOTHING on the UNIQUE key: repeated
or concurrent ticks raise each reminder exactly once, and a tick after downtime
catches up. Only a newly inserted row notifies anyone. The same tick closes the
reminders of reports that have been submitted since, and opens them again when a
report comes back (returned or reopened), so the banner shows what is still owed.
"""

from __future__ import annotations

import functools
import json
import logging
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlmodel import Session, select

from kpi.audit.service import record
from kpi.budget.models import FiscalYear, Unit
from kpi.core.rows import insert_or_ignore
from kpi.db import utcnow
from kpi.domain.calendar import WorkingCalendar
from kpi.domain.reminder_rules import (
    Due,
    ReminderRules,
    RulesError,
    due_reminders,
    escalation_days,
    kind_label,
    report_name,
    stage_label,
    stage_rank,
)
from kpi.indicators.models import Indicator
from kpi.reminders import notify
from kpi.reminders.models import Notification, Reminder
from kpi.workflow.kinds import KINDS, ReportKind, chased_by

log = logging.getLogger(__name__)

DONE_STATUSES = ("submitted", "approved")  # a report in these is in; anything else (or none) is owed
_warned_years: set[int] = set()


@dataclass(frozen=True)
class Raised:
    """A reminder newly raised by a tick."""

    reminder_id: int
    year: int
    kind: str
    period: int
    stage: str
    unit_id: int
    unit_name: str
    due_on: date
    recipients: int

    @property
    def kind_label(self) -> str:
        return kind_label(self.kind, self.period)

    @property
    def stage_label(self) -> str:
        return stage_label(self.stage)


def run_reminders(session: Session, today: date, *, calendar: WorkingCalendar | None = None) -> list[Raised]:
    """Raise what is due by `today` and not yet raised; close and reopen by report status.

    Runs in the caller's transaction (the caller commits). Returns the newly raised
    reminders, in year, kind, period and unit order.
    """
    calendar = calendar or WorkingCalendar()
    raised: list[Raised] = []
    units = _units_with_indicators(session)
    for fiscal_year in session.exec(select(FiscalYear).where(FiscalYear.id.in_(list(units))).order_by(FiscalYear.year)):
        try:
            rules = ReminderRules.from_settings(fiscal_year.settings)
        except RulesError as error:
            log.error("%s 年的提醒规则无效，本年度不发提醒：%s", fiscal_year.year, error)
            continue
        for due in _sorted_due(fiscal_year.year, today, rules, calendar):
            for unit_id in sorted(units_owing(session, fiscal_year.id, due.kind, due.period, units[fiscal_year.id])):
                reminder_id = _insert_reminder(session, fiscal_year.id, unit_id, due, today)
                if reminder_id is not None:
                    raised.append(_announce(session, reminder_id, fiscal_year.year, unit_id, due, today))
        _sync_open_state(session, fiscal_year.id, units[fiscal_year.id])
    _warn_about_fallback(calendar)
    session.flush()
    return raised


def _sorted_due(year: int, today: date, rules: ReminderRules, calendar: WorkingCalendar) -> list[Due]:
    kinds = {"monitoring": 0, "quarterly": 1, "self_evaluation": 2}
    return sorted(due_reminders(year, today, rules, calendar), key=lambda due: (kinds[due.kind], due.period))


def owes_self_evaluation(session: Session, year_id: int, unit_ids: set[int]) -> set[int]:
    """The units that still owe their self-evaluation (绩效自评): not submitted or approved."""
    return units_owing(session, year_id, "self_evaluation", 0, unit_ids)


def units_owing(session: Session, year_id: int, kind: str, period: int, unit_ids: set[int]) -> set[int]:
    """Of `unit_ids`, those whose report is not yet in (not submitted or approved).

    The report is the one the reminder kind chases, looked up in the workflow's registry."""
    report = chased_by(kind)
    model = report.model
    query = select(model.unit_id).where(model.year_id == year_id, model.status.in_(DONE_STATUSES))
    if report.period:
        query = query.where(getattr(model, report.period) == period)
    return set(unit_ids) - set(session.exec(query))


def _units_with_indicators(session: Session) -> dict[int, set[int]]:
    units: dict[int, set[int]] = {}
    for year_id, unit_id in session.exec(select(Indicator.year_id, Indicator.unit_id).distinct()):
        units.setdefault(year_id, set()).add(unit_id)
    return units


def _insert_reminder(session: Session, year_id: int, unit_id: int, due: Due, today: date) -> int | None:
    return insert_or_ignore(
        session,
        Reminder,
        {
            "year_id": year_id,
            "kind": due.kind,
            "period": due.period,
            "stage": due.stage,
            "unit_id": unit_id,
            "raised_on": today,
            "due_on": due.due_on,
            "created_at": utcnow(),
            "delivery_state": "pending",
        },
        ["year_id", "kind", "period", "stage", "unit_id"],
    )


def reminder_text(kind: str, period: int, stage: str, year: int, due_on: date) -> str:
    """The one-line message: “请于 8月31日 前提交 2023 年绩效运行监控报告”."""
    name, when = report_name(kind, period, year), format_due(due_on, year)
    if stage == "overdue":
        return f"{name}已逾期（截止 {when}），请尽快提交"
    if stage == "notice":
        return f"请于 {when} 前提交 {name}"
    return f"距截止还有 {escalation_days(stage)} 个工作日：请于 {when} 前提交 {name}"


def format_due(day: date, year: int) -> str:
    """8月31日, with the year when it is not the report's year (2024年2月28日)."""
    return f"{day.month}月{day.day}日" if day.year == year else f"{day.year}年{day.month}月{day.day}日"


def _announce(session: Session, reminder_id: int, year: int, unit_id: int, due: Due, today: date) -> Raised:
    unit = session.get(Unit, unit_id)
    people = notify.unit_people(session, unit_id)
    title = reminder_text(due.kind, due.period, due.stage, year, due.due_on)
    body = f"单位：{unit.name}\n事项：{kind_label(due.kind, due.period)} · {stage_label(due.stage)}\n截止日期：{due.due_on.isoformat()}"
    if due.kind == "monitoring":
        body += "\n监控范围：1–7月的绩效目标完成情况和预算执行情况"
    notes = notify.notify(
        session,
        people,
        kind="reminder",
        title=title,
        body=body,
        day=today,
        reminder_id=reminder_id,
        link=notify.report_link(due.kind, unit_id, year, due.period),
    )
    state = "no_recipients" if not notes else "pending" if any(n.outbox_email_id for n in notes) else "in_app_only"
    session.execute(sa.update(Reminder).where(Reminder.id == reminder_id).values(delivery_state=state))
    return Raised(reminder_id, year, due.kind, due.period, due.stage, unit_id, unit.name, due.due_on, len(notes))


def _sync_open_state(session: Session, year_id: int, unit_ids: set[int]) -> None:
    """Close the reminders of reports now in; reopen those of reports that came back."""
    keys = session.exec(select(Reminder.kind, Reminder.period).where(Reminder.year_id == year_id).distinct()).all()
    for kind, period in keys:
        owing = units_owing(session, year_id, kind, period, unit_ids)
        same = sa.update(Reminder).where(Reminder.year_id == year_id, Reminder.kind == kind, Reminder.period == period)
        session.execute(
            same.where(Reminder.closed_at.is_(None), Reminder.unit_id.not_in(owing)).values(closed_at=utcnow())
        )
        session.execute(same.where(Reminder.closed_at.is_not(None), Reminder.unit_id.in_(owing)).values(closed_at=None))


def _warn_about_fallback(calendar: WorkingCalendar) -> None:
    for year in sorted(calendar.fallback_years - _warned_years):
        log.warning(
            "chinesecalendar 没有 %s 年的法定节假日数据：该年按周一至周五计算工作日（请升级 chinesecalendar）", year
        )
        _warned_years.add(year)


# --- The banner: what the signed-in person's unit still owes ---


@dataclass(frozen=True)
class OpenReminder:
    title: str
    link: str
    due_on: date
    overdue: bool


@dataclass(frozen=True)
class Banner:
    """What every page shows a signed-in person: the reports their unit owes, and their unread count."""

    reminders: list[OpenReminder]
    unread: int


def banner_for(session: Session, user) -> Banner:
    """The banner's reminders (one per report: its latest stage) and the unread count, in one query.

    Only a unit's 填报人 and 审核人 owe reports. A report counts as in as soon as its
    status says so, even before the next tick closes its reminder.
    """
    params = {"user_id": user.id, "unit_id": user.unit_id}
    unread_only, banner = _banner_statements()
    if user.role not in ("staff", "reviewer") or user.unit_id is None:
        return Banner([], session.connection().execute(unread_only, params).scalar_one())
    rows = session.connection().execute(banner, params).all()
    latest: dict[tuple, object] = {}
    for row in rows:
        if row.kind is None:
            continue
        key = (row.year_id, row.kind, row.period)
        if key not in latest or stage_rank(row.stage) >= stage_rank(latest[key].stage):
            latest[key] = row
    reminders = [
        OpenReminder(
            reminder_text(r.kind, r.period, r.stage, r.year, r.due_on),
            notify.report_link(r.kind, r.unit_id, r.year, r.period),
            r.due_on,
            r.stage == "overdue",
        )
        for r in latest.values()
    ]
    return Banner(reminders, rows[0].unread)


@functools.cache
def _banner_statements():
    """banner_for's two statements, built once, on first use (when every feature has registered
    its report kind): every page asks, and composing them cost more Python than running them."""
    unread = (
        select(sa.func.count())
        .select_from(Notification)
        .where(Notification.user_id == sa.bindparam("user_id"), Notification.read_at.is_(None))
        .scalar_subquery()
    )
    # Each reminder joins the report it chases, whatever its kind: the registry names the tables.
    kinds = sorted(KINDS.values(), key=lambda kind: kind.entity)
    status = sa.func.coalesce(*(kind.model.status for kind in kinds), "draft")
    owed = (
        select(
            Reminder.id,
            Reminder.year_id,
            Reminder.kind,
            Reminder.period,
            Reminder.stage,
            Reminder.unit_id,
            Reminder.due_on,
            Reminder.raised_on,
            FiscalYear.year,
        )
        .join(FiscalYear, FiscalYear.id == Reminder.year_id)
        .where(Reminder.unit_id == sa.bindparam("unit_id"), Reminder.closed_at.is_(None), status.not_in(DONE_STATUSES))
    )
    for kind in kinds:
        owed = owed.outerjoin(kind.model, _chases(kind))
    owed = owed.subquery()
    # One row even when nothing is owed: the count rides on an always-present anchor row.
    anchor = select(sa.literal(1).label("one")).subquery()
    banner = (
        select(unread.label("unread"), owed)
        .select_from(anchor)
        .outerjoin(owed, sa.true())
        .order_by(owed.c.due_on, owed.c.kind, owed.c.period, owed.c.raised_on, owed.c.id)
    )
    return select(unread), banner


def _chases(kind: ReportKind):
    """The join of a reminder to the report of ``kind`` it chases: same unit, year and period."""
    columns = [
        getattr(kind.model, key) == (Reminder.period if key == kind.period else getattr(Reminder, key))
        for key in kind.keys
    ]
    return sa.and_(Reminder.kind == kind.reminder, *columns)


def open_reminders_for(session: Session, user) -> list[OpenReminder]:
    """The reports the user's unit still owes, for the banner (see banner_for)."""
    return banner_for(session, user).reminders


# --- Per-year rules (the admin settings page) ---


def year_or_none(session: Session, year: int) -> FiscalYear | None:
    return session.exec(select(FiscalYear).where(FiscalYear.year == year)).first()


def rules_of(fiscal_year: FiscalYear) -> tuple[ReminderRules, str | None]:
    """The year's rules, or the defaults and a Chinese warning when what is stored is invalid."""
    try:
        return ReminderRules.from_settings(fiscal_year.settings), None
    except RulesError as error:
        return ReminderRules(), f"已保存的提醒规则无效（{error}），下面显示默认值；保存后生效。"


def save_rules(session: Session, fiscal_year: FiscalYear, data: dict | None, *, user) -> ReminderRules:
    """Validate and store the year's rules (None: back to the defaults); RulesError lists the faults."""
    old, _ = rules_of(fiscal_year)
    rules = ReminderRules.parse(data) if data is not None else ReminderRules()
    settings = dict(fiscal_year.settings or {})
    settings.pop("reminders", None)
    fiscal_year.settings = rules.store(settings) if data is not None else settings
    session.add(fiscal_year)
    record(
        session,
        actor=user.username,
        user_id=user.id,
        entity="fiscal_year",
        entity_id=fiscal_year.id,
        action="update",
        field=f"{fiscal_year.year} 年提醒规则",
        old_value=_json(old),
        new_value=_json(rules),
    )
    session.flush()
    return rules


def _json(rules: ReminderRules) -> str:
    return json.dumps(rules.to_settings(), ensure_ascii=False, sort_keys=True)
