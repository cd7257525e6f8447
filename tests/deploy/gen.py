"""Test data for the scheduler processes: a year whose reminder is due today, and units that owe it.

A `kpi scheduler` process raises what is due *today* (Asia/Shanghai); it takes no date. So
instead of moving the clock, the tests give a year reminder rules under which a report
is due today, whatever today is: the 运行监控 window opens on 1 January and closes on
31 December, so its notice is due on every day of the year after its first working day
(an admin sets the same rules on the 年度设置 page).
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlmodel import Session, select

from kpi.accounts.models import User
from kpi.accounts.passwords import hash_password
from kpi.budget import service as budget
from kpi.budget.models import Unit
from kpi.dataset import load_dataset, read_dataset
from kpi.db import make_engine, transaction
from kpi.domain.calendar import WorkingCalendar
from kpi.domain.reminder_rules import ReminderRules, due_reminders
from kpi.indicators.models import Indicator
from kpi.reminders.notify import local_today
from kpi.reminders.service import reminder_text

# The rules as the 年度设置 form posts them (checkbox absent: that reminder is off).
ALL_YEAR_MONITORING_FORM = {
    "monitoring-enabled": "on",
    "monitoring-opens": "01-01",
    "monitoring-due": "12-31",
    "monitoring-escalations": "",
    "quarterly-due_working_days": "10",
    "quarterly-escalations": "",
    "self_evaluation-opens": "01-01",
    "self_evaluation-due": "02-28",
    "self_evaluation-escalations": "",
    "overdue_catch_up_days": "7",
}
ALL_YEAR_MONITORING = ReminderRules.parse(
    {
        "monitoring": {"enabled": True, "opens": "01-01", "due": "12-31", "escalations": []},
        "quarterly": {"enabled": False},
        "self_evaluation": {"enabled": False},
    }
)
LOAD_PASSWORD = "Load#Pass2023"


def year_due_today(today: date | None = None) -> int:
    """The fiscal year whose 运行监控 notice ALL_YEAR_MONITORING makes due today (and nothing else).

    This year; in the first days of January, before its first working day, last year
    (whose overdue notice only comes on that first working day).
    """
    today = today or local_today()
    for year in (today.year, today.year - 1):
        due = due_reminders(year, today, ALL_YEAR_MONITORING, WorkingCalendar())
        if [(item.kind, item.stage) for item in due] == [("monitoring", "notice")]:
            return year
    raise AssertionError(f"no year has a monitoring notice due on {today}")


def notice_title(year: int) -> str:
    """What the notice says: “请于 12月31日 前提交 2026 年绩效运行监控报告”."""
    return reminder_text("monitoring", 0, "notice", year, date(year, 12, 31))


def carry_seed_unit_to(url: str, year: int) -> None:
    """The seed unit (深圳市消费者委员会秘书处) budgets `year` too: the default dataset, loaded for that year."""
    engine = make_engine(url)
    try:
        with transaction(engine) as session:
            load_dataset(session, {**read_dataset(), "year": year})
    finally:
        engine.dispose()


def gen_units_owing(url: str, year: int, count: int) -> list[int]:
    """`count` units (负载单位0001…) with one indicator in `year`, a 填报人 and a 审核人 with e-mail each.

    `year` gets ALL_YEAR_MONITORING, so each unit owes today's monitoring notice. Bulk
    inserts: thousands of units take well under a second. Returns the new unit ids.
    """
    engine = make_engine(url)
    password = hash_password(LOAD_PASSWORD)  # once: Argon2 is slow on purpose
    try:
        with transaction(engine) as session:
            fiscal_year = budget.get_or_create_year(session, year)
            fiscal_year.settings = ALL_YEAR_MONITORING.store(fiscal_year.settings)
            session.add(fiscal_year)
            model = _seed_indicator(session)
            unit_ids = list(
                session.execute(
                    sa.insert(Unit).returning(Unit.id), [{"name": f"负载单位{n:04d}"} for n in range(1, count + 1)]
                ).scalars()
            )
            session.execute(
                sa.insert(Indicator), [{**model, "unit_id": unit_id, "year_id": fiscal_year.id} for unit_id in unit_ids]
            )
            session.execute(
                sa.insert(User),
                [
                    {
                        "username": f"load{unit_id}_{role}",
                        "display_name": f"负载{role}",
                        "role": role,
                        "unit_id": unit_id,
                        "email": f"load{unit_id}.{role}@example.com",
                        "password_hash": password,
                    }
                    for unit_id in unit_ids
                    for role in ("staff", "reviewer")
                ],
            )
        return unit_ids
    finally:
        engine.dispose()


def _seed_indicator(session: Session) -> dict:
    """The seed's first unit-wide indicator as column values, without its keys."""
    indicator = session.exec(
        select(Indicator).where(Indicator.scope == "unit", Indicator.budget_line_id.is_(None)).order_by(Indicator.id)
    ).first()
    skip = {"id", "unit_id", "year_id", "created_at", "updated_at"}
    return {
        column.name: getattr(indicator, column.name)
        for column in Indicator.__table__.columns
        if column.name not in skip
    }
