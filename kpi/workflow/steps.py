"""Moving a report through its states: claim, check on the committed row, apply, audit."""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import Session

from kpi.audit.service import record
from kpi.workflow.claim import claim
from kpi.workflow.kinds import ReportKind
from kpi.workflow.signals import report_transitioned
from kpi.workflow.states import STATUS_LABELS, Conflict, apply_transition, check_transition


def audit_created(session: Session, kind: ReportKind, report, *, user, unit_id: int, what: str) -> None:
    """The audit entry of a report a claim has just created (as a draft)."""
    record(
        session,
        actor=user.username,
        user_id=user.id,
        unit_id=unit_id,
        entity=kind.entity,
        entity_id=report.id,
        action="create",
        field=what,
        new_value=STATUS_LABELS["draft"],
    )


def transition(
    session: Session,
    kind: ReportKind,
    report,
    create: Callable,
    action: str,
    *,
    user,
    expected_version: int | None,
    reason: str | None,
    unit_id: int,
    what: str,
    conflict: Callable[[], Conflict] = Conflict,
    check: Callable[[], None] | None = None,
):
    """送审 / 审核通过 / 退回 / 重新打开 one report; the report, locked and moved on.

    The status is checked again on the row as committed, after the claim: a page loaded
    before someone else's step cannot approve a report that was returned meanwhile.
    `check` (the kind's pre-submit check) runs under the lock, before anything changes.
    Then `report_transitioned` is sent, in the same transaction: whoever listens (the
    reminders) writes its rows beside the step's, and they are committed together."""
    report, created = claim(session, kind, report, create, expected_version, conflict)
    if created:
        audit_created(session, kind, report, user=user, unit_id=unit_id, what=what)
    target, reason = check_transition(report.status, action, reason)
    if check is not None and action == "submit":
        check()
    old_status = apply_transition(report, action, target, reason, user)
    session.add(report)
    record(
        session,
        actor=user.username,
        user_id=user.id,
        unit_id=unit_id,
        entity=kind.entity,
        entity_id=report.id,
        action=action,
        field=f"{what} · 状态",
        old_value=STATUS_LABELS[old_status],
        new_value=STATUS_LABELS[target],
        reason=reason,
    )
    report_transitioned.send(kind, session=session, report=report, action=action, actor=user, what=what)
    return report
