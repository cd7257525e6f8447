"""Is every time shown in Beijing time, whatever the server's TZ?

One stored moment, 2023-04-10 17:30 UTC, is 2023-04-11 01:30 in Beijing and 13:30 the day
before in New York: a wrong zone shows a wrong hour and a wrong date. The server process
runs with TZ=UTC and TZ=America/New_York; pages, the workbook, an e-mail and a CLI line
must all say 2023-04-11 01:30.
"""

from __future__ import annotations

import io
import re
import socket
import time
from datetime import UTC, date, datetime, timedelta, timezone

import openpyxl
import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from sqlmodel import Session, select

from kpi import db
from kpi.audit.service import record
from kpi.core.time import SHANGHAI, beijing_today, format_date, format_datetime, to_beijing
from kpi.indicators.models import Indicator
from kpi.reminders.mailer import deliver_pending
from kpi.reminders.models import Notification
from kpi.reminders.notify import notify_transition
from kpi.results.models import QuarterReport
from tests.reminders.gen import configure_smtp, quarter_action, user

MOMENT = datetime(2023, 4, 10, 17, 30, tzinfo=UTC)
BEIJING, BEIJING_DAY = "2023-04-11 01:30", "2023-04-11"
WRONG = ("2023-04-10 17:30", "2023-04-10 13:30")  # the same moment in UTC and in New York
UNIT_ID, YEAR = 2, 2023


# --- the formatter ------------------------------------------------------------------


def test_a_naive_time_is_utc_and_shows_in_beijing():
    naive = MOMENT.replace(tzinfo=None)  # as SQLite hands it back
    assert format_datetime(naive) == format_datetime(MOMENT) == BEIJING
    assert format_datetime(naive, seconds=True) == "2023-04-11 01:30:00"
    assert to_beijing(naive).utcoffset() == timedelta(hours=8)


def test_an_aware_time_in_another_zone_is_converted():
    new_york = MOMENT.astimezone(timezone(timedelta(hours=-4)))
    assert format_datetime(new_york) == BEIJING


def test_dates_take_the_beijing_day_and_plain_dates_stay_as_they_are():
    assert format_date(MOMENT) == BEIJING_DAY
    assert format_date(date(2023, 4, 10)) == "2023-04-10"
    assert format_date(None) == format_datetime(None) == ""


# --- the server in two zones ----------------------------------------------------------


@pytest.fixture(params=["UTC", "America/New_York"])
def server_tz(request, monkeypatch):
    monkeypatch.setenv("TZ", request.param)
    time.tzset()
    # The zone really moved: a local-time bug would show up below.
    local = MOMENT.astimezone().strftime("%Y-%m-%d %H:%M")
    assert local == {"UTC": WRONG[0], "America/New_York": WRONG[1]}[request.param]
    yield request.param
    monkeypatch.undo()
    time.tzset()


def test_beijing_today_does_not_follow_the_server_zone(server_tz):
    assert beijing_today() == datetime.now(SHANGHAI).date()


def shows_beijing(text: str, *, day_only: bool = False) -> None:
    assert (BEIJING_DAY if day_only else BEIJING) in text
    for wrong in WRONG:
        assert (wrong[:10] if day_only else wrong) not in text


@pytest.fixture
def stamped(server_tz, app):
    """Q1 submitted and approved through the real workflow, then every stamp moved to MOMENT."""
    quarter_action(app, 1, "submit", "szcc_staff")
    quarter_action(app, 1, "approve", "szcc_reviewer")
    with app.app_context(), db.transaction() as session:
        session.execute(
            sa.update(QuarterReport)
            .where(QuarterReport.unit_id == UNIT_ID, QuarterReport.quarter == 1)
            .values(submitted_at=MOMENT, reviewed_at=MOMENT)
        )
        session.execute(sa.update(Notification).values(created_at=MOMENT))
        indicator = session.exec(select(Indicator).where(Indicator.unit_id == UNIT_ID)).first()
        event = record(
            session,
            actor="szcc_staff",
            entity="indicator",
            entity_id=indicator.id,
            action="update",
            unit_id=UNIT_ID,
            field="指标值",
            old_value="≥19000宗",
            new_value="≥20000宗",
            reason="调整",
        )
        event.occurred_at = MOMENT  # chained (and hashed) with this stamp at flush
    return indicator.id


def test_pages_show_beijing_time(stamped, client, auth):
    auth.login("szcc_reviewer")
    quarter = client.get(f"/units/{UNIT_ID}/{YEAR}/quarters/1").get_data(as_text=True)
    shows_beijing(re.search(r"送审时间[^<]*", quarter).group(0))
    listing = client.get(f"/units/{UNIT_ID}/{YEAR}/quarters").get_data(as_text=True)
    assert listing.count(BEIJING) == 2  # 送审时间 and 审核时间
    shows_beijing(listing)
    shows_beijing(client.get(f"/units/{UNIT_ID}/indicators/{stamped}/history").get_data(as_text=True))
    shows_beijing(client.get("/notifications").get_data(as_text=True))


def test_the_finance_desk_and_its_workbook_show_the_beijing_day(stamped, client, auth):
    auth.login("finance")
    html = client.get(f"/finance?year={YEAR}").get_data(as_text=True)
    row = re.search(rf'<tr data-unit-id="{UNIT_ID}">.*?</tr>', html, re.S).group(0)
    shows_beijing(re.search(r'data-report="q1".*?</td>', row).group(0), day_only=True)

    workbook = openpyxl.load_workbook(io.BytesIO(client.get(f"/finance/{YEAR}/consolidated.xlsx").data))
    sheet = workbook["汇总"]
    header = next(row for row in sheet.iter_rows(values_only=True) if "一季度送审日期" in row)
    column = header.index("一季度送审日期")
    unit_row = next(row for row in sheet.iter_rows(values_only=True) if row[0] == "深圳市消费者委员会秘书处")
    assert unit_row[column].date() == date(2023, 4, 11)


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        from email import message_from_bytes, policy

        self.messages.append(message_from_bytes(envelope.original_content, policy=policy.default))
        return "250 OK"


@pytest.fixture
def smtp():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    inbox.port = port
    yield inbox
    controller.stop()


def test_an_email_says_beijing_time(stamped, app, smtp):
    configure_smtp(app, smtp.port)
    with app.app_context(), db.transaction() as session:
        report = session.exec(
            select(QuarterReport).where(QuarterReport.unit_id == UNIT_ID, QuarterReport.quarter == 1)
        ).one()
        notify_transition(session, report, "submit", actor=user(session, "szcc_staff"), what="2023年一季度")
    with app.app_context(), Session(db.engine(), expire_on_commit=False) as session:
        assert deliver_pending(session, datetime.now(UTC) + timedelta(days=2)).sent == 1
    body = smtp.messages[0].get_content()
    shows_beijing(body)
    assert f"已于 {BEIJING} 送审" in body


def test_the_cli_says_beijing_time(server_tz, app, runner, make_app, empty_sqlite_url, tmp_path, monkeypatch):
    monkeypatch.setattr("kpi.backup.service.utcnow", lambda: MOMENT)
    backup = runner.invoke(args=["kpi", "backup", "--out", str(tmp_path / "kpi.jsonl")])
    assert backup.exit_code == 0, backup.output
    shows_beijing(backup.output.splitlines()[0])
    restored = make_app(empty_sqlite_url).test_cli_runner().invoke(args=["kpi", "restore", str(tmp_path / "kpi.jsonl")])
    assert restored.exit_code == 0, restored.output
    shows_beijing(restored.output.splitlines()[0])
