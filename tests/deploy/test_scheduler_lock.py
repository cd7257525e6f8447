"""Does only one `kpi scheduler` act on a PostgreSQL database, and does a stand-by take over?"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from kpi.reminders.scheduler import SCHEDULER_LOCK_KEY, hold_single_instance_lock
from tests.conftest import build_database

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.postgres


def start_scheduler(url: str, log: Path) -> subprocess.Popen:
    env = {**os.environ, "KPI_DATABASE_URL": url, "KPI_SMTP_HOST": "", "KPI_SCHEDULER_LOCK_RETRY": "0.5",
           "PYTHONUNBUFFERED": "1"}
    with log.open("w") as out:
        return subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", "kpi", "scheduler"],
                                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def lock_holder_pid(engine: sa.Engine) -> int | None:
    """The OS pid of the scheduler holding the lock, from its connection's application_name."""
    with engine.connect() as conn:
        name = conn.scalar(sa.text(
            "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND l.granted "
            "AND ((l.classid::bigint << 32) | l.objid::bigint) = :key"), {"key": SCHEDULER_LOCK_KEY})
    return int(name.split("pid=")[1]) if name else None


def wait_for(predicate, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError("condition not met in time")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


def test_two_schedulers_on_one_database_only_one_holds_the_lock_and_the_other_takes_over(pg_url, tmp_path):
    build_database(pg_url)
    logs = [tmp_path / "a.log", tmp_path / "b.log"]
    processes = [start_scheduler(pg_url, log) for log in logs]
    engine = sa.create_engine(pg_url, poolclass=sa.NullPool)
    try:
        holder = wait_for(lambda: lock_holder_pid(engine))
        first = next(p for p in processes if p.pid == holder)
        second = next(p for p in processes if p.pid != holder)
        second_log = logs[processes.index(second)]
        wait_for(lambda: "另一个提醒调度进程正在运行" in second_log.read_text())
        assert "已取得提醒调度锁" in logs[processes.index(first)].read_text()
        assert "已取得提醒调度锁" not in second_log.read_text()

        stop(first)  # a crash: PostgreSQL releases the lock with the connection
        assert wait_for(lambda: lock_holder_pid(engine) == second.pid)
        wait_for(lambda: "已取得提醒调度锁" in second_log.read_text())
        assert second.poll() is None
    finally:
        for process in processes:
            stop(process)
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
