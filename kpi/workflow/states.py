"""The states every reviewed report shares (季度填报, 绩效运行监控, 绩效自评): docs/workflow.md.

draft → submitted (送审) → approved (审核通过); a submitted report can be returned
(退回) and an approved one reopened (重新打开), both only with a reason. Reopened is a
state of its own, not a return: the finance desk counts returns, and a reopened report
was approved once. Only draft, returned and reopened reports can be edited.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from kpi.db import utcnow

STATUS_LABELS = {
    None: "未填报",
    "draft": "草稿",
    "submitted": "已送审",
    "approved": "审核通过",
    "returned": "已退回",
    "reopened": "已重新打开",
}
STATUSES = ("draft", "submitted", "approved", "returned", "reopened")
STATUS_CHECK = "status IN ({})".format(", ".join(f"'{status}'" for status in STATUSES))
EDITABLE_STATUSES = (None, "draft", "returned", "reopened")
TRANSITIONS = {
    "submit": (set(EDITABLE_STATUSES), "submitted"),
    "approve": ({"submitted"}, "approved"),
    "return": ({"submitted"}, "returned"),
    "reopen": ({"approved"}, "reopened"),
}
ACTION_LABELS = {"submit": "送审", "approve": "审核通过", "return": "退回", "reopen": "重新打开"}
MAX_REASON = 2000


class ReviewedReport(SQLModel):
    """Columns every reviewed report has: status, version (optimistic locking), who and when."""

    status: str = Field(default="draft", max_length=10)
    version: int = 1
    submitted_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    submitted_by_id: int | None = Field(default=None, foreign_key="user.id")
    reviewed_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    reviewed_by_id: int | None = Field(default=None, foreign_key="user.id")
    review_reason: str | None = Field(default=None, sa_type=sa.Text)
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
    """Someone saved the report after this user opened it (optimistic locking).

    Raised by kpi.workflow.claim with the report still locked, so that a caller may merge
    against what is committed and go on (kpi.results.service does) instead of rolling back."""

    def __init__(self, message: str = "其他人已在您打开页面后保存了数据，您的修改尚未保存。请核对最新数值后重新提交。"):
        super().__init__(message)


def locked_message(status: str | None, what: str = "本季度") -> str:
    if status == "approved":
        return f"{what}已审核通过并锁定；如需修改，请审核人重新打开。"
    if status == "submitted":
        return f"{what}已送审，等待审核；如需修改，请审核人退回。"
    return f"{what}当前不可修改。"


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
