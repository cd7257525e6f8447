"""The job queue: rows of export_job, claimed by worker processes with a lease.

Why the database and not a queue server: every deployment already has one, on both engines,
and the row is what the page shows anyway. This is the pattern procrastinate uses on
PostgreSQL:

- ``enqueue`` writes a queued row and commits; nothing runs in the request.
- ``claim`` takes the oldest row that is queued, or running with its lease run out (its
  worker died), in one short transaction: ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so two
  workers never wait on or take the same row. SQLite has no row locks but lets one writer at
  a time; the claim is an UPDATE whose WHERE re-checks the row's state, so of two workers
  racing for a row only one UPDATE matches.
- While the handler runs, a heartbeat renews the lease every third of it, and progress is
  written in short transactions of their own.
- Every later write names the worker (``claimed_by``): a worker whose lease was taken over
  (it stalled, another worker took the job up) can no longer change the row, and learns so
  at its next progress report (LeaseLost), so exactly one run finishes the job.
- A job claimed MAX_ATTEMPTS times without finishing fails instead of killing workers for ever.

Handlers are registered by the features that own the kinds (``register``), so this layer
names no feature.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from kpi.db import transaction, utcnow
from kpi.jobs.models import ExportJob

log = logging.getLogger(__name__)

LEASE_SECONDS = 60
MAX_ATTEMPTS = 3
PROGRESS_EVERY = 10  # units between progress writes


class JobFailed(Exception):
    """A failure the user should read (in Chinese) on the job's page."""


class LeaseLost(Exception):
    """Another worker has taken this job over: stop, and write nothing more."""


@dataclass(frozen=True)
class Built:
    """What a handler made: the file (already in its final place) and its download name."""

    path: Path
    download_name: str


# handler(session, job, params, progress) -> Built; progress(done, total) may raise LeaseLost.
Handler = Callable[[Session, ExportJob, dict, Callable[[int, int], None]], Built]
HANDLERS: dict[str, Handler] = {}


def register(kind: str, handler: Handler) -> None:
    """Let workers run jobs of ``kind`` with ``handler`` (features call this at start-up)."""
    HANDLERS[kind] = handler


def enqueue(session: Session, kind: str, *, year_id: int, user_id: int, params: dict | None = None) -> ExportJob:
    """A queued job of a registered kind, committed: a worker takes it up."""
    if kind not in HANDLERS:
        raise ValueError(f"unknown job kind {kind!r}")
    job = ExportJob(kind=kind, year_id=year_id, requested_by_id=user_id, params=json.dumps(params or {}))
    session.add(job)
    session.commit()
    return job


def worker_name() -> str:
    """This worker's name in ``claimed_by``: host, process and a random part (pids are reused)."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def claim(engine: Engine, worker: str, lease_seconds: float = LEASE_SECONDS) -> int | None:
    """Take the next job for ``worker``; its id, or None when there is nothing to do."""
    now = utcnow()
    claimable = sa.or_(
        ExportJob.status == "queued",
        sa.and_(ExportJob.status == "running", ExportJob.lease_until < now),
    )
    with transaction(engine) as session:
        for job_id in session.exec(
            select(ExportJob.id).where(claimable).order_by(ExportJob.id).limit(5).with_for_update(skip_locked=True)
        ).all():
            taken = session.execute(
                sa.update(ExportJob)
                .where(ExportJob.id == job_id, claimable)
                .values(
                    status="running",
                    claimed_by=worker,
                    lease_until=now + timedelta(seconds=lease_seconds),
                    attempts=ExportJob.attempts + 1,
                    started_at=sa.func.coalesce(ExportJob.started_at, now),
                )
            ).rowcount
            if taken:
                return job_id
    return None


def _write(engine: Engine, job_id: int, worker: str, **values) -> bool:
    """Change the job's row if ``worker`` still holds it; whether it did."""
    with transaction(engine) as session:
        return bool(
            session.execute(
                sa.update(ExportJob)
                .where(ExportJob.id == job_id, ExportJob.claimed_by == worker, ExportJob.status == "running")
                .values(**values)
            ).rowcount
        )


class Heartbeat:
    """Renews a job's lease from a thread of its own, so that a long step (one big query, a
    slow disk) does not let the lease run out; notices when the job was taken over."""

    def __init__(self, engine: Engine, job_id: int, worker: str, lease_seconds: float):
        self.engine, self.job_id, self.worker, self.lease_seconds = engine, job_id, worker, lease_seconds
        self.lost = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"kpi-job-{job_id}-lease", daemon=True)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self.lease_seconds / 3):
            try:
                renewed = _write(
                    self.engine,
                    self.job_id,
                    self.worker,
                    lease_until=utcnow() + timedelta(seconds=self.lease_seconds),
                )
            except Exception:  # noqa: BLE001  (a database blip: the next beat tries again)
                log.warning("job %s: could not renew its lease", self.job_id, exc_info=True)
                continue
            if not renewed:
                self.lost.set()
                return


def run_claimed(engine: Engine, job_id: int, worker: str, lease_seconds: float = LEASE_SECONDS) -> str:
    """Run a job this worker has claimed to its end; its final status ("done", "failed", or
    "lost" when another worker took it over). Never raises: every outcome is on the row."""
    with Session(engine, expire_on_commit=False) as session:
        job = session.get(ExportJob, job_id)
        handler = HANDLERS.get(job.kind)
        if handler is None:
            return _fail(engine, job_id, worker, f"无法处理的任务类型：{job.kind}")
        if job.attempts > MAX_ATTEMPTS:
            return _fail(engine, job_id, worker, f"任务已中断 {MAX_ATTEMPTS} 次，不再重试；请重新生成。")
        params = json.loads(job.params or "{}")
        latest = {"done": -1}
        seen: dict[str, int] = {}  # the last progress reported, written or not: kept on failure
        with Heartbeat(engine, job_id, worker, lease_seconds) as heartbeat:

            def progress(done: int, total: int) -> None:
                if heartbeat.lost.is_set():
                    raise LeaseLost
                seen.update(progress_done=done, progress_total=total)
                if done == 0 or done == total or done - latest["done"] >= PROGRESS_EVERY:
                    if not _write(engine, job_id, worker, progress_done=done, progress_total=total):
                        raise LeaseLost
                    latest["done"] = done

            try:
                built = handler(session, job, params, progress)
            except LeaseLost:
                log.warning("job %s was taken over by another worker; %s stops", job_id, worker)
                return "lost"
            except JobFailed as error:
                return _fail(engine, job_id, worker, str(error), **seen)
            except Exception as error:  # noqa: BLE001  (the page must say what went wrong)
                log.exception("job %s failed", job_id)
                return _fail(engine, job_id, worker, f"生成文件时出错：{error}", **seen)
    finished = _write(
        engine,
        job_id,
        worker,
        status="done",
        file_path=str(built.path),
        download_name=built.download_name,
        finished_at=utcnow(),
        lease_until=None,
    )
    return "done" if finished else "lost"


def _fail(engine: Engine, job_id: int, worker: str, message: str, **values) -> str:
    failed = _write(
        engine, job_id, worker, status="failed", error=message[:2000], finished_at=utcnow(), lease_until=None, **values
    )
    return "failed" if failed else "lost"


def work_once(engine: Engine, worker: str | None = None, lease_seconds: float = LEASE_SECONDS) -> str | None:
    """Claim and run one job; its outcome, or None when the queue is empty."""
    worker = worker or worker_name()
    job_id = claim(engine, worker, lease_seconds)
    return None if job_id is None else run_claimed(engine, job_id, worker, lease_seconds)
