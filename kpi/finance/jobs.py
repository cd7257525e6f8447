"""Build the consolidated workbook in the background, with progress (导出任务).

A 1,000-unit 汇总表 takes about a minute: too long for a request. ``start_consolidated`` writes
an ``export_job`` row (queued) and hands its id to ``EXECUTOR``; the worker thread opens its own
session on the app's engine, marks the job running, builds the workbook, commits progress every
``PROGRESS_EVERY`` units in short transactions of its own, writes the file under
KPI_EXPORT_DIR/<year>/汇总/ and marks the job done (with its file) or failed (with the error).

**The database row is the state.** ``EXECUTOR`` is per process: each gunicorn worker has its
own single thread, so jobs started on different workers may run side by side, and any worker
can show any job's page or file because it reads only the row (and KPI_EXPORT_DIR, which all
workers share). A worker that dies mid-build leaves its job "running"; start a new one.

With ``KPI_EXPORT_JOBS_INLINE`` (default: on under TESTING) the job runs inside the request, so
tests are deterministic.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor

import sqlalchemy as sa
from flask import Flask
from sqlmodel import Session

from kpi.budget.models import FiscalYear
from kpi.db import transaction, utcnow
from kpi.finance import service
from kpi.finance.models import ExportJob

log = logging.getLogger(__name__)

EXECUTOR = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kpi-export")
PROGRESS_EVERY = 10  # units between progress commits


def start_consolidated(app: Flask, session: Session, fiscal_year: FiscalYear, user_id: int) -> ExportJob:
    """Queue the year's 汇总表 for ``user_id`` and start it (or run it now, inline)."""
    job = ExportJob(kind="consolidated", year_id=fiscal_year.id, requested_by_id=user_id)
    session.add(job)
    session.commit()
    if app.config.get("KPI_EXPORT_JOBS_INLINE", app.testing):
        run_job(app, job.id)
        session.refresh(job)
    else:
        EXECUTOR.submit(run_job, app, job.id)
    return job


def _update(engine, job_id: int, **values) -> None:
    with transaction(engine) as session:
        session.execute(sa.update(ExportJob).where(ExportJob.id == job_id).values(**values))


def run_job(app: Flask, job_id: int) -> None:
    """Build one queued job to the end; every outcome is written to its row, nothing is raised."""
    with app.app_context():
        engine = app.extensions["kpi_engine"]
        latest: dict[str, int] = {}  # the last progress seen, committed or not (written on failure)
        try:
            with Session(engine, expire_on_commit=False) as session:
                job = session.get(ExportJob, job_id)
                if job is None or job.status != "queued":
                    return
                fiscal_year = session.get(FiscalYear, job.year_id)
                _update(engine, job_id, status="running")
                reported = {"done": -1}

                def progress(done: int, total: int) -> None:
                    latest.update(progress_done=done, progress_total=total)
                    if done == 0 or done == total or done - reported["done"] >= PROGRESS_EVERY:
                        _update(engine, job_id, progress_done=done, progress_total=total)
                        reported["done"] = done

                exported = service.export_consolidated(
                    session, fiscal_year, app.config["KPI_EXPORT_DIR"], progress=progress
                )
            if exported.copy is None:
                raise OSError("无法写入导出目录（KPI_EXPORT_DIR）")
            _update(engine, job_id, status="done", file_path=str(exported.copy), finished_at=utcnow())
        except Exception as error:  # noqa: BLE001  (the page must say what went wrong)
            log.exception("export job %s failed", job_id)
            _update(
                engine,
                job_id,
                status="failed",
                error=f"生成汇总表时出错：{error}"[:2000],
                finished_at=utcnow(),
                **latest,
            )
