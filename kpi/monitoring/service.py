"""Use cases for the mid-year monitoring report (绩效运行监控): validate, save, review, export.

The web form and any other entry path call `validate_input` then `save`. July figures are
read by `kpi.domain.entries.parse_entry` (the same rules as a quarter), projections likewise,
and the deviation is computed here on every save from the figures — never taken from the form.
Drafts may be saved with explanations still missing; submitting (送审) requires them:

- a deviation needs 偏差原因类别, 原因说明, 完成目标可能性 and 纠偏措施;
- an over-completed target (≥ 130%) needs 原因说明;
- a budget line whose projected 执行率 is not 100% needs 偏差说明.

完成目标可能性 is optional when there is no deviation (the target is then on course). Every
changed field is audited in the same transaction; the workflow is that of kpi.workflow.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from sqlmodel import Session, select

from kpi.audit.service import record
from kpi.budget.models import FiscalYear, Unit
from kpi.domain.aggregation import Aggregation
from kpi.domain.monitoring import Projection, forecast_problem, kept_forecast
from kpi.monitoring.models import MONITORING, MonitoringBudgetItem, MonitoringItem, MonitoringReport
from kpi.monitoring.sheet import MonitoringSheet, load_monitoring
from kpi.monitoring.validation import (
    FIELD_LABELS,
    FORECAST_FIELD,
    LINE_LABELS,
    MISSING_LINE_CAUSE,
    SUMMARY_LABEL,
    InputRejected,
    MonitoringInput,
    display,
    incomplete,
    missing_message,
    parse_input,
)
from kpi.monitoring.workbook import build_monitoring_workbook, workbook_name
from kpi.reports.storage import ExportedWorkbook, keep_copy
from kpi.workflow import (  # noqa: F401  (ACTION_LABELS and ReportError are also what the routes use from here)
    ACTION_LABELS,
    STATUS_LABELS,
    Conflict,
    Locked,
    ReportError,
    audit_created,
    claim,
    locked_message,
)
from kpi.workflow import changes as workflow_changes
from kpi.workflow import transition as workflow_transition

MONITORING_CONFLICT = "其他人已在您打开页面后保存了本报告，您的修改尚未保存。请核对下列最新数值，确认后重新保存。"
ITEM_COLUMNS = (
    "july_value",
    "july_numerator",
    "july_denominator",
    "july_band",
    "july_achieved_on",
    "forecast",
    "forecast_band",
    "forecast_date",
    "deviation",
    "cause_category",
    "cause",
    "likelihood",
    "corrective_measures",
    "remark",
)
LINE_COLUMNS = ("spent_july", "forecast_spent", "cause")


class Change(workflow_changes.Change):
    """One stored field a monitoring save changes ("indicator", "budget_line" or "monitoring_report")."""

    def show(self, value: object) -> str:
        return display(value)


@dataclass
class Resolution:
    """What a save would store, by indicator and budget line, and what is wrong with it."""

    items: dict[int, dict] = field(default_factory=dict)  # MonitoringItem columns
    lines: dict[int, dict] = field(default_factory=dict)  # MonitoringBudgetItem columns
    problems: dict[tuple[str, int, str], str] = field(default_factory=dict)  # always refused
    missing: dict[tuple[str, int, str], str] = field(default_factory=dict)  # refused on submit


def resolve(sheet: MonitoringSheet, data: MonitoringInput) -> Resolution:
    """The values to store for what `data` changes, with their deviations computed.

    A projection left blank, or still the trend the page showed, becomes the trend as of the new
    July figures (kpi.domain.monitoring.kept_forecast); the deviation follows the projection kept."""
    out = Resolution()
    line_july = {
        line.id: (data.lines[line.id].july if line.id in data.lines else sheet.line_july(line.id))
        for line in sheet.budget_lines
    }
    for indicator in sheet.indicators:
        typed = data.items.get(indicator.id)
        if typed is None:
            continue
        shown = sheet.monitor(indicator, sheet.july(indicator.id)).trend
        trend = sheet.monitor(indicator, typed.july, line_july=line_july).trend
        forecast = kept_forecast(typed.forecast, shown, trend)
        judged = sheet.monitor(indicator, typed.july, forecast, line_july=line_july)
        values = {
            "july_value": typed.july.value,
            "july_numerator": typed.july.numerator,
            "july_denominator": typed.july.denominator,
            "july_band": typed.july.band.value if typed.july.band else None,
            "july_achieved_on": typed.july.achieved_on,
            "forecast": forecast.value,
            "forecast_band": forecast.band.value if forecast.band else None,
            "forecast_date": forecast.on,
            "deviation": bool(judged.deviation),
            "cause_category": typed.cause_category,
            "cause": typed.cause,
            "likelihood": typed.likelihood,
            "corrective_measures": typed.corrective_measures,
            "remark": typed.remark,
        }
        out.items[indicator.id] = values
        problem = forecast_problem(Aggregation(indicator.aggregation), judged.to_july, forecast)
        if problem:
            out.problems[("indicator", indicator.id, FORECAST_FIELD.get(indicator.aggregation, "forecast"))] = problem
        for name in judged.required:
            if not values[name]:
                out.missing[("indicator", indicator.id, name)] = missing_message(judged.required, name)
    for line in sheet.budget_lines:
        typed_line = data.lines.get(line.id)
        if typed_line is None:
            continue
        shown = sheet.monitor_line(line, sheet.line_july(line.id)).progress.forecast
        fresh = sheet.monitor_line(line, typed_line.july)
        forecast = kept_forecast(
            Projection(value=typed_line.forecast), Projection(value=shown), Projection(value=fresh.progress.forecast)
        ).value
        judged = sheet.monitor_line(line, typed_line.july, forecast)
        out.lines[line.id] = {
            "spent_july": typed_line.july,
            "forecast_spent": forecast,
            "cause": typed_line.cause,
            "spent_to_july": judged.progress.spent,
        }
        if forecast is not None and forecast < judged.progress.spent:
            out.problems[("line", line.id, "forecast")] = "全年预计执行数不能小于1–7月执行数"
        if judged.required and not typed_line.cause:
            out.missing[("line", line.id, "cause")] = MISSING_LINE_CAUSE
    return out


def validate_input(
    sheet: MonitoringSheet,
    raw_items: Mapping[int, Mapping[str, str | None]],
    raw_lines: Mapping[int, Mapping[str, str | None]],
    raw_summary: str | None = None,
    *,
    submitting: bool = False,
) -> MonitoringInput:
    """Check the form; raise InputRejected listing every fault (and, when submitting, every
    explanation still missing), or return the typed values."""
    data = parse_input(sheet, raw_items, raw_lines, raw_summary)
    resolution = resolve(sheet, data)
    errors = dict(resolution.problems)
    if submitting:
        # What is posted is judged as posted; the rest of the report as stored.
        posted = {("indicator", key) for key in data.items} | {("line", key) for key in data.lines}
        missing = {key: message for key, message in incomplete(sheet).items() if key[:2] not in posted}
        missing.update(resolution.missing)
        errors.update({key: message for key, message in missing.items() if key not in errors})
    if errors:
        raise InputRejected(errors, submitting=submitting and not resolution.problems)
    return data


def pending_changes(
    sheet: MonitoringSheet, data: MonitoringInput, resolution: Resolution | None = None
) -> list[Change]:
    """The stored fields `data` would change, with old and new values, in sheet order."""
    resolution = resolution or resolve(sheet, data)
    items, lines = resolution.items, resolution.lines
    changes = []
    for indicator in sheet.indicators:
        if indicator.id in items:
            stored = sheet.items.get(indicator.id)
            for column in ITEM_COLUMNS:
                old = getattr(stored, column) if stored else (False if column == "deviation" else None)
                if old != items[indicator.id][column]:
                    changes.append(
                        Change(
                            "indicator",
                            indicator.id,
                            indicator.name,
                            FIELD_LABELS[column],
                            old,
                            items[indicator.id][column],
                        )
                    )
    for line in sheet.budget_lines:
        if line.id in lines:
            stored = sheet.budget_items.get(line.id)
            for column in LINE_COLUMNS:
                old = getattr(stored, column) if stored else None
                if old != lines[line.id][column]:
                    changes.append(
                        Change("budget_line", line.id, line.name, LINE_LABELS[column], old, lines[line.id][column])
                    )
    if data.summary_posted and (sheet.summary or None) != data.summary:
        changes.append(
            Change(
                "monitoring_report",
                sheet.report.id if sheet.report else None,
                sheet.unit.name,
                SUMMARY_LABEL,
                sheet.summary,
                data.summary,
            )
        )
    return changes


def save(
    session: Session,
    sheet: MonitoringSheet,
    data: MonitoringInput,
    *,
    user,
    expected_version: int | None,
    reason: str | None = None,
) -> MonitoringReport:
    """Write what changed. `expected_version` is the version the user saw (None: skip the check).

    Raises Locked when the report is not editable and Conflict when someone saved it meanwhile.
    The caller commits; on any exception it must roll back."""
    if not sheet.editable:
        raise Locked(locked_message(sheet.status, "本报告"))
    report = _claim_report(session, sheet, user, expected_version)
    # Under the claim's lock and with the version the user saw: the sheet is what is committed.
    resolution = resolve(sheet, data)
    changes = pending_changes(sheet, data, resolution)
    stored_items = {
        row.indicator_id: row
        for row in session.exec(select(MonitoringItem).where(MonitoringItem.report_id == report.id))
    }
    for indicator_id, values in resolution.items.items():
        _upsert(
            session,
            stored_items.get(indicator_id),
            values,
            lambda: MonitoringItem(report_id=report.id, indicator_id=indicator_id),  # noqa: B023  (called at once)
        )
    stored_lines = {
        row.budget_line_id: row
        for row in session.exec(select(MonitoringBudgetItem).where(MonitoringBudgetItem.report_id == report.id))
    }
    for line_id, values in resolution.lines.items():
        _upsert(
            session,
            stored_lines.get(line_id),
            values,
            lambda: MonitoringBudgetItem(report_id=report.id, budget_line_id=line_id),  # noqa: B023  (called at once)
        )
    if data.summary_posted:
        report.summary = data.summary
        session.add(report)
    for change in changes:
        record(
            session,
            actor=user.username,
            user_id=user.id,
            unit_id=sheet.unit.id,
            entity=change.entity,
            entity_id=change.entity_id if change.entity != "monitoring_report" else report.id,
            action="update",
            field=f"{sheet.label} · {change.field}",
            old_value=change.old_text,
            new_value=change.new_text,
            reason=reason,
        )
    session.flush()
    return report


def _upsert(session: Session, row, values: dict, create) -> None:
    """Store the values on the row (created when needed); a row left with nothing is deleted."""
    if not any(value not in (None, False) for value in values.values()):
        if row is not None:
            session.delete(row)
        return
    row = row or create()
    for column, value in values.items():
        setattr(row, column, value)
    session.add(row)


def _new_report(sheet: MonitoringSheet):
    return lambda: MonitoringReport(unit_id=sheet.unit.id, year_id=sheet.year.id)


def _claim_report(session: Session, sheet: MonitoringSheet, user, expected_version: int | None) -> MonitoringReport:
    report, created = claim(
        session,
        MONITORING,
        sheet.report,
        _new_report(sheet),
        expected_version,
        conflict=lambda: Conflict(MONITORING_CONFLICT),
        editable=True,
    )
    if created:
        audit_created(session, MONITORING, report, user=user, unit_id=sheet.unit.id, what=sheet.label)
    return report


def transition(
    session: Session,
    sheet: MonitoringSheet,
    action: str,
    *,
    user,
    expected_version: int | None,
    reason: str | None = None,
) -> MonitoringReport:
    """送审 / 审核通过 / 退回 / 重新打开 (kpi.workflow); returning and reopening need a reason.

    Submitting checks the stored report is complete (InputRejected lists what is missing)."""

    def check() -> None:
        missing = incomplete(sheet)
        if missing:
            raise InputRejected(missing, submitting=True)

    report = workflow_transition(
        session,
        MONITORING,
        sheet.report,
        _new_report(sheet),
        action,
        user=user,
        expected_version=expected_version,
        reason=reason,
        unit_id=sheet.unit.id,
        what=sheet.label,
        conflict=lambda: Conflict(MONITORING_CONFLICT),
        check=check,
    )
    session.flush()
    return report


def reload(session: Session, sheet: MonitoringSheet) -> MonitoringSheet:
    session.expire_all()
    return load_monitoring(session, sheet.unit, sheet.year, sheet.settings)


def export_workbook(session: Session, unit: Unit, fiscal_year: FiscalYear, export_dir: Path | str) -> ExportedWorkbook:
    """The 绩效运行监控表 as .xlsx bytes, with a copy under export_dir/<year>/<unit>/.

    A report not started yet exports its prefilled values (the trend)."""
    return export_sheet(load_monitoring(session, unit, fiscal_year), export_dir)


def export_sheet(sheet: MonitoringSheet, export_dir: Path | str) -> ExportedWorkbook:
    """The workbook of a loaded sheet, with its copy under export_dir/<year>/<unit>/."""
    data = build_monitoring_workbook(sheet)
    name = workbook_name(sheet)
    return ExportedWorkbook(data, name, keep_copy(data, Path(export_dir), sheet.year.year, sheet.unit.name, name))
