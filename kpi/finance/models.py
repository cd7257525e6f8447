"""Background export jobs (导出任务): the finance bureau's consolidated workbook, built off the request.

The row *is* the job's state: the web page reads status and progress from it, and the worker
thread that builds the workbook writes them (kpi/finance/jobs.py). Nothing lives only in memory.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from kpi.db import utcnow

JOB_STATUSES = ("queued", "running", "done", "failed")
JOB_KINDS = ("consolidated",)


class ExportJob(SQLModel, table=True):
    """One workbook built in the background for one user; progress counts units."""

    __tablename__ = "export_job"
    __table_args__ = (
        sa.CheckConstraint("status IN ('queued', 'running', 'done', 'failed')", name="status"),
        sa.CheckConstraint("kind IN ('consolidated')", name="kind"),
    )
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(default="consolidated", max_length=20)
    year_id: int = Field(foreign_key="fiscal_year.id")
    requested_by_id: int = Field(foreign_key="user.id", index=True)
    status: str = Field(default="queued", max_length=10)
    progress_done: int = 0
    progress_total: int = 0
    file_path: str | None = Field(default=None, max_length=1000)
    error: str | None = Field(default=None, sa_type=sa.Text)
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))
    finished_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))

    @property
    def finished(self) -> bool:
        return self.status in ("done", "failed")
