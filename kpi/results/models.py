"""Quarterly results and budget execution (季度填报、预算执行). Filled by the results feature."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from kpi.db import Money, Quantity
from kpi.workflow import STATUS_CHECK, ReviewedReport
from kpi.workflow.kinds import ReportKind, register


class QuarterReport(ReviewedReport, table=True):
    """One unit's entries for one quarter, reviewed as a whole (draft → submitted → approved)."""

    __tablename__ = "quarter_report"
    __table_args__ = (
        sa.UniqueConstraint("unit_id", "year_id", "quarter"),
        sa.CheckConstraint("quarter BETWEEN 1 AND 4", name="quarter"),
        sa.CheckConstraint(STATUS_CHECK, name="status"),
    )
    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id")
    year_id: int = Field(foreign_key="fiscal_year.id")
    quarter: int


QUARTER = register(
    ReportKind(
        "quarter_report",
        QuarterReport,
        ("unit_id", "year_id", "quarter"),
        "季度填报",
        "本季度",
        reminder="quarterly",
        period="quarter",
    )
)


class IndicatorResult(SQLModel, table=True):
    """The figure entered for one indicator in one quarter (this quarter's own amount)."""

    __tablename__ = "indicator_result"
    __table_args__ = (sa.UniqueConstraint("report_id", "indicator_id"),)
    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(foreign_key="quarter_report.id", index=True)
    indicator_id: int = Field(foreign_key="indicator.id", index=True)
    value: Decimal | None = Field(default=None, sa_type=Quantity())
    numerator: Decimal | None = Field(default=None, sa_type=Quantity())
    denominator: Decimal | None = Field(default=None, sa_type=Quantity())
    band: str | None = Field(default=None, max_length=20)  # qualitative band (docs/rules/scoring.md §6)
    achieved_on: date | None = None  # deadline indicators
    assessment: str | None = Field(default=None, sa_type=sa.Text)
    note: str | None = Field(default=None, sa_type=sa.Text)


class BudgetExecution(SQLModel, table=True):
    """执行数: money spent on one budget line during one quarter, in 万元."""

    __tablename__ = "budget_execution"
    __table_args__ = (sa.UniqueConstraint("report_id", "budget_line_id"),)
    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(foreign_key="quarter_report.id", index=True)
    budget_line_id: int = Field(foreign_key="budget_line.id")
    spent: Decimal = Field(sa_type=Money())
    note: str | None = Field(default=None, sa_type=sa.Text)
