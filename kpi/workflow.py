"""The review workflow every report shares (季度填报, 绩效运行监控, 绩效自评).

draft → submitted (送审) → approved (审核通过); a submitted report can be returned
(退回) and an approved one reopened (重新打开), both only with a reason. Only
draft and returned reports can be edited. Reports carry a `version` for
optimistic locking: every write bumps it with a conditional UPDATE.
"""
from __future__ import annotations

from datetime import datetime
from typing import Callable, Optional, TypeVar

import sqlalchemy as sa
from sqlmodel import Field, Session, SQLModel

from kpi.db import utcnow

STATUS_LABELS = {None: "未填报", "draft": "草稿", "submitted": "已送审", "approved": "审核通过", "returned": "已退回"}
EDITABLE_STATUSES = (None, "draft", "returned")
TRANSITIONS = {
    "submit": ({None, "draft", "returned"}, "submitted"),
    "approve": ({"submitted"}, "approved"),
    "return": ({"submitted"}, "returned"),
    "reopen": ({"approved"}, "returned"),
}
ACTION_LABELS = {"submit": "送审", "approve": "审核通过", "return": "退回", "reopen": "重新打开"}
MAX_REASON = 2000

Report = TypeVar("Report")


class ReviewedReport(SQLModel):
    """Columns every reviewed report has: status, version (optimistic locking), who and when."""

    status: str = Field(default="draft", max_length=10)
    version: int = 1
    submitted_at: Optional[datetime] = Field(default=None, sa_type=sa.DateTime(timezone=True))
    submitted_by_id: Optional[int] = Field(default=None, foreign_key="user.id")
    reviewed_at: Optional[datetime] = Field(default=None, sa_type=sa.DateTime(timezone=True))
    reviewed_by_id: Optional[int] = Field(default=None, foreign_key="user.id")
    review_reason: Optional[str] = Field(default=None, sa_type=sa.Text)
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))
    updated_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))


class ReportError(Exception):
    """An operation on a report that cannot proceed; `message` is Chinese."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class Locked(ReportError):
    pass


class WorkflowError(ReportError):
    pass


class Conflict(ReportError):
    """Someone saved the report after this user opened it (optimistic locking)."""

    def __init__(self, message: str = "其他人已在您打开页面后保存了数据，您的修改尚未保存。请核对最新数值后重新提交。"):
        super().__init__(message)


def locked_message(status: str | None, what: str = "本季度") -> str:
    if status == "approved":
        return f"{what}已审核通过并锁定；如需修改，请审核人重新打开。"
    if status == "submitted":
        return f"{what}已送审，等待审核；如需修改，请审核人退回。"
    return f"{what}当前不可修改。"


def claim(session: Session, model, report: Report | None, create: Callable[[], Report],
          expected_version: int | None, conflict: Callable[[], Conflict] = Conflict) -> tuple[Report, bool]:
    """The report with its version bumped (or newly created), else `conflict()` is raised.

    `expected_version` is the version the user saw (0 for a report not yet created;
    None skips the check but still bumps). Returns (report, created).
    """
    if report is None:
        if expected_version not in (None, 0):
            raise conflict()
        report = create()
        # No SAVEPOINT here: pysqlite sends no BEGIN before one, so on SQLite the first
        # write of a transaction would be committed by its RELEASE and survive a later
        # rollback (a half-written import). Every caller rolls back on Conflict anyway.
        session.add(report)
        try:
            session.flush()
        except sa.exc.IntegrityError:
            raise conflict() from None  # created by someone else a moment ago
        return report, True
    version = report.version if expected_version is None else expected_version
    bumped = session.execute(
        sa.update(model).where(model.id == report.id, model.version == version)
        .values(version=version + 1, updated_at=utcnow())
    )
    if bumped.rowcount != 1:
        raise conflict()
    session.refresh(report)
    return report, False


def check_transition(status: str | None, action: str, reason: str | None) -> tuple[str, str | None]:
    """The target status and the cleaned reason, or WorkflowError (returning and reopening need a reason)."""
    allowed, target = TRANSITIONS[action]
    if status not in allowed:
        raise WorkflowError(f"当前状态为“{STATUS_LABELS[status]}”，不能{ACTION_LABELS[action]}。")
    reason = (reason or "").strip() or None
    if action in ("return", "reopen") and not reason:
        raise WorkflowError(f"{ACTION_LABELS[action]}必须填写原因。")
    if reason and len(reason) > MAX_REASON:
        raise WorkflowError(f"原因过长（最多 {MAX_REASON} 字）。")
    return target, reason


def apply_transition(report, action: str, target: str, reason: str | None, user) -> str | None:
    """Set the new status and who/when fields on the report; returns the old status."""
    old_status = report.status
    report.status = target
    now = utcnow()
    if action == "submit":
        report.submitted_at, report.submitted_by_id = now, user.id
    else:
        report.reviewed_at, report.reviewed_by_id = now, user.id
        report.review_reason = reason if action in ("return", "reopen") else None
    return old_status
