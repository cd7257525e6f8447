"""Reminders (提醒), in-app notifications and the e-mail outbox.

State lives here; the scheduler is only a clock (docs/engineering.md §1). Raising a reminder is
an INSERT guarded by a UNIQUE key, so concurrent or repeated ticks cannot
duplicate it, and a tick after downtime catches up on what is still due.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from kpi.db import utcnow


class Reminder(SQLModel, table=True):
    """One reminder raised to one unit: (year, kind, period, stage, unit) is unique.

    kind: "monitoring" (运行监控), "quarterly" (季度填报), "self_evaluation" (自评).
    period: the quarter (1–4) for quarterly reminders, 0 otherwise.
    stage: "notice" (first notice), "escalation_5", "escalation_2" (working days before the
    deadline), "overdue".
    """

    __table_args__ = (
        sa.UniqueConstraint("year_id", "kind", "period", "stage", "unit_id"),
        sa.CheckConstraint("kind IN ('monitoring', 'quarterly', 'self_evaluation')", name="kind"),
    )
    id: int | None = Field(default=None, primary_key=True)
    year_id: int = Field(foreign_key="fiscal_year.id")
    kind: str = Field(max_length=20)
    period: int = 0
    stage: str = Field(max_length=20)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    raised_on: date  # the working day it became due (the "today" of the tick that raised it)
    due_on: date  # the report's deadline
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))
    closed_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))  # report submitted
    delivery_state: str = Field(default="pending", max_length=20)  # pending / delivered / failed / no_recipients


class Notification(SQLModel, table=True):
    """An in-app message to one person (notification centre and banner)."""

    __table_args__ = (sa.Index("ix_notification_user_unread", "user_id", "read_at"),)
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id")
    reminder_id: int | None = Field(default=None, foreign_key="reminder.id")
    kind: str = Field(max_length=30)  # "reminder", "submitted", "returned", "approved", …
    title: str = Field(max_length=200)
    body: str = Field(default="", sa_type=sa.Text)
    link: str | None = Field(default=None, max_length=500)
    # The e-mail digest this message went into (None: in-app only). The mailer follows it
    # back to the reminder to record its delivery state.
    outbox_email_id: int | None = Field(default=None, foreign_key="outbox_email.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))
    read_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))


class OutboxEmail(SQLModel, table=True):
    """One e-mail digest per person per day, sent (and retried) by the mailer."""

    __tablename__ = "outbox_email"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "digest_date"),
        sa.Index("ix_outbox_email_pending", "status", "next_attempt_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id")
    to_address: str = Field(max_length=254)
    digest_date: date
    subject: str = Field(max_length=300)
    body: str = Field(sa_type=sa.Text)
    # pending / sending (claimed by a mailer until next_attempt_at) / sent / failed (gave up)
    status: str = Field(default="pending", max_length=10)
    attempts: int = 0
    last_error: str | None = Field(default=None, sa_type=sa.Text)
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))
    sent_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))
