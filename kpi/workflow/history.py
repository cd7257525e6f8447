"""A report's approval history (审批记录): every 提交 / 退回 / 审核通过 / 重新打开, who, when, why.

The audit trail already holds each step, written in the transaction that took it, so the
history is read from it rather than kept twice; the person's name comes from their account.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session

from kpi.accounts.models import User
from kpi.audit.models import AuditEvent
from kpi.core.people import person
from kpi.core.time import format_date, format_datetime

STEP_LABELS = {"submit": "提交", "return": "退回", "approve": "审核通过", "reopen": "重新打开"}


@dataclass(frozen=True)
class Step:
    action: str
    at: datetime
    login: str
    name: str  # the display name, or the login when the account has none
    reason: str | None

    @property
    def label(self) -> str:
        return STEP_LABELS[self.action]

    @property
    def person(self) -> str:
        """ "李华（szcc_reviewer）": the name and the login, as the history shows them."""
        return person(self.name, self.login)

    @property
    def when(self) -> str:
        return format_datetime(self.at)


def approval_history(session: Session, entity: str, report_id: int | None) -> list[Step]:
    """The report's review steps, oldest first; [] for a report not created yet."""
    if report_id is None:
        return []
    rows = session.execute(_STEPS, {"entity": entity, "report_id": report_id})
    return [Step(action, at, login, name or login, reason) for action, at, login, name, reason in rows]


# Built once: every report page (the entry form on each request) reads its history.
_STEPS = (
    sa.select(AuditEvent.action, AuditEvent.occurred_at, AuditEvent.actor, User.display_name, AuditEvent.reason)
    .outerjoin(User, User.id == AuditEvent.user_id)
    .where(
        AuditEvent.entity == sa.bindparam("entity"),
        AuditEvent.entity_id == sa.bindparam("report_id"),
        AuditEvent.action.in_(tuple(STEP_LABELS)),
    )
    .order_by(AuditEvent.id)
)


def final_approval(steps: list[Step]) -> Step | None:
    """The step that approved the report as it stands (审核人, 审核日期), or None if it is not approved."""
    return steps[-1] if steps and steps[-1].action == "approve" else None


@dataclass(frozen=True)
class SignOff:
    """The sign-off block a printed report ends with (docs/rules/layouts.md §7): who filed it and who approved it."""

    filed_by: str = ""
    filed_on: str = ""
    approved_by: str = ""
    approved_on: str = ""


def sign_off(steps: list[Step]) -> SignOff:
    """The latest submission, and the final approval when the report stands approved."""
    submitted = next((step for step in reversed(steps) if step.action == "submit"), None)
    approved = final_approval(steps)
    return SignOff(
        filed_by=submitted.name if submitted else "",
        filed_on=format_date(submitted.at) if submitted else "",
        approved_by=approved.name if approved else "",
        approved_on=format_date(approved.at) if approved else "",
    )
