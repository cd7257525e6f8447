"""`flask --app app kpi reminders` and `kpi scheduler`: the reminder job by hand, and its own process."""

from __future__ import annotations

import logging
import sys
from datetime import date

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlmodel import Session

from kpi import db
from kpi.core.time import beijing_now, beijing_today, format_date
from kpi.reminders.mailer import deliver_pending
from kpi.reminders.service import run_reminders


@click.command("reminders")
@click.option("--today", "today_text", default=None, metavar="YYYY-MM-DD", help="按这一天运行（默认今天，北京时间）")
@with_appcontext
def reminders_command(today_text: str | None) -> None:
    """Run the reminder job as of a day: raise what is due and not yet raised, then send due e-mail.

    Prints one line per reminder raised; running it again for the same day raises nothing new.
    """
    _log_to_stderr()
    if today_text is None:
        today = beijing_today()
    else:
        try:
            today = date.fromisoformat(today_text.strip())
        except ValueError:
            click.echo(f"错误：日期“{today_text}”无效，应为 YYYY-MM-DD，例如 2023-08-01", err=True)
            sys.exit(1)
    with db.transaction() as session:
        raised = run_reminders(session, today)
    for item in raised:
        click.echo(f"{item.unit_name}\t{item.kind_label}\t{item.stage_label}\t截止 {format_date(item.due_on)}")
    if not raised:
        click.echo("没有新的提醒。")
    with Session(db.engine(), expire_on_commit=False) as session:
        report = deliver_pending(session, beijing_now())
    if report.sent or report.retrying or report.failed:
        click.echo(f"邮件：已发送 {report.sent} 封，待重试 {report.retrying} 封，放弃 {report.failed} 封。", err=True)


@click.command("scheduler")
@with_appcontext
def scheduler_command() -> None:
    """Run the reminder scheduler in this process until stopped (production: its own service)."""
    from apscheduler.schedulers.blocking import BlockingScheduler

    from kpi.reminders.scheduler import TICK_MINUTES, configure, hold_single_instance_lock, new_scheduler

    _log_to_stderr(logging.INFO)
    app = current_app._get_current_object()
    try:
        # PostgreSQL: wait here as a stand-by while another scheduler holds the lock.
        lock = hold_single_instance_lock(app.config["KPI_DATABASE_URL"])  # noqa: F841  (held until exit)
    except KeyboardInterrupt:
        click.echo("提醒调度已停止。")
        return
    scheduler = configure(new_scheduler(BlockingScheduler), app)
    click.echo(f"提醒调度已启动（Asia/Shanghai）：现在运行一次，之后每 {TICK_MINUTES} 分钟运行；Ctrl-C 停止。")
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        pass
    click.echo("提醒调度已停止。")


def _log_to_stderr(level: int = logging.WARNING) -> None:
    # Warnings (an unknown calendar year, a failed e-mail) must reach the operator: the
    # app's logger ("kpi") gets Flask's stderr handler when first used, and ours propagate to it.
    current_app.logger  # noqa: B018  (creating it installs the handler)
    logging.getLogger("kpi.reminders").setLevel(level)
