"""Does `kpi reminders --today` raise and print each reminder once, in words, also with processes racing?"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlmodel import Session, select

from kpi.db import make_engine
from kpi.reminders.models import Notification, OutboxEmail, Reminder
from tests.conftest import build_database
from tests.reminders.gen import all_rows, configure_smtp

ROOT = Path(__file__).resolve().parents[2]
SEED_UNIT = "深圳市消费者委员会秘书处"


def run(runner, *args):
    return runner.invoke(args=["kpi", "reminders", *args])


def test_july_31_raises_no_monitoring_notice_august_1_raises_one_and_again_none(runner):
    first = run(runner, "--today", "2023-07-31")
    assert (first.exit_code, first.output) == (0, "没有新的提醒。\n")
    second = run(runner, "--today", "2023-08-01")
    assert second.exit_code == 0
    assert second.output == f"{SEED_UNIT}\t运行监控\t通知\t截止 2023-08-31\n"
    again = run(runner, "--today", "2023-08-01")
    assert (again.exit_code, again.output) == (0, "没有新的提醒。\n")


@pytest.mark.parametrize(
    "day, line",
    [
        ("2023-10-07", f"{SEED_UNIT}\t三季度\t通知\t截止 2023-10-18"),
        ("2023-08-29", f"{SEED_UNIT}\t运行监控\t截止前2个工作日提醒\t截止 2023-08-31"),
        ("2023-09-01", f"{SEED_UNIT}\t运行监控\t逾期提醒\t截止 2023-08-31"),
        ("2024-01-02", f"{SEED_UNIT}\t四季度\t通知\t截止 2024-01-15\n{SEED_UNIT}\t自评\t通知\t截止 2024-02-28"),
    ],
)
def test_each_line_names_the_unit_the_report_and_the_stage(runner, day, line):
    assert run(runner, "--today", day).output == line + "\n"


@pytest.mark.parametrize("bad", ["2023-13-01", "2023/08/01", "明天"])
def test_a_bad_date_is_refused_in_chinese(runner, bad):
    result = run(runner, "--today", bad)
    assert result.exit_code == 1
    assert f"错误：日期“{bad}”无效，应为 YYYY-MM-DD" in result.output


def test_without_a_date_it_runs_for_today_in_shanghai(runner):
    # The 2023 reports are long past: nothing is raised today, and nothing fails.
    assert run(runner).output == "没有新的提醒。\n"


def test_the_command_also_sends_the_due_email(app, runner, smtp_server):
    configure_smtp(app, smtp_server.port)
    result = run(runner, "--today", "2023-08-01")
    assert "已发送 2 封" in result.output
    assert len(smtp_server.inbox.envelopes) == 2
    assert {d.status for d in all_rows(app, OutboxEmail)} == {"sent"}


def reminders_process(url: str) -> subprocess.Popen:
    env = {**os.environ, "KPI_DATABASE_URL": url, "KPI_SMTP_HOST": ""}
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "flask",
            "--app",
            "tests.reminders.wired_app",
            "kpi",
            "reminders",
            "--today",
            "2023-08-01",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.postgres
def test_processes_started_together_against_postgresql_raise_exactly_one_notice(pg_url):
    build_database(pg_url)
    processes = [reminders_process(pg_url) for _ in range(3)]
    outputs = [process.communicate(timeout=120) for process in processes]
    assert [process.returncode for process in processes] == [0, 0, 0], outputs
    lines = sorted(out for out, _err in outputs)
    assert lines == ["没有新的提醒。\n", "没有新的提醒。\n", f"{SEED_UNIT}\t运行监控\t通知\t截止 2023-08-31\n"]
    engine = make_engine(pg_url)
    try:
        with Session(engine) as session:
            assert len(session.exec(select(Reminder)).all()) == 1
            assert len(session.exec(select(Notification)).all()) == 2
            assert len(session.exec(select(OutboxEmail)).all()) == 2
    finally:
        engine.dispose()
