"""`flask --app app kpi worker`: run background jobs in this process until stopped."""

from __future__ import annotations

import logging
import threading

import click
from flask import current_app
from flask.cli import with_appcontext

from kpi.jobs.worker import POLL_SECONDS, run_worker, stop_on_signals


@click.command("worker")
@click.option("--once", is_flag=True, help="做完队列中的任务后退出（不等待新任务）")
@click.option(
    "--poll",
    "poll_seconds",
    type=click.FloatRange(0.05, 60),
    default=POLL_SECONDS,
    show_default=True,
    help="队列为空时每隔多少秒查看一次",
)
@click.option("--lease", "lease_seconds", type=click.FloatRange(1, 3600), default=None, help="任务租约秒数（默认 60）")
@with_appcontext
def worker_command(once: bool, poll_seconds: float, lease_seconds: float | None) -> None:
    """Run export jobs (汇总表, 自评表 zip) until stopped (production: its own service)."""
    current_app.logger  # noqa: B018  (installs Flask's stderr handler on "kpi": our log lines show up)
    logging.getLogger("kpi.jobs").setLevel(logging.INFO)
    app = current_app._get_current_object()
    stop = threading.Event()
    stop_on_signals(stop)
    click.echo("后台任务进程已启动；Ctrl-C 或 SIGTERM 在当前任务完成后停止。")
    ran = run_worker(app, stop, poll_seconds=poll_seconds, once=once, lease_seconds=lease_seconds)
    click.echo(f"后台任务进程已停止，共完成 {ran} 个任务。")
