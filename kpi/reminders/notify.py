"""Telling people: in-app notifications, the daily e-mail digest, and the review hook.

Every message goes to the notification centre at once. A person with an e-mail
address also gets it in their digest for the day: one OutboxEmail row per person
per day, which the mailer sends from 08:00 (Asia/Shanghai) on that day, so a
morning's reminders arrive together. Once that day's digest has been sent (or has
given up), later messages roll over to the next day's digest: never two e-mails a
day, never a message dropped; the notification centre has them immediately anyway.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from flask import current_app, has_app_context
from sqlmodel import Session, select

from kpi.accounts.models import User
from kpi.budget.models import FiscalYear, Unit
from kpi.core.rows import insert_or_ignore
from kpi.core.time import SHANGHAI, beijing_today, format_datetime
from kpi.db import utcnow
from kpi.reminders.models import Notification, OutboxEmail, Reminder
from kpi.workflow.kinds import kind_of
from kpi.workflow.signals import report_transitioned

DEFAULT_BASE_URL = "http://127.0.0.1:5000"
DIGEST_HOUR = 8  # digests go out from 08:00 local time
ITEM_SEPARATOR = "\n\n"


# Older names, kept for the callers that use them; the zone logic lives in kpi.core.time.
local_today = beijing_today


def base_url() -> str:
    """KPI_BASE_URL: where links in e-mails point (no trailing slash)."""
    url = current_app.config.get("KPI_BASE_URL") if has_app_context() else None
    return (url or DEFAULT_BASE_URL).rstrip("/")


def notify(
    session: Session,
    users: list[User],
    *,
    kind: str,
    title: str,
    body: str = "",
    link: str | None = None,
    day: date | None = None,
    email: bool = True,
    reminder_id: int | None = None,
) -> list[Notification]:
    """One notification per user; with `email`, also a line in each addressed user's digest for `day`."""
    day = day or beijing_today()
    notes = []
    for user in users:
        outbox_id = None
        if email and user.email:
            outbox_id = _add_to_digest(session, user, day, title, body, link)
        note = Notification(
            user_id=user.id,
            reminder_id=reminder_id,
            kind=kind,
            title=title[:200],
            body=body,
            link=link,
            outbox_email_id=outbox_id,
        )
        session.add(note)
        notes.append(note)
    session.flush()
    return notes


def digest_item(title: str, body: str, link: str | None) -> str:
    lines = [f"■ {title}"] + [f"  {line}" for line in body.splitlines() if line.strip()]
    if link:
        lines.append(f"  链接：{base_url()}{link}")
    return "\n".join(lines)


def _add_to_digest(session: Session, user: User, day: date, title: str, body: str, link: str | None) -> int:
    item = digest_item(title, body, link)
    for offset in range(31):
        digest_date = day + timedelta(days=offset)
        first_send = max(utcnow(), datetime.combine(digest_date, time(DIGEST_HOUR), SHANGHAI).astimezone(UTC))
        insert_or_ignore(
            session,
            OutboxEmail,
            {
                "user_id": user.id,
                "to_address": user.email,
                "digest_date": digest_date,
                "subject": "",
                "body": "",
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": first_send,
                "created_at": utcnow(),
            },
            ["user_id", "digest_date"],
        )
        # Lock the digest so that concurrent writers append in turn and a mailer that has
        # claimed it ("sending") is seen: its content is then fixed, so we roll over.
        row = session.exec(
            select(OutboxEmail)
            .where(OutboxEmail.user_id == user.id, OutboxEmail.digest_date == digest_date)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).one()
        if row.status != "pending":
            continue
        items = [part for part in row.body.split(ITEM_SEPARATOR) if part] + [item]
        row.body = ITEM_SEPARATOR.join(items)
        row.to_address = user.email
        row.subject = digest_subject(digest_date, title if len(items) == 1 else first_title(items[0]), len(items))
        session.add(row)
        session.flush()
        return row.id
    raise RuntimeError(f"no open digest for user {user.id} within a month of {day}")


def first_title(item: str) -> str:
    return item.splitlines()[0].removeprefix("■ ")


def digest_subject(day: date, title: str, count: int) -> str:
    more = f" 等 {count} 项" if count > 1 else ""
    return f"【预算绩效提醒】{day.month}月{day.day}日：{title}{more}"[:300]


# --- The review hook: a receiver of kpi.workflow's report_transitioned signal ---


def subscribe() -> None:
    """Connect the review hook to the workflow's signal; the app factory calls this.

    Idempotent: blinker keeps one connection per receiver, and the receiver is this module's
    own function, the same object on every call. The report services never import this
    feature: they move reports through kpi.workflow, which sends the signal."""
    report_transitioned.connect(on_report_transitioned)


def on_report_transitioned(sender, *, session: Session, report, action: str, actor, what: str, **_) -> None:
    """The report_transitioned receiver: its rows go into the step's own transaction (no commit)."""
    notify_transition(session, report, action, actor=actor, what=what)


def notify_transition(session: Session, report, action: str, *, actor, what: str, link: str | None = None) -> None:
    """Tell the unit's people about a review step, and keep the report's reminders in step.

    submit  → the unit's reviewers (kind "submitted"); the report's open reminders close;
    return, reopen → the unit's staff (kind "returned"); its reminders open again (owed once more);
    approve → the unit's staff, in the app only (kind "approved").
    `report` is a QuarterReport or a MonitoringReport; `what` names it (“2023年一季度”).
    """
    report_kind = kind_of(report)
    kind, period = report_kind.reminder, report_kind.period_of(report)
    unit = session.get(Unit, report.unit_id)
    year = session.get(FiscalYear, report.year_id)
    link = link or report_link(kind, report.unit_id, year.year, period)
    reminders = sa.update(Reminder).where(
        Reminder.year_id == report.year_id,
        Reminder.kind == kind,
        Reminder.period == period,
        Reminder.unit_id == report.unit_id,
    )
    who = getattr(actor, "display_name", "") or actor.username
    if action == "submit":
        session.execute(reminders.where(Reminder.closed_at.is_(None)).values(closed_at=utcnow()))
        role, note_kind, title = "reviewer", "submitted", f"{unit.name} {what} 已送审，请审核"
        body = f"{who} 已于 {_when(report.submitted_at)} 送审。"
    elif action in ("return", "reopen"):
        session.execute(reminders.where(Reminder.closed_at.is_not(None)).values(closed_at=None))
        verb = "退回" if action == "return" else "重新打开"
        role, note_kind, title = "staff", "returned", f"{unit.name} {what} 已被{verb}，请修改后重新送审"
        body = f"{who} 于 {_when(report.reviewed_at)} {verb}。原因：{report.review_reason or '（未填写）'}"
    elif action == "approve":
        role, note_kind, title = "staff", "approved", f"{unit.name} {what} 已审核通过"
        body = f"{who} 于 {_when(report.reviewed_at)} 审核通过。"
    else:
        return
    users = [user for user in unit_people(session, report.unit_id, (role,)) if user.id != actor.id]
    notify(session, users, kind=note_kind, title=title, body=body, link=link, email=action != "approve")


def _when(moment: datetime | None) -> str:
    # The step's own stored stamp, so the message says what the report page says.
    return format_datetime(moment or utcnow())


def unit_people(session: Session, unit_id: int, roles=("staff", "reviewer")) -> list[User]:
    """The active 填报人/审核人 of a unit: who reminders and review messages go to."""
    query = (
        select(User).where(User.unit_id == unit_id, User.role.in_(roles), User.is_active.is_(True)).order_by(User.id)
    )
    return list(session.exec(query))


def report_link(kind: str, unit_id: int, year: int, period: int = 0) -> str:
    """The page of the report, as a path (the same as url_for gives; built here to work outside requests)."""
    if kind == "quarterly":
        return f"/units/{unit_id}/{year}/quarters/{period}"
    if kind == "monitoring":
        return f"/units/{unit_id}/{year}/monitoring"
    return f"/units/{unit_id}/{year}/self-evaluation"


# --- The notification centre ---


def notifications_of(session: Session, user_id: int, limit: int = 200) -> list[Notification]:
    """A user's notifications, unread first, newest first."""
    unread_first = sa.case((Notification.read_at.is_(None), 0), else_=1)
    query = (
        select(Notification)
        .where(Notification.user_id == user_id)
        .order_by(unread_first, Notification.created_at.desc(), Notification.id.desc())
        .limit(limit)
    )
    return list(session.exec(query))


def unread_count(session: Session, user_id: int) -> int:
    query = (
        select(sa.func.count())
        .select_from(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
    )
    return session.exec(query).one()


def mark_read(session: Session, user_id: int, notification_id: int) -> Notification | None:
    """Mark one of the user's own notifications read; None when it is not theirs (or does not exist)."""
    note = session.get(Notification, notification_id)
    if note is None or note.user_id != user_id:
        return None
    if note.read_at is None:
        note.read_at = utcnow()
        session.add(note)
    return note


def mark_all_read(session: Session, user_id: int) -> int:
    result = session.execute(
        sa.update(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    return result.rowcount
