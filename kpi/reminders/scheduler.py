"""The clock that ticks the reminder job (APScheduler 3.11, Asia/Shanghai).

The scheduler holds no state: jobs live in memory and are added afresh at each
start, because everything that matters is in the database (docs/engineering.md §1). A tick
runs at start-up and then every TICK_MINUTES: it raises what is due today and not
yet raised (catching up after downtime), then sends the digests that are due.
Ticks are idempotent, so an extra one (a restart, a second process) does no harm.
Every CHECKPOINT_HOURS it also anchors the audit trail (kpi.audit.checkpoints): a signed
line with its row count and newest hash, which `kpi audit verify` checks the trail against.

Where it runs:
  - `python app.py` (make run): inside the web process, started by start_in_process(app),
    once: not in the debug reloader's watcher process, not under tests;
  - production: its own process, `flask --app app kpi scheduler` (gunicorn workers never
    start one, so N workers do not make N schedulers).

Only one scheduler acts. On PostgreSQL the `kpi scheduler` process first takes a
session-level advisory lock on a dedicated connection (hold_single_instance_lock). A
second scheduler (started by mistake on another host) does not exit: it logs that
another scheduler is active and retries every minute, so it is a ready stand-by that
takes over when the first dies (its connection closes and PostgreSQL releases the lock).
Exiting instead would make systemd's Restart= loop or leave no stand-by at all. The
tick stays idempotent anyway, so the lock is about quiet logs and one e-mail sender,
not correctness. SQLite gets no lock: it is a single-machine database, and the tick's
unique keys already make a second process harmless there.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time
from collections.abc import Callable

import sqlalchemy as sa
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from flask import Flask
from sqlmodel import Session
from werkzeug.serving import is_running_from_reloader

from kpi import db
from kpi.audit.checkpoints import CheckpointRefused, write_checkpoint
from kpi.core.time import SHANGHAI, beijing_now, beijing_today
from kpi.reminders.mailer import deliver_pending
from kpi.reminders.service import run_reminders

log = logging.getLogger(__name__)

JOB_ID = "kpi-reminders-tick"
# Fixed advisory-lock key for "the reminder scheduler" (ASCII "KPI_SCHD"); any int64 would do,
# it only has to be the same in every scheduler process and unused by anything else.
SCHEDULER_LOCK_KEY = 0x4B50495F53434844
LOCK_RETRY_SECONDS = 60
TICK_MINUTES = 15
CHECKPOINT_JOB_ID = "kpi-audit-checkpoint"
CHECKPOINT_HOURS = 1
_tick_lock = threading.Lock()  # one tick at a time in this process


def tick(app: Flask) -> None:
    """Raise today's reminders (Asia/Shanghai), then deliver due e-mail. Never raises."""
    if not _tick_lock.acquire(blocking=False):
        log.info("上一次提醒任务仍在运行，本次跳过")
        return
    try:
        with app.app_context():
            try:
                with db.transaction() as session:
                    raised = run_reminders(session, beijing_today())
                if raised:
                    log.info("已发出 %s 条提醒", len(raised))
            except Exception:
                log.exception("提醒任务出错，将在下次运行时重试")
            with Session(db.engine(), expire_on_commit=False) as session:
                deliver_pending(session, beijing_now())
    finally:
        _tick_lock.release()


def checkpoint(app: Flask) -> None:
    """Append an audit checkpoint. Never raises: a refusal means tampering or a damaged file,
    so it is logged as an error for the operator (kpi audit verify says what is wrong)."""
    with app.app_context():
        try:
            with Session(db.engine()) as session, session.begin():
                write_checkpoint(session, app.config["KPI_EXPORT_DIR"], app.config["KPI_AUDIT_KEY"])
        except CheckpointRefused as refused:
            log.error("审计检查点未写入：%s %s", refused.message, "；".join(refused.problems))
        except Exception:
            log.exception("审计检查点任务出错，将在下次运行时重试")


def configure(scheduler: BaseScheduler, app: Flask) -> BaseScheduler:
    """Add the tick (now, then every TICK_MINUTES) and the audit checkpoint (every
    CHECKPOINT_HOURS). Memory job store; coalesce; no misfire limit."""
    if scheduler.get_job(JOB_ID) is None:
        scheduler.add_job(
            tick,
            "interval",
            minutes=TICK_MINUTES,
            args=[app],
            id=JOB_ID,
            next_run_time=beijing_now(),
            coalesce=True,
            misfire_grace_time=None,
            max_instances=1,
        )
    if scheduler.get_job(CHECKPOINT_JOB_ID) is None:
        scheduler.add_job(
            checkpoint,
            "interval",
            hours=CHECKPOINT_HOURS,
            args=[app],
            id=CHECKPOINT_JOB_ID,
            coalesce=True,
            misfire_grace_time=None,
            max_instances=1,
        )
    return scheduler


def new_scheduler(cls=BackgroundScheduler) -> BaseScheduler:
    return cls(timezone=SHANGHAI, job_defaults={"coalesce": True, "misfire_grace_time": None, "max_instances": 1})


def should_run_in_process(app: Flask) -> bool:
    """Only in the process that serves: never under tests, or with KPI_SCHEDULER=off, or in the reloader's watcher."""
    if app.testing or str(app.config.get("KPI_SCHEDULER", "on")).strip().lower() in ("off", "0", "false", "no"):
        return False
    return not app.debug or is_running_from_reloader()


def start_in_process(app: Flask) -> BaseScheduler | None:
    """Start the background scheduler in this process (make run); returns it, or None when it should not run."""
    if not should_run_in_process(app) or "kpi_scheduler" in app.extensions:
        return app.extensions.get("kpi_scheduler")
    app.logger  # noqa: B018  (installs Flask's stderr handler on "kpi": the tick's log lines show up)
    if logging.getLogger("kpi.reminders").level == logging.NOTSET:
        logging.getLogger("kpi.reminders").setLevel(logging.INFO)
    scheduler = configure(new_scheduler(), app)
    scheduler.start()
    app.extensions["kpi_scheduler"] = scheduler
    atexit.register(lambda: scheduler.shutdown(wait=False) if scheduler.running else None)
    log.info("提醒调度已在本进程启动：启动时运行一次，之后每 %s 分钟运行", TICK_MINUTES)
    return scheduler


def lock_retry_seconds() -> float:
    """Seconds between attempts of a stand-by scheduler (KPI_SCHEDULER_LOCK_RETRY, default 60)."""
    value = os.environ.get("KPI_SCHEDULER_LOCK_RETRY", "").strip()
    return float(value) if value else LOCK_RETRY_SECONDS


def hold_single_instance_lock(
    url: str, retry_seconds: float | None = None, sleep: Callable[[float], None] = time.sleep
) -> sa.Connection | None:
    """Block until this process holds the scheduler's advisory lock; return the connection holding it.

    PostgreSQL only (None for SQLite, see the module docstring). The connection is
    dedicated (no pool: a pooled connection could be handed back with the lock still
    on it) and in autocommit, so it never sits idle in a transaction. Keep it open for
    the life of the process; closing it, or the process dying, releases the lock.
    """
    if sa.make_url(url).get_backend_name() != "postgresql":
        return None
    retry = lock_retry_seconds() if retry_seconds is None else retry_seconds
    engine = sa.create_engine(
        url,
        poolclass=sa.NullPool,
        isolation_level="AUTOCOMMIT",
        connect_args={"application_name": f"kpi-scheduler pid={os.getpid()}"},
    )
    announced = False
    while True:
        conn = engine.connect()
        if conn.scalar(sa.text("SELECT pg_try_advisory_lock(:key)"), {"key": SCHEDULER_LOCK_KEY}):
            log.info(
                "已取得提醒调度锁（PostgreSQL advisory lock %s），本进程负责发出提醒 / "
                "scheduler lock acquired, this process raises reminders",
                SCHEDULER_LOCK_KEY,
            )
            return conn
        conn.close()
        if not announced:
            log.warning(
                "另一个提醒调度进程正在运行，本进程待命，每 %s 秒重试 / another scheduler is active; "
                "standing by, retrying every %s s",
                retry,
                retry,
            )
            announced = True
        sleep(retry)
