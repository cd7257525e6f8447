"""Performance indicators (绩效指标), one row per 三级指标."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

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
    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id")
    year_id: int = Field(foreign_key="fiscal_year.id")
    scope: str = Field(default="unit", max_length=10)
    budget_line_id: int | None = Field(default=None, foreign_key="budget_line.id", index=True)
    # 同一指标: a unit-table row that repeats a project's indicator (same 三级指标, same 年初指标值)
    # is that indicator; its figures are the project row's, entered once (kpi/indicators/links.py).
    same_as_id: int | None = Field(
        default=None, sa_column_args=[sa.ForeignKey("indicator.id", ondelete="SET NULL")], index=True
    )
    level1: str = Field(max_length=100)
    level2: str = Field(max_length=100)
    name: str = Field(max_length=500)
    level1_points: Decimal | None = Field(default=None, sa_type=ExactDecimal(8, 2))
    target_text: str = Field(default="", sa_type=sa.Text)  # 年度指标值, as given
    comparator: str | None = Field(default=None, max_length=2)  # 指标性质
    target_value: Decimal | None = Field(default=None, sa_type=Quantity())
    target_upper: Decimal | None = Field(default=None, sa_type=Quantity())
    unit: str | None = Field(default=None, max_length=50)  # 度量单位
    qualifier: str | None = Field(default=None, max_length=200)
    kind: str = Field(max_length=20)
    direction: str = Field(default="positive", max_length=10)
    target_date_from: date | None = None
    target_date_to: date | None = None
    aggregation: str = Field(max_length=20)
    points: Decimal | None = Field(default=None, sa_type=ExactDecimal(8, 2))  # 分值
    # 季度计划: the planned amount per quarter, when the unit plans unevenly.
    plan_q1: Decimal | None = Field(default=None, sa_type=Quantity())
    plan_q2: Decimal | None = Field(default=None, sa_type=Quantity())
    plan_q3: Decimal | None = Field(default=None, sa_type=Quantity())
    plan_q4: Decimal | None = Field(default=None, sa_type=Quantity())
    display_order: int = 0
    # 年初指标值/年初分值: NULL until a 绩效目标调整 is approved; then the values the year
    # began with, while target_text/points above hold the adjusted (现行) ones.
    original_target_text: str | None = Field(default=None, sa_type=sa.Text)
    original_points: Decimal | None = Field(default=None, sa_type=ExactDecimal(8, 2))
    version: int = Field(default=1)  # optimistic locking for later edits
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))
    updated_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))

    @property
    def is_adjusted(self) -> bool:
        """Whether an approved 绩效目标调整 changed this indicator's target or points."""
        return self.original_target_text is not None

    @property
    def initial_target_text(self) -> str:
        """年初指标值: the target as first approved (the current one if never adjusted)."""
        return self.target_text if self.original_target_text is None else self.original_target_text

    @property
    def initial_points(self) -> Decimal | None:
        """年初分值: the points as first approved (the current ones if never adjusted)."""
        return self.points if self.original_target_text is None else self.original_points


TABLE_STATUSES = ("draft", "submitted", "approved")
TABLE_STATUS_LABELS = {"draft": "草稿", "submitted": "待批复", "approved": "已批复"}


class TargetTable(SQLModel, table=True):
    """The approval state of one target table (绩效目标表): a unit's 单位整体 table or a project's.

    Once finance approves (批复) a table with the budget, its 年度指标值 and 分值 are fixed
    (docs/rules/lifecycle.md §2) and change only through an approved 绩效目标调整. A table without a
    row here was never approved: it is a draft that staff may still edit directly.
    """

    __tablename__ = "target_table"
    __table_args__ = (
        sa.CheckConstraint("scope IN ('unit', 'project')", name="scope"),
        sa.CheckConstraint("status IN ('draft', 'submitted', 'approved')", name="status"),
        sa.CheckConstraint(
            "(scope = 'unit' AND budget_line_id IS NULL) OR (scope = 'project' AND budget_line_id IS NOT NULL)",
            name="line_matches_scope",
        ),
        # One row per table. NULLs never clash in a UNIQUE, so the unit-wide table
        # (no budget line) needs its own partial index.
        sa.UniqueConstraint("budget_line_id"),
        sa.Index(
            "uq_target_table_unit_year_unit_scope",
            "unit_id",
            "year_id",
            unique=True,
            sqlite_where=sa.text("scope = 'unit'"),
            postgresql_where=sa.text("scope = 'unit'"),
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    year_id: int = Field(foreign_key="fiscal_year.id")
    scope: str = Field(default="unit", max_length=10)
    budget_line_id: int | None = Field(default=None, foreign_key="budget_line.id")
    status: str = Field(default="draft", max_length=10)
    approved_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    approved_by_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))
    updated_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))

    @property
    def is_approved(self) -> bool:
        return self.status == "approved"
