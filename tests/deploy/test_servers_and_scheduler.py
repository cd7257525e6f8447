"""Do two app servers and two schedulers work together on one PostgreSQL database (issue 6)?

The production shape of README "Deployment": gunicorn on two servers and a `kpi scheduler`
next to each, all on one database. A change made through one server is seen through the
other; the scheduler holding the lock raises the reminder it makes due, the stand-by does
nothing, and the reminder shows once through either server.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from kpi.accounts.models import User
from kpi.budget.models import FiscalYear
from kpi.reminders.models import Notification, OutboxEmail, Reminder
from tests.conftest import build_database, csrf_from
from tests.deploy.gen import ALL_YEAR_MONITORING_FORM, carry_seed_unit_to, notice_title, year_due_today
from tests.deploy.processes import Browser, lock_holder_pid, wait_for, wait_healthy

pytestmark = pytest.mark.postgres
UNIT_ID = 2  # 深圳市消费者委员会秘书处, the seed's unit
PEOPLE = ("szcc_staff", "szcc_reviewer")


def reminders_of(engine: sa.Engine, year: int) -> list[Reminder]:
    with Session(engine) as session:
        return list(
            session.exec(
                select(Reminder).join(FiscalYear, FiscalYear.id == Reminder.year_id).where(FiscalYear.year == year)
            )
        )


def shown(page: str, title: str) -> tuple[int, int]:
    """How often the reminder appears on a page: in the banner, and as an unread notification."""
    return page.count(f"{title} · <a"), page.count(f"【未读】{title}</strong>")


def test_a_rule_saved_on_one_server_is_raised_once_by_the_lock_holder_and_seen_on_both(pg_url, spawn):
    year = year_due_today()
    title = notice_title(year)
    build_database(pg_url)
    carry_seed_unit_to(pg_url, year)  # the unit has indicators this year, with the default rules: nothing due
    engine = sa.create_engine(pg_url, poolclass=sa.NullPool)
    try:
        servers = [spawn.server(pg_url, "server-a"), spawn.server(pg_url, "server-b")]
        assert [wait_healthy(server) for server in servers] == ["ok", "ok"]
        a, b = Browser(servers[0].base), Browser(servers[1].base)

        # The change, through server A: the admin makes the 运行监控 notice due all year.
        a.login("admin")
        path = f"/admin/years/{year}/reminders"
        saved = a.post(path, {**ALL_YEAR_MONITORING_FORM, "action": "save", "csrf_token": csrf_from(a.get(path))})
        assert "已保存提醒规则" in saved
        # … seen through server B.
        b.login("admin")
        page = b.get(path)
        assert 'name="monitoring-due" value="12-31"' in page
        assert 'name="quarterly-enabled" value="on">' in page  # unchecked: no " checked"
        staff_on_b = Browser(servers[1].base)
        staff_on_b.login("szcc_staff")
        assert shown(staff_on_b.get("/notifications"), title) == (0, 0)  # no scheduler yet: nothing raised

        # Two schedulers, one per server: one takes the lock and raises, the other stands by.
        schedulers = [spawn.scheduler(pg_url, "scheduler-a"), spawn.scheduler(pg_url, "scheduler-b")]
        holder_pid = wait_for(lambda: lock_holder_pid(engine), what="a scheduler holds the lock")
        holder = next(s for s in schedulers if s.pid == holder_pid)
        stand_by = next(s for s in schedulers if s.pid != holder_pid)
        wait_for(lambda: "另一个提醒调度进程正在运行" in stand_by.output(), what="the other scheduler stands by")
        # The tick has run to its end: raised (committed), then e-mail looked at (off: in-app only).
        wait_for(
            lambda: [r.delivery_state for r in reminders_of(engine, year)] == ["in_app_only"],
            what="the lock holder's tick raises the notice",
        )

        for server in servers:
            for username in PEOPLE:
                person = Browser(server.base)
                person.login(username)
                assert shown(person.get("/notifications"), title) == (1, 1), (server.base, username)

        [reminder] = reminders_of(engine, year)
        assert (reminder.unit_id, reminder.kind, reminder.period, reminder.stage) == (
            UNIT_ID,
            "monitoring",
            0,
            "notice",
        )
        with Session(engine) as session:
            notified = session.exec(
                select(User.username)
                .join(Notification, Notification.user_id == User.id)
                .where(Notification.reminder_id == reminder.id)
            ).all()
            digests = session.exec(select(OutboxEmail)).all()
        assert sorted(notified) == sorted(PEOPLE)
        assert sorted(d.to_address for d in digests) == sorted(f"{name}@example.com" for name in PEOPLE)
        assert [d.body.count("■") for d in digests] == [1, 1] and all(title in d.body for d in digests)

        # Only the lock holder acted; the stand-by is alive, still waiting, and never raised anything.
        assert "已取得提醒调度锁" in holder.output() and "已发出 1 条提醒" in holder.output()
        assert lock_holder_pid(engine) == holder.pid
        assert stand_by.running() and holder.running()
        assert "已取得提醒调度锁" not in stand_by.output() and "已发出" not in stand_by.output()
    finally:
        engine.dispose()
