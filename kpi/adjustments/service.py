"""Use cases for 绩效目标调整: propose, submit, check, approve, return_ (docs/rules/lifecycle.md §3).

Every write bumps the adjustment's `version` with a conditional UPDATE (optimistic
locking) and records audit events in the same transaction; the caller commits, and
rolls back on any AdjustmentError. Approval is the only step that touches indicators:
it moves their target/points to the adjusted values, keeping 年初 and every version.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, select

from kpi.adjustments.models import STATUS_LABELS, IndicatorVersion, TargetAdjustment, TargetAdjustmentItem
from kpi.adjustments.schemas import MAX_REASON, Proposal
from kpi.audit.service import record
from kpi.core.rows import lock_row
from kpi.db import utcnow
from kpi.domain.aggregation import infer_aggregation
from kpi.domain.targets import parse_target
from kpi.formatting import format_number
from kpi.indicators.models import Indicator, TargetTable
from kpi.indicators.service import apply_target
from kpi.workflow import bump

EDITABLE = ("draft", "returned")
# step -> (statuses it may start from, status it leads to, Chinese label)
STEPS = {
    "propose": (("draft", "returned"), None, "保存调整申请"),
    "submit": (("draft", "returned"), "submitted", "提交初审"),
    "check": (("submitted",), "checked", "通过初审"),
    "review_return": (("submitted",), "returned", "退回"),
    "approve": (("checked",), "approved", "批复"),
    "finance_return": (("checked",), "returned", "退回"),
}
ENTITY = "target_adjustment"


class AdjustmentError(Exception):
    """A step that cannot proceed; `message` is Chinese. Nothing has been written."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class AdjustmentConflict(AdjustmentError):
    def __init__(
        self,
        message: str = "该调整申请已被他人修改或处理（在您打开页面之后），本次操作未执行。请查看最新内容和状态后重试。",
    ):
        super().__init__(message)


NOT_APPROVED = "该指标表尚未批复，不需要申请调整：批复前可在指标设置中直接修改年度指标值和分值。"


def propose(
    session: Session,
    table: TargetTable | None,
    proposal: Proposal,
    *,
    user,
    adjustment: TargetAdjustment | None = None,
    expected_version: int | None = None,
) -> TargetAdjustment:
    """Create a draft adjustment of `table`, or change a draft/returned one; returns it."""
    if table is None or not table.is_approved:
        raise AdjustmentError(NOT_APPROVED)
    if adjustment is None:
        adjustment = TargetAdjustment(
            unit_id=table.unit_id,
            year_id=table.year_id,
            target_table_id=table.id,
            reason=proposal.reason,
            basis=proposal.basis,
            created_by_id=user.id,
        )
        session.add(adjustment)
        session.flush()
    else:
        _claim(session, adjustment, expected_version)
        _check_step(adjustment, "propose")
        adjustment.reason, adjustment.basis = proposal.reason, proposal.basis
    indicators = {row.id: row for row in session.exec(select(Indicator).where(Indicator.id.in_(proposal.changes)))}
    if len(indicators) != len(proposal.changes) or not all(_in_table(row, table) for row in indicators.values()):
        raise AdjustmentError("调整的指标不属于该指标表。")
    existing = {item.indicator_id: item for item in items_of(session, adjustment)}
    for indicator_id, item in existing.items():
        if indicator_id not in proposal.changes:
            session.delete(item)
    for indicator_id, (new_target, new_points) in proposal.changes.items():
        indicator = indicators[indicator_id]
        item = existing.get(indicator_id) or TargetAdjustmentItem(
            adjustment_id=adjustment.id, indicator_id=indicator_id
        )
        # The values the proposal starts from: approval refuses if they have moved on since.
        item.old_target_text, item.old_points = indicator.target_text, indicator.points
        item.new_target_text, item.new_points = new_target, new_points
        session.add(item)
        for label, old, new in _item_fields(item):
            _audit(
                session,
                adjustment,
                user,
                "propose",
                field=f"{indicator.name} · 调整后{label}",
                old=old,
                new=new,
                reason=proposal.reason,
            )
    _audit(session, adjustment, user, "propose", new=f"调整依据：{proposal.basis}", reason=proposal.reason)
    session.add(adjustment)
    session.flush()
    return adjustment


def _in_table(indicator: Indicator, table: TargetTable) -> bool:
    line = indicator.budget_line_id if indicator.scope == "project" else None
    return (indicator.unit_id, indicator.year_id, indicator.scope, line) == (
        table.unit_id,
        table.year_id,
        table.scope,
        table.budget_line_id,
    )


def submit(session: Session, adjustment: TargetAdjustment, *, user, expected_version: int | None) -> None:
    _move(session, adjustment, "submit", user, expected_version)
    adjustment.submitted_at = utcnow()


def check(session: Session, adjustment: TargetAdjustment, *, user, expected_version: int | None) -> None:
    """The unit's reviewer passes the proposal on to finance (通过初审)."""
    _move(session, adjustment, "check", user, expected_version)
    adjustment.checked_at, adjustment.checked_by_id = utcnow(), user.id


def return_(
    session: Session, adjustment: TargetAdjustment, *, user, expected_version: int | None, reason: str | None, by: str
) -> None:
    """Send it back to the unit with a reason: by the reviewer ("review") or finance ("finance")."""
    reason = (reason or "").strip()
    if not reason:
        raise AdjustmentError("退回必须填写原因。")
    if len(reason) > MAX_REASON:
        raise AdjustmentError(f"退回原因过长（最多 {MAX_REASON} 字）。")
    _move(
        session,
        adjustment,
        "review_return" if by == "review" else "finance_return",
        user,
        expected_version,
        reason=reason,
    )
    adjustment.return_reason = reason


def approve(session: Session, adjustment: TargetAdjustment, *, user, expected_version: int | None) -> None:
    """Finance approves (批复): the indicators take the adjusted target/points from now on."""
    _move(session, adjustment, "approve", user, expected_version)
    now = utcnow()
    adjustment.approved_at, adjustment.approved_by_id = now, user.id
    table = session.get(TargetTable, adjustment.target_table_id)
    for item in items_of(session, adjustment):
        _apply(session, adjustment, item, table, user, now)


def _apply(
    session: Session, adjustment: TargetAdjustment, item: TargetAdjustmentItem, table: TargetTable, user, now: datetime
) -> None:
    indicator = session.get(Indicator, item.indicator_id, populate_existing=True)
    if (indicator.target_text, indicator.points) != (item.old_target_text, item.old_points):
        raise AdjustmentError(
            f"指标“{indicator.name}”的现行指标值或分值在本申请提出后已改变（可能另一项调整已批复），"
            "不能按本申请批复。请退回，由单位核对后重新提交。"
        )
    bumped = session.execute(
        sa.update(Indicator)
        .where(Indicator.id == indicator.id, Indicator.version == indicator.version)
        .values(version=indicator.version + 1, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if bumped.rowcount != 1:
        raise AdjustmentConflict("指标在批复的同时被他人修改，本次批复未执行。请刷新页面后重试。")
    session.refresh(indicator)
    numbers = session.exec(select(IndicatorVersion.number).where(IndicatorVersion.indicator_id == indicator.id)).all()
    if not numbers:  # the first adjustment: keep the year's starting (年初) target as version 1
        session.add(_version_of(indicator, 1, None, table.approved_at))
        numbers = [1]
    if not indicator.is_adjusted:
        indicator.original_target_text, indicator.original_points = indicator.target_text, indicator.points
    reason = f"绩效目标调整（第 {adjustment.id} 号）已批复：{adjustment.reason}（依据：{adjustment.basis}）"
    if item.new_target_text is not None:
        target = parse_target(item.new_target_text)
        _audit_indicator(session, indicator, user, "年度指标值", indicator.target_text, target.text, reason)
        old_kind = indicator.kind
        indicator.target_text = target.text
        apply_target(indicator, target)
        if indicator.kind != old_kind:  # the unit's rule fitted the old kind only: infer it as imports do
            indicator.aggregation = infer_aggregation(indicator.name, target).value
    if item.new_points is not None:
        _audit_indicator(session, indicator, user, "分值", indicator.points, item.new_points, reason)
        indicator.points = item.new_points
    session.add(indicator)
    session.add(_version_of(indicator, max(numbers) + 1, adjustment.id, now))


def _version_of(indicator: Indicator, number: int, adjustment_id: int | None, approved_at) -> IndicatorVersion:
    return IndicatorVersion(
        indicator_id=indicator.id,
        number=number,
        adjustment_id=adjustment_id,
        approved_at=approved_at,
        target_text=indicator.target_text,
        comparator=indicator.comparator,
        target_value=indicator.target_value,
        target_upper=indicator.target_upper,
        unit=indicator.unit,
        qualifier=indicator.qualifier,
        kind=indicator.kind,
        direction=indicator.direction,
        target_date_from=indicator.target_date_from,
        target_date_to=indicator.target_date_to,
        points=indicator.points,
    )


def latest_adjustment_approved_at(session: Session, unit_id: int, year_id: int) -> datetime | None:
    """When the unit's newest approved adjustment of the year was approved (None: never).

    A report approved before this moment was approved with targets that have changed since."""
    return session.exec(
        select(sa.func.max(TargetAdjustment.approved_at)).where(
            TargetAdjustment.unit_id == unit_id,
            TargetAdjustment.year_id == year_id,
            TargetAdjustment.status == "approved",
        )
    ).one()


def items_of(session: Session, adjustment: TargetAdjustment) -> list[TargetAdjustmentItem]:
    return list(
        session.exec(
            select(TargetAdjustmentItem)
            .where(TargetAdjustmentItem.adjustment_id == adjustment.id)
            .order_by(TargetAdjustmentItem.id)
        )
    )


def _check_step(adjustment: TargetAdjustment, step: str) -> None:
    allowed, _target, label = STEPS[step]
    if adjustment.status not in allowed:
        raise AdjustmentError(f"当前状态为“{STATUS_LABELS[adjustment.status]}”，不能{label}。")


def _move(
    session: Session,
    adjustment: TargetAdjustment,
    step: str,
    user,
    expected_version: int | None,
    reason: str | None = None,
) -> None:
    # The version first: a page opened before someone else's step gets the conflict message,
    # which says more than "wrong state". The caller rolls the bump back on any refusal.
    _claim(session, adjustment, expected_version)
    _check_step(adjustment, step)
    old = adjustment.status
    adjustment.status = STEPS[step][1]
    session.add(adjustment)
    _audit(
        session,
        adjustment,
        user,
        step.removeprefix("review_").removeprefix("finance_"),
        field="状态",
        old=STATUS_LABELS[old],
        new=STATUS_LABELS[adjustment.status],
        reason=reason,
    )


def _claim(session: Session, adjustment: TargetAdjustment, expected_version: int | None) -> None:
    """Lock the adjustment as committed and bump the version the user saw (kpi.workflow), or
    AdjustmentConflict; nothing in memory changes on failure."""
    if expected_version is None:
        raise AdjustmentConflict()
    locked = lock_row(session, TargetAdjustment, adjustment.id)  # the same object: refreshed in place
    if locked.version != expected_version:
        raise AdjustmentConflict()
    bump(session, TargetAdjustment, locked)


def _item_fields(item: TargetAdjustmentItem):
    if item.new_target_text is not None:
        yield "指标值", item.old_target_text, item.new_target_text
    if item.new_points is not None:
        yield "分值", _points_text(item.old_points), _points_text(item.new_points)


def _points_text(value) -> str | None:
    return None if value is None else format_number(value)


def _audit(
    session: Session,
    adjustment: TargetAdjustment,
    user,
    action: str,
    *,
    field: str | None = None,
    old=None,
    new=None,
    reason: str | None = None,
) -> None:
    record(
        session,
        actor=user.username,
        user_id=user.id,
        unit_id=adjustment.unit_id,
        entity=ENTITY,
        entity_id=adjustment.id,
        action=action,
        field=field,
        old_value=old,
        new_value=new,
        reason=reason,
    )


def _audit_indicator(session: Session, indicator: Indicator, user, field: str, old, new, reason: str) -> None:
    record(
        session,
        actor=user.username,
        user_id=user.id,
        unit_id=indicator.unit_id,
        entity="indicator",
        entity_id=indicator.id,
        action="adjust",
        field=field,
        old_value=_points_text(old) if field == "分值" else old,
        new_value=_points_text(new) if field == "分值" else new,
        reason=reason,
    )
