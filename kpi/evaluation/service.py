"""Use cases for the self-evaluation (绩效自评): score, save, review, export.

``evaluate`` scores the unit's tables afresh (kpi.evaluation.sheet, through kpi.domain.scoring).
The web form and any other entry path call ``validate_input`` then ``save``:

- staff (unit:enter) write each 年度总体目标's 实际完成情况, each 偏差原因分析及改进措施 and may
  propose a qualitative score inside its band while the report is a draft or returned;
- the reviewer (unit:review) picks the qualitative scores inside their bands while the report is
  submitted (``save_ratios``), before approving it; nothing else of a submitted report changes.

Submitting needs every 实际完成情况 and every explanation docs/rules/scoring.md §9 requires. Every changed
field is audited in the same transaction, and every write snapshots the unit-wide total and grade
on SelfEvaluation (for lists that must not score every unit). Workflow and optimistic locking are
those of kpi.workflow, as for quarters and the monitoring report.
"""

from __future__ import annotations

from pathlib import Path

from sqlmodel import Session, select

from kpi.audit.service import record
from kpi.budget import service as budget
from kpi.budget.models import FiscalYear, Unit
from kpi.domain.scoring_results import score_snapshot
from kpi.evaluation.models import SELF_EVALUATION, SelfEvaluation, SelfEvaluationGoal, SelfEvaluationItem
from kpi.evaluation.result import EvaluationResult
from kpi.evaluation.sheet import approval_basis, evaluate, rescored
from kpi.evaluation.validation import (  # noqa: F401  (the routes use these from here)
    Change,
    EvaluationInput,
    InputRejected,
    incomplete,
    parse_input,
    pending_changes,
    validate_input,
)
from kpi.evaluation.workbook import build_self_evaluation_workbook, workbook_name
from kpi.reports.contributions import SELF_EVALUATION_FORM, UnitForm, provide
from kpi.reports.storage import ExportedWorkbook, keep_copy
from kpi.workflow import (  # noqa: F401  (ACTION_LABELS and ReportError are what the routes use from here)
    ACTION_LABELS,
    STATUS_LABELS,
    Conflict,
    Locked,
    ReportError,
    WorkflowError,
    audit_created,
    claim,
    locked_message,
)
from kpi.workflow import transition as workflow_transition

WHAT = SELF_EVALUATION.what
EVALUATION_CONFLICT = "其他人已在您打开页面后保存了本自评，您的修改尚未保存。请核对下列最新内容，确认后重新保存。"
RATIOS_ONLY_WHEN_SUBMITTED = "审核人只能在自评已送审、尚未审核通过时调整定性指标得分。"


def find(session: Session, unit_id: int, year: int) -> EvaluationResult | None:
    """The scored self-evaluation of a unit and year, or None when either does not exist or the
    unit has neither indicators nor budget lines that year."""
    unit = session.get(Unit, unit_id)
    fiscal_year = budget.find_year(session, year)
    if unit is None or fiscal_year is None:
        return None
    result = evaluate(session, unit, fiscal_year)
    if not (result.quarters.indicators or result.quarters.lines):
        return None
    return result


def reload(session: Session, result: EvaluationResult) -> EvaluationResult:
    session.expire_all()
    return evaluate(session, result.unit, result.year)


def save(
    session: Session,
    result: EvaluationResult,
    data: EvaluationInput,
    *,
    user,
    expected_version: int | None,
    reason: str | None = None,
) -> SelfEvaluation:
    """Write what changed (staff). ``expected_version`` is the version the user saw (None: no check).

    Raises Locked when the report is not editable and Conflict when someone saved it meanwhile.
    The caller commits; on any exception it must roll back."""
    if not result.editable:
        raise Locked(locked_message(result.status, WHAT))
    return _write(session, result, data, user=user, expected_version=expected_version, reason=reason)


def save_ratios(
    session: Session,
    result: EvaluationResult,
    data: EvaluationInput,
    *,
    user,
    expected_version: int | None,
    reason: str | None = None,
) -> SelfEvaluation:
    """The reviewer's qualitative scores, inside their bands, on a submitted report (docs/rules/scoring.md §6)."""
    if result.status != "submitted":
        raise WorkflowError(RATIOS_ONLY_WHEN_SUBMITTED)
    return _write(
        session,
        result,
        EvaluationInput(ratios=data.ratios, overrides=data.overrides),
        user=user,
        expected_version=expected_version,
        reason=reason,
        editable=False,
    )


def _write(
    session: Session,
    result: EvaluationResult,
    data: EvaluationInput,
    *,
    user,
    expected_version: int | None,
    reason: str | None,
    editable: bool = True,
) -> SelfEvaluation:
    report = _claim(session, result, user, expected_version, editable=editable)
    if not editable and report.status != "submitted":
        raise WorkflowError(RATIOS_ONLY_WHEN_SUBMITTED)
    changes = pending_changes(result, data)
    # Read again after the claim: it is this transaction's rows that are updated.
    goals = {
        row.budget_line_id: row
        for row in session.exec(select(SelfEvaluationGoal).where(SelfEvaluationGoal.evaluation_id == report.id))
    }
    items = {
        row.indicator_id: row
        for row in session.exec(select(SelfEvaluationItem).where(SelfEvaluationItem.evaluation_id == report.id))
    }
    for goal_key, text in data.goals.items():
        row = goals.get(goal_key) or SelfEvaluationGoal(evaluation_id=report.id, budget_line_id=goal_key)
        row.actual_text = text or ""
        session.add(row)
    for indicator_id in data.explanations.keys() | data.ratios.keys() | data.overrides.keys():
        row = items.get(indicator_id) or SelfEvaluationItem(evaluation_id=report.id, indicator_id=indicator_id)
        if indicator_id in data.explanations:
            row.explanation = data.explanations[indicator_id]
        if indicator_id in data.ratios:
            row.chosen_ratio = data.ratios[indicator_id]
        if indicator_id in data.overrides:
            row.override_score, row.override_reason = data.overrides[indicator_id] or (None, None)
        session.add(row)
    for change in changes:
        entity_id = report.id if change.entity == "self_evaluation" else change.entity_id
        record(
            session,
            actor=user.username,
            user_id=user.id,
            unit_id=result.unit.id,
            entity=change.entity,
            entity_id=entity_id,
            action="update",
            field=f"{result.label} · {change.field}",
            old_value=change.old_text,
            new_value=change.new_text,
            reason=reason,
        )
    changed_scores = data.ratios or data.overrides
    _snapshot(session, report, rescored(result, data.ratios, data.overrides) if changed_scores else result)
    session.flush()
    return report


def _snapshot(session: Session, report: SelfEvaluation, result: EvaluationResult) -> None:
    """The unit-wide total, grade and every indicator's score, as scored now (the finance bureau's
    lists and 汇总表 read these; pages score afresh). Each indicator's [分值, 得分], as text: exact in JSON."""
    report.total_score = result.total
    report.grade = result.grade
    report.indicator_scores = score_snapshot(row.score for table in result.tables for row in table.rows)
    session.add(report)


def _new_report(result: EvaluationResult):
    return lambda: SelfEvaluation(unit_id=result.unit.id, year_id=result.year.id)


def _claim(
    session: Session, result: EvaluationResult, user, expected_version: int | None, *, editable: bool = True
) -> SelfEvaluation:
    report, created = claim(
        session,
        SELF_EVALUATION,
        result.report,
        _new_report(result),
        expected_version,
        conflict=lambda: Conflict(EVALUATION_CONFLICT),
        editable=editable,
    )
    if created:
        audit_created(session, SELF_EVALUATION, report, user=user, unit_id=result.unit.id, what=result.label)
    return report


def transition(
    session: Session,
    result: EvaluationResult,
    action: str,
    *,
    user,
    expected_version: int | None,
    reason: str | None = None,
) -> SelfEvaluation:
    """送审 / 审核通过 / 退回 / 重新打开 (kpi.workflow); returning and reopening need a reason.

    Submitting checks the stored report is complete (InputRejected lists what is missing)."""

    def check() -> None:
        missing = incomplete(result)
        if missing:
            raise InputRejected(missing, submitting=True)

    report = workflow_transition(
        session,
        SELF_EVALUATION,
        result.report,
        _new_report(result),
        action,
        user=user,
        expected_version=expected_version,
        reason=reason,
        unit_id=result.unit.id,
        what=result.label,
        conflict=lambda: Conflict(EVALUATION_CONFLICT),
        check=check,
    )
    # An approved report keeps what it was approved on; reopened, it is scored live again.
    report.approved_basis = approval_basis(result) if action == "approve" else None
    _snapshot(session, report, result)
    session.flush()
    return report


def export_workbook(session: Session, unit: Unit, fiscal_year: FiscalYear, export_dir: Path | str) -> ExportedWorkbook:
    """The 绩效自评表 workbook as .xlsx bytes, with a copy under export_dir/<year>/<unit>/."""
    return export_result(evaluate(session, unit, fiscal_year), export_dir)


def export_result(result: EvaluationResult, export_dir: Path | str) -> ExportedWorkbook:
    """The workbook of a scored result, with its copy under export_dir/<year>/<unit>/."""
    data = build_self_evaluation_workbook(result)
    name = workbook_name(result)
    return ExportedWorkbook(data, name, keep_copy(data, Path(export_dir), result.year.year, result.unit.name, name))


def unit_form(session: Session, unit_id: int, year: int) -> UnitForm | None:
    """The unit's official 绩效自评表 as a file, or None when it has nothing to evaluate that year.
    Raises ValueError when the workbook cannot hold its text (openpyxl refuses some characters)."""
    result = find(session, unit_id, year)
    if result is None:
        return None
    return UnitForm(workbook_name(result), build_self_evaluation_workbook(result), bool(result.quarters.indicators))


def contribute() -> None:
    """Lend the finance desk's zip each unit's 自评表 (kpi.reports.contributions)."""
    provide(SELF_EVALUATION_FORM, unit_form)
