"""The self-evaluation (绩效自评) of one unit and year, scored: what the page, the workbook and the CLI read.

``evaluate(session, unit, fiscal_year)`` loads the year's quarters (kpi.results.sheet: indicators,
budget lines, every quarter's figures and spending), the goals, the 主管部门 and the stored
self-evaluation with its goals and items: a fixed number of queries, whatever the number of
indicators. It then scores one table per 绩效目标表 through kpi.domain.scoring, with the year's
ScoringSettings (kpi.evaluation.tables), into the shapes of kpi.evaluation.result.
An approved report is scored on what it was approved on (its basis), until it is reopened.

Every score and 执行率 comes from the domain; nothing here or downstream computes one.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from sqlmodel import Session, select

from kpi.budget import service as budget
from kpi.budget.models import FiscalYear, Unit
from kpi.domain.scoring import ScoringSettings
from kpi.evaluation.models import SelfEvaluation, SelfEvaluationGoal, SelfEvaluationItem
from kpi.evaluation.result import YEAR_END, EvaluationResult
from kpi.evaluation.tables import score_tables
from kpi.results import basis
from kpi.results.sheet import load_sheet
from kpi.workflow.history import approval_history


def scoring_settings(fiscal_year: FiscalYear) -> tuple[ScoringSettings, str | None]:
    """The year's settings, or the docs/rules/scoring.md §12 defaults and a Chinese warning when what is stored is invalid."""
    try:
        return ScoringSettings.from_dict((fiscal_year.settings or {}).get("scoring")), None
    except ValueError as error:
        return ScoringSettings(), f"已保存的计分设置无效（{error}），暂按默认设置计分。"


def evaluate(
    session: Session, unit: Unit, fiscal_year: FiscalYear, *, ratios: dict[int, Decimal | None] | None = None
) -> EvaluationResult:
    """The unit's self-evaluation for the year, every table scored (a report not started: no report).

    ``ratios`` (by indicator id) replaces stored qualitative scores: what a save would score."""
    quarters = load_sheet(session, unit, fiscal_year, YEAR_END)
    report = session.exec(
        select(SelfEvaluation).where(SelfEvaluation.unit_id == unit.id, SelfEvaluation.year_id == fiscal_year.id)
    ).first()
    goals: dict[int | None, SelfEvaluationGoal] = {}
    items: dict[int, SelfEvaluationItem] = {}
    if report is not None:
        goals = {
            row.budget_line_id: row
            for row in session.exec(select(SelfEvaluationGoal).where(SelfEvaluationGoal.evaluation_id == report.id))
        }
        items = {
            row.indicator_id: row
            for row in session.exec(select(SelfEvaluationItem).where(SelfEvaluationItem.evaluation_id == report.id))
        }
    parent = session.get(Unit, unit.parent_id) if unit.parent_id is not None else None
    settings, warning = scoring_settings(fiscal_year)
    goal_texts = budget.goals(session, unit, fiscal_year)
    notice = None
    approved = report.approved_basis if report is not None and report.status == "approved" else None
    frozen = basis.thaw(approved["sheet"], unit, fiscal_year, YEAR_END, quarters.reports) if approved else None
    if frozen is not None:
        # Approved: exactly what it was approved on (docs/workflow.md), until it is reopened.
        if basis.targets_changed(approved["sheet"], quarters):
            notice = TARGETS_ADJUSTED
        quarters, warning = frozen, None
        settings = ScoringSettings.from_dict(approved["settings"])
        goal_texts = {_goal_key(key): text for key, text in approved["goals"].items()}
    result = EvaluationResult(
        unit=unit,
        year=fiscal_year,
        parent=parent,
        settings=settings,
        report=report,
        tables=[],
        goals=goals,
        items=items,
        quarters=quarters,
        settings_warning=warning,
        basis_notice=notice,
        history=approval_history(session, "self_evaluation", report.id if report else None),
    )
    result.tables = score_tables(result, goal_texts, ratios or {})
    return result


TARGETS_ADJUSTED = "目标已调整，重新打开后按调整后目标计分。本自评仍按审核通过时的目标、数据和计分设置显示。"


def approval_basis(result: EvaluationResult) -> dict:
    """What an approval of ``result`` is scored on, to keep with the report (kpi.results.basis)."""
    goals = {
        ("unit" if table.goal_key is None else str(table.goal_key)): table.goal for table in result.tables if table.goal
    }
    return {"sheet": basis.freeze(result.quarters), "settings": result.settings.to_dict(), "goals": goals}


def _goal_key(key: str) -> int | None:
    return None if key == "unit" else int(key)


def rescored(
    result: EvaluationResult, ratios: dict[int, Decimal | None], overrides: dict | None = None
) -> EvaluationResult:
    """The same result scored with ``ratios`` (and a reviewer's ``overrides``) in place of the
    stored qualitative scores and 人工调整 (no query)."""
    goals = {table.goal_key: table.goal for table in result.tables if table.goal}
    return replace(result, tables=score_tables(result, goals, ratios, overrides))
