"""Performance indicators (绩效指标), one row per 三级指标."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Optional

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from kpi.db import ExactDecimal, Quantity, utcnow


class Indicator(SQLModel, table=True):
    """A third-level indicator with its parsed target.

    `scope` says which table it belongs to: "unit" is the 单位整体支出绩效目标表,
    "project" is the project's own table (then `budget_line_id` is that project).
    A unit-wide indicator may also link to the project it measures through
    `budget_line_id`. The parsed fields mirror kpi.domain.targets.Target.
    """

    __table_args__ = (
        sa.CheckConstraint("scope IN ('unit', 'project')", name="scope"),
        sa.CheckConstraint("scope = 'unit' OR budget_line_id IS NOT NULL", name="project_scope_has_line"),
        sa.Index("ix_indicator_unit_year_scope", "unit_id", "year_id", "scope", "display_order"),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id")
    year_id: int = Field(foreign_key="fiscal_year.id")
    scope: str = Field(default="unit", max_length=10)
    budget_line_id: Optional[int] = Field(default=None, foreign_key="budget_line.id", index=True)
    level1: str = Field(max_length=100)
    level2: str = Field(max_length=100)
    name: str = Field(max_length=500)
    level1_points: Optional[Decimal] = Field(default=None, sa_type=ExactDecimal(8, 2))
    target_text: str = Field(default="", sa_type=sa.Text)  # 年度指标值, as given
    comparator: Optional[str] = Field(default=None, max_length=2)  # 指标性质
    target_value: Optional[Decimal] = Field(default=None, sa_type=Quantity())
    target_upper: Optional[Decimal] = Field(default=None, sa_type=Quantity())
    unit: Optional[str] = Field(default=None, max_length=50)  # 度量单位
    qualifier: Optional[str] = Field(default=None, max_length=200)
    kind: str = Field(max_length=20)
    direction: str = Field(default="positive", max_length=10)
    target_date_from: Optional[date] = None
    target_date_to: Optional[date] = None
    aggregation: str = Field(max_length=20)
    points: Optional[Decimal] = Field(default=None, sa_type=ExactDecimal(8, 2))  # 分值
    # 季度计划: the planned amount per quarter, when the unit plans unevenly.
    plan_q1: Optional[Decimal] = Field(default=None, sa_type=Quantity())
    plan_q2: Optional[Decimal] = Field(default=None, sa_type=Quantity())
    plan_q3: Optional[Decimal] = Field(default=None, sa_type=Quantity())
    plan_q4: Optional[Decimal] = Field(default=None, sa_type=Quantity())
    display_order: int = 0
    version: int = Field(default=1)  # optimistic locking for later edits
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))
    updated_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))
