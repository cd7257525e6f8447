"""Does only one `kpi scheduler` act on a PostgreSQL database, and does a stand-by take over?"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from kpi.reminders.scheduler import hold_single_instance_lock
from tests.conftest import build_database
from tests.deploy.processes import kill, lock_holder_pid, wait_for

pytestmark = pytest.mark.postgres


def test_two_schedulers_on_one_database_only_one_holds_the_lock_and_the_other_takes_over(pg_url, spawn):
    build_database(pg_url)
    schedulers = [spawn.scheduler(pg_url, "a"), spawn.scheduler(pg_url, "b")]
    engine = sa.create_engine(pg_url, poolclass=sa.NullPool)
    try:
        holder = wait_for(lambda: lock_holder_pid(engine), what="a scheduler holds the lock")
        first = next(s for s in schedulers if s.pid == holder)
        second = next(s for s in schedulers if s.pid != holder)
        wait_for(lambda: "另一个提醒调度进程正在运行" in second.output(), what="the other stands by")
        assert "已取得提醒调度锁" in first.output()
        assert "已取得提醒调度锁" not in second.output()

        kill(first)  # a crash: PostgreSQL releases the lock with the connection
        assert wait_for(lambda: lock_holder_pid(engine) == second.pid, what="the stand-by takes the lock")
        wait_for(lambda: "已取得提醒调度锁" in second.output(), what="the stand-by says so")
        assert second.running()
    finally:
        engine.dispose()


def test_sqlite_takes_no_scheduler_lock(sqlite_url):
    assert hold_single_instance_lock(sqlite_url) is None


def test_a_stand_by_retries_until_the_holder_lets_go(pg_url):
    holder = hold_single_instance_lock(pg_url)
    naps = []

    def nap(seconds):
        naps.append(seconds)
        if len(naps) == 2:
            holder.close()

    try:
        stand_by = hold_single_instance_lock(pg_url, retry_seconds=60, sleep=nap)
        assert naps == [60, 60]
        stand_by.close()
    finally:
        holder.close()
