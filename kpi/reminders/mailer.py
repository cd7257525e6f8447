"""E-mail delivery of the daily digests over SMTP, with retries.

`deliver_pending` sends the digests that are due. Each one is first claimed
(status "sending", leased until next_attempt_at) in a short transaction, then sent
with no database lock held, then recorded: sent; or, on failure, retried later
with a growing delay and logged; after MAX_ATTEMPTS it gives up (status "failed",
the error kept in last_error). It never raises: a mail server that is down must
not stop the tick. Each reminder's delivery_state follows its digests.

Without KPI_SMTP_HOST nothing is sent: digests stay pending (they go out once SMTP
is configured) and the reminders say "in_app_only".
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime as rfc2822_date
from email.utils import make_msgid, parseaddr

import sqlalchemy as sa
from flask import current_app
from sqlmodel import Session, select

from kpi.core.time import beijing_now, format_datetime
from kpi.reminders import notify
from kpi.reminders.models import Notification, OutboxEmail, Reminder

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
LEASE = timedelta(minutes=10)  # a claim older than this is taken to have died with its process
BATCH = 200


def retry_delay(attempts: int) -> timedelta:
    """5 min, 15 min, 45 min, 2¼ h, then every 6 h: eight attempts span about a day."""
    return min(timedelta(minutes=5) * 3 ** (attempts - 1), timedelta(hours=6))


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = 25
    user: str = ""
    password: str = ""
    starttls: bool = False
    mail_from: str = "kpi@localhost"
    timeout: float = 30

    @classmethod
    def from_config(cls, config) -> SmtpSettings | None:
        """From KPI_SMTP_* in the Flask config; None when no host is set (e-mail off)."""
        host = (config.get("KPI_SMTP_HOST") or "").strip()
        if not host:
            return None
        starttls = config.get("KPI_SMTP_STARTTLS", False)
        if isinstance(starttls, str):
            starttls = starttls.strip().lower() in ("1", "true", "yes", "on")
        return cls(
            host=host,
            port=int(config.get("KPI_SMTP_PORT") or 25),
            user=config.get("KPI_SMTP_USER") or "",
            password=config.get("KPI_SMTP_PASSWORD") or "",
            starttls=bool(starttls),
            mail_from=config.get("KPI_MAIL_FROM") or "kpi@localhost",
        )


@dataclass
class DeliveryReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0


def compose(row: OutboxEmail, mail_from: str, base_url: str) -> EmailMessage:
    """The digest as a UTF-8 e-mail with a Chinese subject and body."""
    message = EmailMessage()
    message["Subject"] = row.subject
    message["From"] = mail_from
    message["To"] = row.to_address
    message["Date"] = rfc2822_date(beijing_now())  # +0800, so mail clients show the digest's own hour
    message["Message-ID"] = make_msgid(domain=parseaddr(mail_from)[1].rpartition("@")[2] or "localhost")
    day = row.digest_date
    body = (
        f"您好！\n\n以下是预算绩效指标跟踪系统 {day.year}年{day.month}月{day.day}日 的提醒：\n\n{row.body}\n\n"
        f"登录系统查看全部通知：{base_url}/notifications\n\n—— 本邮件由系统自动发送，请勿直接回复。\n"
    )
    message.set_content(body, charset="utf-8")
    return message


def send_smtp(settings: SmtpSettings, message: EmailMessage) -> None:
    """One SMTP session: implicit TLS on port 465, else plain with optional STARTTLS; login when a user is set."""
    if settings.port == 465:
        client = smtplib.SMTP_SSL(
            settings.host, settings.port, timeout=settings.timeout, context=ssl.create_default_context()
        )
    else:
        client = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
    with client:
        if settings.starttls and settings.port != 465:
            client.starttls(context=ssl.create_default_context())
        if settings.user:
            client.login(settings.user, settings.password)
        client.send_message(message)


FROM_CONFIG = object()  # read KPI_SMTP_* from the current app's config


def deliver_pending(
    session: Session,
    now: datetime,
    smtp: SmtpSettings | None | object = FROM_CONFIG,
    *,
    base_url: str | None = None,
    send=send_smtp,
) -> DeliveryReport:
    """Send the digests due by `now`; commits as it goes (use a session with nothing else pending).

    `smtp` defaults to the app's KPI_SMTP_* settings (None: e-mail off), `base_url` to KPI_BASE_URL.
    """
    report = DeliveryReport()
    try:
        if smtp is FROM_CONFIG:
            smtp = SmtpSettings.from_config(current_app.config)
        base_url = base_url or notify.base_url()
        now = now.astimezone(UTC)  # stored timestamps are UTC (SQLite keeps no offset)
        if smtp is None:
            _mark_in_app_only(session)
            session.commit()
            return report
        due = session.exec(
            select(OutboxEmail.id)
            .where(OutboxEmail.status.in_(("pending", "sending")), OutboxEmail.next_attempt_at <= now)
            .order_by(OutboxEmail.next_attempt_at, OutboxEmail.id)
            .limit(BATCH)
        ).all()
        session.commit()
        for outbox_id in due:
            _deliver_one(session, outbox_id, now, smtp, base_url, send, report)
    except Exception:  # never raise to the tick: log, and the next tick tries again
        session.rollback()
        log.exception("邮件发送过程出错，将在下次运行时重试")
    return report


def _deliver_one(session, outbox_id, now, smtp, base_url, send, report: DeliveryReport) -> None:
    claimed = session.execute(
        sa.update(OutboxEmail)
        .where(
            OutboxEmail.id == outbox_id,
            OutboxEmail.status.in_(("pending", "sending")),
            OutboxEmail.next_attempt_at <= now,
        )
        .values(status="sending", attempts=OutboxEmail.attempts + 1, next_attempt_at=now + LEASE)
    ).rowcount
    session.commit()
    if claimed != 1:
        return  # another mailer has it
    row = session.exec(
        select(OutboxEmail).where(OutboxEmail.id == outbox_id).execution_options(populate_existing=True)
    ).one()
    try:
        send(smtp, compose(row, smtp.mail_from, base_url))
    except Exception as error:  # SMTP, network, TLS, refused recipients: all retried the same way
        row.last_error = f"{type(error).__name__}: {error}"[:2000]
        if row.attempts >= MAX_ATTEMPTS:
            row.status = "failed"
            report.failed += 1
            log.error(
                "提醒邮件发送失败，已放弃（第 %s 次）：%s → %s：%s",
                row.attempts,
                row.id,
                row.to_address,
                row.last_error,
            )
        else:
            row.status, row.next_attempt_at = "pending", now + retry_delay(row.attempts)
            report.retrying += 1
            log.warning(
                "提醒邮件发送失败（第 %s 次），%s 重试：%s → %s：%s",
                row.attempts,
                format_datetime(row.next_attempt_at),
                row.id,
                row.to_address,
                row.last_error,
            )
    else:
        row.status, row.sent_at, row.last_error = "sent", now, None
        report.sent += 1
        log.info("已发送提醒邮件 %s → %s", row.id, row.to_address)
    session.add(row)
    session.flush()
    update_delivery_states(session, _reminders_in(session, [row.id]))
    session.commit()


def _reminders_in(session: Session, outbox_ids: list[int]) -> set[int]:
    query = (
        select(Notification.reminder_id)
        .where(Notification.outbox_email_id.in_(outbox_ids), Notification.reminder_id.is_not(None))
        .distinct()
    )
    return set(session.exec(query))


def update_delivery_states(session: Session, reminder_ids: set[int], smtp_configured: bool = True) -> None:
    """Set each reminder's delivery_state from all its messages' digests.

    failed (a digest gave up) > pending (one is waiting) > delivered (all sent);
    in_app_only when no digest carries it, or while SMTP is not configured.
    """
    if not reminder_ids:
        return
    statuses: dict[int, set[str | None]] = {}
    query = (
        select(Notification.reminder_id, OutboxEmail.status)
        .outerjoin(OutboxEmail, OutboxEmail.id == Notification.outbox_email_id)
        .where(Notification.reminder_id.in_(reminder_ids))
    )
    for reminder_id, status in session.exec(query):
        statuses.setdefault(reminder_id, set()).add(status)
    for reminder_id in reminder_ids:
        found = statuses.get(reminder_id, set())
        mail = found - {None}
        if not found:
            state = "no_recipients"
        elif "failed" in mail:
            state = "failed"
        elif mail - {"sent"}:
            state = "pending" if smtp_configured else "in_app_only"
        elif mail:
            state = "delivered"
        else:
            state = "in_app_only"
        session.execute(
            sa.update(Reminder)
            .where(Reminder.id == reminder_id, Reminder.delivery_state != state)
            .values(delivery_state=state)
        )


def _mark_in_app_only(session: Session) -> None:
    """E-mail is off: reminders still waiting on a digest say so (their digests wait for SMTP)."""
    waiting = set(session.exec(select(Reminder.id).where(Reminder.delivery_state == "pending")))
    update_delivery_states(session, waiting, smtp_configured=False)
