"""The mid-year monitoring report (绩效运行监控), covering January to July."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from kpi.db import Money, Quantity
from kpi.workflow import STATUS_CHECK, ReviewedReport
from kpi.workflow.kinds import ReportKind, register


class MonitoringReport(ReviewedReport, table=True):
    """One unit's monitoring report for one year (draft → submitted → approved)."""

    __tablename__ = "monitoring_report"
    __table_args__ = (
        sa.UniqueConstraint("unit_id", "year_id"),
        sa.CheckConstraint(STATUS_CHECK, name="status"),
    )
    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id")
    year_id: int = Field(foreign_key="fiscal_year.id")
    summary: str | None = Field(default=None, sa_type=sa.Text)  # the unit's overall goal progress


MONITORING = register(
    ReportKind(
        "monitoring_report", MonitoringReport, ("unit_id", "year_id"), "绩效运行监控", "本报告", reminder="monitoring"
    )
)


class MonitoringItem(SQLModel, table=True):
    """One indicator's line of the report (docs/rules/monitoring.md §1)."""

    __tablename__ = "monitoring_item"
    __table_args__ = (sa.UniqueConstraint("report_id", "indicator_id"),)
    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(foreign_key="monitoring_report.id", index=True)
    indicator_id: int = Field(foreign_key="indicator.id")
    # July's own figure, asked by the form; 1–7月 = Q1 + Q2 + July by the aggregation rule.
    july_value: Decimal | None = Field(default=None, sa_type=Quantity())
    july_numerator: Decimal | None = Field(default=None, sa_type=Quantity())
    july_denominator: Decimal | None = Field(default=None, sa_type=Quantity())
    july_band: str | None = Field(default=None, max_length=20)
    july_achieved_on: date | None = None
    forecast: Decimal | None = Field(default=None, sa_type=Quantity())  # 全年预计完成值
    forecast_band: str | None = Field(default=None, max_length=20)  # qualitative projection
    forecast_date: date | None = None  # deadline: 预计完成日期 (migration 0003)
    deviation: bool = False  # 偏差: computed, stored for the record and the workbook
    cause_category: str | None = Field(default=None, max_length=20)  # 经费保障/制度保障/…
    cause: str | None = Field(default=None, sa_type=sa.Text)
    likelihood: str | None = Field(default=None, max_length=20)  # 确定能/有可能/完全不可能
    corrective_measures: str | None = Field(default=None, sa_type=sa.Text)
    remark: str | None = Field(default=None, sa_type=sa.Text)  # 备注 of the official form (migration 0017)


class MonitoringBudgetItem(SQLModel, table=True):
    """One budget line's money to the end of July and its projection."""

    __tablename__ = "monitoring_budget_item"
    __table_args__ = (sa.UniqueConstraint("report_id", "budget_line_id"),)
    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(foreign_key="monitoring_report.id", index=True)
    budget_line_id: int = Field(foreign_key="budget_line.id")
    spent_july: Decimal | None = Field(default=None, sa_type=Money())  # 7月执行数, asked by the form (0003)
    spent_to_july: Decimal | None = Field(default=None, sa_type=Money())  # 1–7月执行数 at the last save
    forecast_spent: Decimal | None = Field(default=None, sa_type=Money())  # 全年预计执行数
    cause: str | None = Field(default=None, sa_type=sa.Text)
