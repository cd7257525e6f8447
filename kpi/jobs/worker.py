"""The worker: takes jobs from the queue (kpi.jobs.queue) one at a time and runs them.

Where it runs:
  - production: its own process, `flask --app app kpi worker` (deploy/systemd/kpi-worker.service,
    the Procfile's worker line). Run one or several, on one host or more: claims never collide.
    Web workers never run jobs, so a gunicorn restart does not kill an export.
  - `python app.py` (make run): a thread inside the one process, started by start_in_process,
    once (not in the debug reloader's watcher, not when KPI_WORKER=off), so the README's two
    commands stay the whole set-up.

A worker killed mid-job (SIGKILL, power cut) leaves its row "running" with a lease that runs
out; the next claim takes it up again and runs it from the start. SIGTERM and Ctrl-C let the
current job finish first (systemd waits TimeoutStopSec for it).
"""

from __future__ import annotations

import logging
import signal
import threading

from flask import Flask
from werkzeug.serving import is_running_from_reloader

from kpi.jobs import queue

log = logging.getLogger(__name__)

POLL_SECONDS = 1.0


def run_worker(
    app: Flask,
    stop: threading.Event,
    *,
    poll_seconds: float = POLL_SECONDS,
    once: bool = False,
    lease_seconds: float | None = None,
) -> int:
    """Run jobs until ``stop`` is set (or, with ``once``, until the queue is empty); how many ran."""
    engine = app.extensions["kpi_engine"]
    lease = lease_seconds or app.config.get("KPI_JOB_LEASE_SECONDS", queue.LEASE_SECONDS)
    worker = queue.worker_name()
    ran = 0
    log.info("worker %s started", worker)
    while not stop.is_set():
        with app.app_context():
            try:
                outcome = queue.work_once(engine, worker, lease)
            except Exception:  # noqa: BLE001  (the database is away: wait and try again)
                log.exception("worker %s could not claim a job", worker)
                outcome = None
        if outcome is None:
            if once:
                break
            stop.wait(poll_seconds)
        else:
            ran += 1
            log.info("worker %s: job %s", worker, outcome)
    log.info("worker %s stopped after %s jobs", worker, ran)
    return ran


def stop_on_signals(stop: threading.Event) -> None:
    """SIGTERM and SIGINT end the loop after the current job."""

    def handler(signum, _frame) -> None:
        log.info("signal %s: stopping after the current job", signum)
        stop.set()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)


def start_in_process(app: Flask) -> threading.Thread | None:
    """Run a worker in a daemon thread of this process (`python app.py`), unless KPI_WORKER=off,
    in the debug reloader's watcher process, or under tests."""
    if app.testing or str(app.config.get("KPI_WORKER", "on")).strip().lower() in ("off", "0", "false", "no"):
        return None
    if app.debug and not is_running_from_reloader():
        return None  # the reloader's watcher only restarts the real server: no jobs there
    thread = threading.Thread(target=run_worker, args=(app, threading.Event()), name="kpi-worker", daemon=True)
    thread.start()
    return thread
