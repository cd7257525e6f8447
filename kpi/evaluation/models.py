"""The self-evaluation (绩效自评): the year's scored report, draft → submitted → approved."""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from kpi.db import ExactDecimal
from kpi.workflow import STATUS_CHECK, ReviewedReport
from kpi.workflow.kinds import ReportKind, register


class SelfEvaluation(ReviewedReport, table=True):
    """One unit's self-evaluation for one year.

    `total_score`, `grade` and `indicator_scores` (indicator id -> [分值, 得分], all as text) are
    a snapshot written on every save, so the finance bureau's lists and its 汇总表 need no
    scoring pass over every unit; the page and the workbooks
    score through kpi.domain.scoring, while approved from `approved_basis` (kpi.results.basis):
    the targets, figures and settings it was approved with.
    """

    __tablename__ = "self_evaluation"
    __table_args__ = (
        sa.UniqueConstraint("unit_id", "year_id"),
        sa.CheckConstraint(STATUS_CHECK, name="status"),
    )
    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id")
    year_id: int = Field(foreign_key="fiscal_year.id")
    total_score: Decimal | None = Field(default=None, sa_type=ExactDecimal(6, 2))
    grade: str | None = Field(default=None, max_length=10)
    indicator_scores: dict | None = Field(default=None, sa_type=sa.JSON)
    approved_basis: dict | None = Field(default=None, sa_type=sa.JSON)


SELF_EVALUATION = register(
    ReportKind(
        "self_evaluation", SelfEvaluation, ("unit_id", "year_id"), "绩效自评", "本自评", reminder="self_evaluation"
    )
)


class SelfEvaluationGoal(SQLModel, table=True):
    """实际完成情况 against a 年度总体目标: the unit's (budget_line_id None) or a project's."""

    __tablename__ = "self_evaluation_goal"
    id: int | None = Field(default=None, primary_key=True)
    evaluation_id: int = Field(foreign_key="self_evaluation.id", index=True)
    budget_line_id: int | None = Field(default=None, foreign_key="budget_line.id")
    actual_text: str = Field(default="", sa_type=sa.Text)


class SelfEvaluationItem(SQLModel, table=True):
    """What the unit adds to one indicator's computed score."""

    __tablename__ = "self_evaluation_item"
    __table_args__ = (sa.UniqueConstraint("evaluation_id", "indicator_id"),)
    id: int | None = Field(default=None, primary_key=True)
    evaluation_id: int = Field(foreign_key="self_evaluation.id", index=True)
    indicator_id: int = Field(foreign_key="indicator.id")
    # A qualitative score chosen inside its band, as a share of 分值 (docs/rules/scoring.md §6).
    chosen_ratio: Decimal | None = Field(default=None, sa_type=ExactDecimal(6, 4))
    actual_text: str | None = Field(default=None, sa_type=sa.Text)  # 实际完成值 in words, where useful
    explanation: str | None = Field(default=None, sa_type=sa.Text)  # 偏差原因分析及改进措施
    # A reviewer's 人工调整 of the computed score (docs/rules/scoring.md §14.6): the score and why.
    override_score: Decimal | None = Field(default=None, sa_type=ExactDecimal(8, 2))
    override_reason: str | None = Field(default=None, sa_type=sa.Text)
