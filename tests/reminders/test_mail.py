"""Do the digests reach a real SMTP server in Chinese, and are failures retried, logged and never lost?"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta

import pytest
from aiosmtpd.smtp import AuthResult
from sqlmodel import Session

from kpi import db
from kpi.reminders import mailer
from kpi.reminders.mailer import MAX_ATTEMPTS, SmtpSettings, deliver_pending
from kpi.reminders.models import OutboxEmail, Reminder
from tests.reminders.gen import all_rows, configure_smtp, tick

AUG_1 = date(2023, 8, 1)


def deliver(app, now: datetime | None = None):
    with app.app_context(), Session(db.engine(), expire_on_commit=False) as session:
        return deliver_pending(session, now or datetime.now(UTC))


def state(app) -> str:
    return all_rows(app, Reminder)[0].delivery_state


def test_the_august_notice_reaches_the_units_people_by_email_in_chinese(app, smtp_server):
    configure_smtp(app, smtp_server.port, KPI_BASE_URL="https://kpi.example.gov.cn/")
    tick(app, AUG_1)
    assert deliver(app).sent == 2
    messages = {m["To"]: m for m in smtp_server.inbox.messages()}
    assert set(messages) == {"szcc_staff@example.com", "szcc_reviewer@example.com"}
    message = messages["szcc_staff@example.com"]
    assert message["Subject"] == "【预算绩效提醒】8月1日：请于 8月31日 前提交 2023 年绩效运行监控报告"
    assert message["From"] == "预算绩效系统 <kpi@example.com>"
    body = message.get_content()
    assert message.get_content_charset() == "utf-8"
    assert "请于 8月31日 前提交 2023 年绩效运行监控报告" in body and "单位：深圳市消费者委员会秘书处" in body
    assert "链接：https://kpi.example.gov.cn/units/2/2023/monitoring" in body
    assert "https://kpi.example.gov.cn/notifications" in body
    assert {d.status for d in all_rows(app, OutboxEmail)} == {"sent"}
    assert state(app) == "delivered"


def test_a_digest_is_sent_once(app, smtp_server):
    configure_smtp(app, smtp_server.port)
    tick(app, AUG_1)
    deliver(app)
    assert deliver(app).sent == 0
    assert len(smtp_server.inbox.envelopes) == 2


def test_a_days_digest_waits_until_eight_in_the_morning(app, smtp_server):
    configure_smtp(app, smtp_server.port)
    with app.app_context(), db.transaction() as session:
        from kpi.reminders.notify import notify
        from tests.reminders.gen import user

        notify(session, [user(session, "szcc_staff")], kind="reminder", title="测试", day=date(2099, 1, 5))
    assert deliver(app, datetime(2099, 1, 4, 23, 59, tzinfo=UTC)).sent == 0  # 07:59 in Shanghai
    assert deliver(app, datetime(2099, 1, 5, 0, 0, tzinfo=UTC)).sent == 1


def test_a_failed_send_is_retried_later_and_logged(app, smtp_port, caplog):
    configure_smtp(app, smtp_port.port)  # nothing listens there yet
    tick(app, AUG_1)
    now = datetime.now(UTC)
    with caplog.at_level(logging.WARNING):
        report = deliver(app, now)
    assert (report.sent, report.retrying) == (0, 2)
    assert "提醒邮件发送失败（第 1 次）" in caplog.text
    digest = all_rows(app, OutboxEmail)[0]
    assert (digest.status, digest.attempts) == ("pending", 1) and "ConnectionRefusedError" in digest.last_error
    assert state(app) == "pending"

    server = smtp_port(smtp_port.port)  # the server comes back
    assert deliver(app, now + timedelta(minutes=1)).sent == 0  # not before the retry time
    assert deliver(app, now + timedelta(minutes=6)).sent == 2
    assert len(server.inbox.envelopes) == 2
    assert {(d.status, d.attempts, d.last_error) for d in all_rows(app, OutboxEmail)} == {("sent", 2, None)}
    assert state(app) == "delivered"


def test_after_the_last_attempt_the_digest_is_marked_failed_not_dropped(app, smtp_port, caplog):
    configure_smtp(app, smtp_port.port)
    tick(app, AUG_1)
    now = datetime.now(UTC)
    with caplog.at_level(logging.ERROR):
        for attempt in range(MAX_ATTEMPTS):
            deliver(app, now + timedelta(days=attempt))
    assert {(d.status, d.attempts) for d in all_rows(app, OutboxEmail)} == {("failed", MAX_ATTEMPTS)}
    assert "已放弃" in caplog.text
    assert state(app) == "failed"
    assert deliver(app, now + timedelta(days=30)).sent == 0


def test_without_smtp_the_digests_wait_and_the_reminder_says_in_app_only(app, smtp_server):
    tick(app, AUG_1)
    assert deliver(app).sent == 0
    assert {d.status for d in all_rows(app, OutboxEmail)} == {"pending"}
    assert state(app) == "in_app_only"
    configure_smtp(app, smtp_server.port)  # configured later: they go out then
    assert deliver(app).sent == 2 and state(app) == "delivered"


def test_delivery_never_raises_to_the_caller(app, caplog):
    configure_smtp(app, 1)
    tick(app, AUG_1)

    def broken(*_args):
        raise RuntimeError("boom")

    with app.app_context(), Session(db.engine()) as session, caplog.at_level(logging.WARNING):
        report = deliver_pending(session, datetime.now(UTC), send=broken)
    assert report.retrying == 2 and "RuntimeError: boom" in caplog.text


def test_a_claim_left_by_a_crashed_mailer_is_retried_after_its_lease(app, smtp_server):
    configure_smtp(app, smtp_server.port)
    tick(app, AUG_1)
    now = datetime.now(UTC)
    with app.app_context(), db.transaction() as session:
        from sqlalchemy import update

        session.execute(update(OutboxEmail).values(status="sending", next_attempt_at=now + mailer.LEASE))
    assert deliver(app, now).sent == 0
    assert deliver(app, now + mailer.LEASE + timedelta(seconds=1)).sent == 2


def test_the_smtp_login_is_used_when_a_user_is_configured(app, smtp_port):
    logins = []

    def authenticator(_server, _session, _envelope, mechanism, auth_data):
        logins.append((mechanism, auth_data.login, auth_data.password))
        return AuthResult(success=True)

    server = smtp_port(smtp_port.port, authenticator=authenticator, auth_require_tls=False)
    configure_smtp(app, smtp_port.port, KPI_SMTP_USER="kpi", KPI_SMTP_PASSWORD="s3cret-Pass")
    tick(app, AUG_1)
    assert deliver(app).sent == 2
    assert logins[0][1:] == (b"kpi", b"s3cret-Pass")
    assert len(server.inbox.envelopes) == 2


@pytest.mark.parametrize(
    "config, expected",
    [
        ({}, None),
        ({"KPI_SMTP_HOST": " "}, None),
        (
            {"KPI_SMTP_HOST": "smtp.example.com", "KPI_SMTP_PORT": "587", "KPI_SMTP_STARTTLS": "true"},
            SmtpSettings("smtp.example.com", 587, starttls=True),
        ),
        (
            {"KPI_SMTP_HOST": "smtp.example.com", "KPI_MAIL_FROM": "kpi@szcc.gov.cn", "KPI_SMTP_STARTTLS": False},
            SmtpSettings("smtp.example.com", 25, mail_from="kpi@szcc.gov.cn"),
        ),
    ],
)
def test_smtp_settings_come_from_the_config(config, expected):
    assert SmtpSettings.from_config(config) == expected


def test_retries_wait_longer_each_time_up_to_six_hours():
    delays = [mailer.retry_delay(n) for n in range(1, MAX_ATTEMPTS + 1)]
    assert delays[:3] == [timedelta(minutes=5), timedelta(minutes=15), timedelta(minutes=45)]
    assert delays == sorted(delays) and delays[-1] == timedelta(hours=6)
