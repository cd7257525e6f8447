"""On PostgreSQL, does a tick that races another wait for it and then raise nothing twice?"""

from __future__ import annotations

import threading
from datetime import date

import pytest
from sqlmodel import Session, select

from kpi.accounts.models import User
from kpi.db import make_engine
from kpi.reminders.models import Notification, OutboxEmail, Reminder
from kpi.reminders.service import banner_for, run_reminders
from tests.conftest import build_database

pytestmark = pytest.mark.postgres
AUG_1 = date(2023, 8, 1)


@pytest.fixture
def pg_engine(pg_url):
    build_database(pg_url)
    engine = make_engine(pg_url)
    yield engine
    engine.dispose()


def test_a_tick_racing_an_uncommitted_one_waits_and_then_raises_nothing(pg_engine):
    first = Session(pg_engine, expire_on_commit=False)
    assert len(run_reminders(first, AUG_1)) == 1  # not committed yet: holds the reminder's key
    result = {}

    def second_tick():
        with Session(pg_engine, expire_on_commit=False) as session:
            result["raised"] = run_reminders(session, AUG_1)
            session.commit()

    racer = threading.Thread(target=second_tick)
    racer.start()
    racer.join(timeout=1)
    assert racer.is_alive(), "the second tick should wait for the first one's reminder row"
    first.commit()
    first.close()
    racer.join(timeout=30)
    assert result["raised"] == []
    with Session(pg_engine) as session:
        assert len(session.exec(select(Reminder)).all()) == 1
        assert len(session.exec(select(Notification)).all()) == 2
        digests = session.exec(select(OutboxEmail)).all()
    assert len(digests) == 2 and all(d.body.count("■") == 1 for d in digests)


def test_reminders_close_and_catch_up_on_postgresql_too(pg_engine):
    with Session(pg_engine) as session:
        assert [r.stage for r in run_reminders(session, date(2023, 8, 25))] == ["escalation_5"]
        assert run_reminders(session, date(2023, 8, 25)) == []
        session.commit()


def test_the_banner_query_runs_on_postgresql(pg_engine):
    with Session(pg_engine) as session:
        run_reminders(session, date(2023, 8, 29))
        session.commit()
    with Session(pg_engine) as session:
        staff = session.exec(select(User).where(User.username == "szcc_staff")).one()
        banner = banner_for(session, staff)
        admin = banner_for(session, session.exec(select(User).where(User.username == "admin")).one())
    assert [item.title for item in banner.reminders] == [
        "距截止还有 2 个工作日：请于 8月31日 前提交 2023 年绩效运行监控报告"
    ]
    assert (banner.unread, admin.reminders, admin.unread) == (1, [], 0)
