"""Budget units, fiscal years, budget lines and goals (预算单位、年度、预算项目、绩效目标)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from kpi.db import Money, utcnow


class Unit(SQLModel, table=True):
    """预算单位. `parent` is the 主管部门 (itself a unit, usually without indicators)."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, sa_column_kwargs={"unique": True})
    parent_id: int | None = Field(default=None, foreign_key="unit.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))


class FiscalYear(SQLModel, table=True):
    """预算年度. Per-year settings (reminder dates, scoring weights) hang off it later."""

    __tablename__ = "fiscal_year"
    id: int | None = Field(default=None, primary_key=True)
    year: int = Field(sa_column_kwargs={"unique": True})
    # Per-year overrides of the (default) rules (docs/rules/reminders.md §6, docs/rules/scoring.md §12): reminder
    # dates, thresholds, scoring weights. Keys and defaults live in the code that reads them.
    settings: dict = Field(default_factory=dict, sa_type=sa.JSON, sa_column_kwargs={"server_default": "{}"})


class BudgetLine(SQLModel, table=True):
    """A line of a unit's budget: 基本支出 (kind="basic") or a project (kind="project").

    Amounts are in 万元, as the budget tables give them.
    """

    __tablename__ = "budget_line"
    __table_args__ = (
        sa.UniqueConstraint("unit_id", "year_id", "name"),
        sa.CheckConstraint("kind IN ('basic', 'project')", name="kind"),
    )
    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    year_id: int = Field(foreign_key="fiscal_year.id")
    kind: str = Field(max_length=10)
    name: str = Field(max_length=200)
    description: str = Field(default="", sa_type=sa.Text)
    initial_budget: Decimal = Field(sa_type=Money())  # 年初预算数
    adjusted_budget: Decimal | None = Field(default=None, sa_type=Money())  # 调整后预算数
    fiscal_appropriation: Decimal | None = Field(default=None, sa_type=Money())  # 其中：财政拨款
    other_funds: Decimal | None = Field(default=None, sa_type=Money())  # 其中：其他资金
    display_order: int = 0

    @property
    def full_year_budget(self) -> Decimal:
        """全年预算数: the adjusted budget once there is one (docs/rules/aggregation.md §5)."""
        return self.adjusted_budget if self.adjusted_budget is not None else self.initial_budget


class PerformanceGoal(SQLModel, table=True):
    """年度总体目标: for the unit (budget_line_id is None) or for one project."""

    __tablename__ = "performance_goal"
    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    year_id: int = Field(foreign_key="fiscal_year.id")
    budget_line_id: int | None = Field(default=None, foreign_key="budget_line.id")
    text: str = Field(sa_type=sa.Text)
