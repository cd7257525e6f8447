"""Background jobs (导出任务): one row per job, and the row *is* the job's state.

The page reads status and progress from the row; the worker process that runs the job writes
them (kpi/jobs/queue.py). Nothing lives only in one process's memory, so any web worker can
show any job, and a job outlives the worker that started it.

A worker holds a job by its lease: ``claimed_by`` names the worker and ``lease_until`` says
until when. The worker renews the lease while it runs; a job whose lease has run out is
"running" in name only (its worker died) and the next worker takes it up again.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from kpi.db import utcnow

JOB_STATUSES = ("queued", "running", "done", "failed")


class ExportJob(SQLModel, table=True):
    """One file built in the background for one user; progress counts units."""

    __tablename__ = "export_job"
    __table_args__ = (sa.CheckConstraint("status IN ('queued', 'running', 'done', 'failed')", name="status"),)
    id: int | None = Field(default=None, primary_key=True)
    # The registered kind (kpi.jobs.queue.register): which handler builds the file.
    kind: str = Field(default="consolidated", max_length=20)
    year_id: int = Field(foreign_key="fiscal_year.id")
    requested_by_id: int = Field(foreign_key="user.id", index=True)
    # The handler's arguments as JSON (e.g. the chosen unit ids); "{}" when it needs none.
    params: str = Field(default="{}", sa_type=sa.Text)
    status: str = Field(default="queued", max_length=10, index=True)
    progress_done: int = 0
    progress_total: int = 0
    attempts: int = 0  # how many times a worker has claimed it (a second claim: its worker died)
    claimed_by: str | None = Field(default=None, max_length=100)
    lease_until: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    file_path: str | None = Field(default=None, max_length=1000)
    download_name: str | None = Field(default=None, max_length=255)
    error: str | None = Field(default=None, sa_type=sa.Text)
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))
    started_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    finished_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))

    @property
    def finished(self) -> bool:
        return self.status in ("done", "failed")
