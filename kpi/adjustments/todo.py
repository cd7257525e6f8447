"""The 目标调整 waiting for someone, for the 待办 page (lent through kpi.reports.contributions).

A unit's 填报人 sees its drafts and the ones returned to it (with the reason), its 审核人 those
to check (待初审), and 财政局 every unit's checked ones to approve (待批复). An adjustment has no
due date: it waits for whoever must act next.
"""

from __future__ import annotations

from sqlmodel import Session, select

from kpi.adjustments.models import STATUS_LABELS, TargetAdjustment
from kpi.budget.models import BudgetLine, FiscalYear, Unit
from kpi.indicators.models import TargetTable
from kpi.reports.contributions import PENDING_ADJUSTMENTS, TodoItem, provide

UNIT_TABLE = "单位整体"
# Who acts on an adjustment in each status: (role, what the 待办 says they do).
WAITING_FOR = {"draft": ("staff", "fill"), "returned": ("staff", "fill"), "submitted": ("reviewer", "review")}


def pending_adjustments(session: Session, user) -> list[TodoItem]:
    if user.can("finance"):
        statuses, scope = ["checked"], None
    elif user.role in ("staff", "reviewer") and user.unit_id is not None:
        statuses = [status for status, (role, _) in WAITING_FOR.items() if role == user.role]
        scope = user.unit_id
    else:
        return []
    query = (
        select(TargetAdjustment, Unit, FiscalYear, BudgetLine)
        .join(Unit, Unit.id == TargetAdjustment.unit_id)
        .join(FiscalYear, FiscalYear.id == TargetAdjustment.year_id)
        .join(TargetTable, TargetTable.id == TargetAdjustment.target_table_id)
        .join(BudgetLine, BudgetLine.id == TargetTable.budget_line_id, isouter=True)
        .where(TargetAdjustment.status.in_(statuses))
        .order_by(TargetAdjustment.updated_at, TargetAdjustment.id)
    )
    if scope is not None:
        query = query.where(TargetAdjustment.unit_id == scope)
    return [
        TodoItem(
            title=f"{year.year} 年目标调整（{line.name if line else UNIT_TABLE}）",
            unit=unit.name,
            state=STATUS_LABELS[adjustment.status],
            link=f"/units/{unit.id}/adjustments/{adjustment.id}",
            note=adjustment.return_reason if adjustment.status == "returned" else None,
            action="approve" if adjustment.status == "checked" else WAITING_FOR[adjustment.status][1],
        )
        for adjustment, unit, year, line in session.exec(query)
    ]


def contribute() -> None:
    """Lend the 待办 page this feature's pending adjustments (kpi.application)."""
    provide(PENDING_ADJUSTMENTS, pending_adjustments)
