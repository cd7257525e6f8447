"""Helpers for the reminder tests: wire the feature into an app, tick, change report statuses, read rows."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import render_template_string
from sqlmodel import Session, select

from kpi import db
from kpi.accounts.access import access
from kpi.accounts.models import User
from kpi.budget import service as budget
from kpi.monitoring.models import MonitoringReport
from kpi.reminders.service import run_reminders
from kpi.results import service as results
from kpi.results.sheet import load_sheet

UNIT_ID, UNIT, YEAR = 2, "深圳市消费者委员会秘书处", 2023


def attach_reminders(app):
    """Register the blueprint and the commands unless kpi/__init__.py and kpi/cli.py already do.

    Also probe pages showing the banner and the unread count, as base.html will once it includes them.
    """
    from kpi.reminders.commands import reminders_command, scheduler_command
    from kpi.reminders.routes import bp

    if "reminders" not in app.blueprints:
        app.register_blueprint(bp)
    kpi_group = app.cli.commands["kpi"]
    for command in (reminders_command, scheduler_command):
        if command.name not in kpi_group.commands:
            kpi_group.add_command(command)
    if "banner_probe" not in app.view_functions:
        app.add_url_rule(
            "/_test/banner",
            "banner_probe",
            access("login")(lambda: render_template_string('{% include "reminders/_banner.html" %}')),
        )
        app.add_url_rule(
            "/_test/unread",
            "unread_probe",
            access("login")(lambda: render_template_string("{{ unread_notifications() }}")),
        )
        app.add_url_rule(
            "/_test/both",
            "both_probe",
            access("login")(
                lambda: render_template_string(
                    '{{ unread_notifications() }}{% include "reminders/_banner.html" %}{{ unread_notifications() }}'
                )
            ),
        )
    return app


def tick(app, day: date, **options):
    """Run the reminder job as of `day` and commit, as the scheduler does."""
    with app.app_context(), db.transaction() as session:
        return run_reminders(session, day, **options)


def all_rows(app, model, *where):
    with app.app_context(), Session(db.engine()) as session:
        return list(session.exec(select(model).where(*where)))


def user(session: Session, username: str) -> User:
    return session.exec(select(User).where(User.username == username)).one()


def quarter_action(app, quarter: int, action: str, username: str, reason: str | None = None) -> None:
    """Submit, return, approve or reopen a quarter through results.service (the real hook runs)."""
    with app.app_context(), db.transaction() as session:
        unit, year = budget.get_unit(session, UNIT), budget.get_year(session, YEAR)
        sheet = load_sheet(session, unit, year, quarter)
        results.transition(session, sheet, action, user=user(session, username), expected_version=None, reason=reason)


def set_monitoring_status(app, status: str) -> None:
    """The monitoring report's status as the monitoring feature would leave it (without its hook)."""
    with app.app_context(), db.transaction() as session:
        year = budget.get_year(session, YEAR)
        report = session.exec(
            select(MonitoringReport).where(MonitoringReport.unit_id == UNIT_ID, MonitoringReport.year_id == year.id)
        ).first()
        report = report or MonitoringReport(unit_id=UNIT_ID, year_id=year.id)
        report.status = status
        session.add(report)


def update_users(app, *where, **values) -> None:
    with app.app_context(), db.transaction() as session:
        session.execute(sa.update(User).where(*where).values(**values))


def add_person(app, username: str, role: str, email: str | None, unit: str = UNIT) -> None:
    from kpi.accounts.service import create_user

    with app.app_context(), db.transaction() as session:
        create_user(
            session, {"username": username, "password": "Other#Pass1", "role": role, "unit": unit, "email": email}
        )


def configure_smtp(app, port: int, **extra) -> None:
    app.config.update(
        {
            "KPI_SMTP_HOST": "127.0.0.1",
            "KPI_SMTP_PORT": port,
            "KPI_SMTP_STARTTLS": False,
            "KPI_MAIL_FROM": "预算绩效系统 <kpi@example.com>",
            **extra,
        }
    )


def set_rules(app, rules: dict, year: int = YEAR) -> None:
    """Store a year's reminder overrides as they are kept (not validated: tests may store bad ones)."""
    with app.app_context(), db.transaction() as session:
        fiscal_year = budget.get_year(session, year)
        fiscal_year.settings = {**fiscal_year.settings, "reminders": rules}
        session.add(fiscal_year)


def mark_digests_sent(app) -> None:
    from kpi.reminders.models import OutboxEmail

    with app.app_context(), db.transaction() as session:
        session.execute(sa.update(OutboxEmail).values(status="sent"))
