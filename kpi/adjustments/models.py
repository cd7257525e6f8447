"""Target adjustments (绩效目标调整) and the versions of an indicator's target they leave.

Flow (docs/rules/lifecycle.md §3): staff propose (草稿 → 待初审), the unit's reviewer checks
(→ 待批复) or returns, finance approves (→ 已批复) or returns. Each step is an audit
event (kpi.audit), which is also the history the adjustment page shows.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from kpi.db import ExactDecimal, Quantity, utcnow

STATUS_LABELS = {
    "draft": "草稿",
    "submitted": "待初审",
    "checked": "待批复",
    "approved": "已批复",
    "returned": "已退回",
}


class TargetAdjustment(SQLModel, table=True):
    """One application to change targets/points of one approved target table."""

    __tablename__ = "target_adjustment"
    __table_args__ = (
        sa.CheckConstraint("status IN ('draft', 'submitted', 'checked', 'approved', 'returned')", name="status"),
        sa.Index("ix_target_adjustment_unit_year_status", "unit_id", "year_id", "status"),
    )
    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id")
    year_id: int = Field(foreign_key="fiscal_year.id")
    target_table_id: int = Field(foreign_key="target_table.id", index=True)
    status: str = Field(default="draft", max_length=10)
    version: int = 1  # optimistic locking: every write bumps it with a conditional UPDATE
    reason: str = Field(sa_type=sa.Text)  # 调整原因
    basis: str = Field(max_length=500)  # 调整依据, e.g. the budget adjustment's document number
    return_reason: str | None = Field(default=None, sa_type=sa.Text)  # the latest 退回 reason
    created_by_id: int = Field(foreign_key="user.id")
    submitted_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    checked_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    checked_by_id: int | None = Field(default=None, foreign_key="user.id")
    approved_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    approved_by_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))
    updated_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]


class TargetAdjustmentItem(SQLModel, table=True):
    """One indicator's proposed change. A None new value leaves that field as it is.

    `old_*` are the values when proposed: approval refuses if the indicator moved on
    since (another adjustment approved meanwhile), so nothing is overwritten unseen.
    """

    __tablename__ = "target_adjustment_item"
    __table_args__ = (sa.UniqueConstraint("adjustment_id", "indicator_id"),)
    id: int | None = Field(default=None, primary_key=True)
    adjustment_id: int = Field(foreign_key="target_adjustment.id", index=True)
    indicator_id: int = Field(foreign_key="indicator.id", index=True)
    old_target_text: str = Field(sa_type=sa.Text)
    old_points: Decimal | None = Field(default=None, sa_type=ExactDecimal(8, 2))
    new_target_text: str | None = Field(default=None, sa_type=sa.Text)
    new_points: Decimal | None = Field(default=None, sa_type=ExactDecimal(8, 2))


class IndicatorVersion(SQLModel, table=True):
    """Every approved state of an indicator's target: number 1 is 年初 (as first approved),
    each approved adjustment adds the next. The Indicator row always holds the newest."""

    __tablename__ = "indicator_version"
    __table_args__ = (sa.UniqueConstraint("indicator_id", "number"),)
    id: int | None = Field(default=None, primary_key=True)
    indicator_id: int = Field(foreign_key="indicator.id", index=True)
    number: int
    adjustment_id: int | None = Field(default=None, foreign_key="target_adjustment.id")
    target_text: str = Field(sa_type=sa.Text)
    comparator: str | None = Field(default=None, max_length=2)
    target_value: Decimal | None = Field(default=None, sa_type=Quantity())
    target_upper: Decimal | None = Field(default=None, sa_type=Quantity())
    unit: str | None = Field(default=None, max_length=50)
    qualifier: str | None = Field(default=None, max_length=200)
    kind: str = Field(max_length=20)
    direction: str = Field(max_length=10)
    target_date_from: date | None = None
    target_date_to: date | None = None
    points: Decimal | None = Field(default=None, sa_type=ExactDecimal(8, 2))
    approved_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
