"""Use cases for quarterly results: validate, save with optimistic locking, review.

Web form, Excel upload and bulk import all call `validate_input` then `save`.
Every changed value and status is written to the audit trail in the same
transaction as the change itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from sqlmodel import Session, select

from kpi.audit.service import record
from kpi.domain.aggregation import Aggregation
from kpi.domain.entries import BAND_LABELS, Entry, EntryError, parse_amount, parse_entry
from kpi.formatting import format_number
from kpi.indicators.links import SAME_AS_MESSAGE
from kpi.results.merge import Row, fingerprint, merge
from kpi.results.models import QUARTER, BudgetExecution, IndicatorResult, QuarterReport
from kpi.results.sheet import QUARTER_LABELS, QuarterSheet, load_sheet
from kpi.workflow import (  # noqa: F401  (ACTION_LABELS and WorkflowError are what callers use from here)
    ACTION_LABELS,
    EDITABLE_STATUSES,
    STATUS_LABELS,
    Conflict,
    Locked,
    ReportError,
    WorkflowError,
    audit_created,
    bump,
    lock,
    locked_message,
)
from kpi.workflow import changes as workflow_changes
from kpi.workflow import transition as workflow_transition

FIELD_LABELS = {
    "value": "完成值",
    "numerator": "分子",
    "denominator": "分母",
    "band": "完成等级",
    "achieved_on": "完成日期",
    "assessment": "完成情况",
    "note": "说明",
    "spent": "执行数",
}


# The workflow's errors, under the names this module's callers use.
ResultsError = ReportError
QUARTER_CONFLICT = "其他人已在您打开页面后保存了本季度数据，您的修改尚未保存。请核对下列最新数值，确认后重新保存。"
ROWS_CONFLICT = "其他人已在您打开页面后修改了下列指标，与您的修改不同，本次未保存。请核对最新数值，确认后重新保存。"


class RowConflict(Conflict):
    """Both this user and someone else changed the same rows (kpi.results.merge): ``rows``."""

    def __init__(self, rows: list[Row]):
        super().__init__(ROWS_CONFLICT)
        self.rows = rows


class Change(workflow_changes.Change):
    """One field a quarter's save changes ("indicator" or "budget_line")."""

    def show(self, value: object) -> str:
        return display(value)


class InputRejected(workflow_changes.InputRejected):
    """Validation failed; `errors` maps ("indicator"|"line", id, field) to a Chinese message."""

    wrong, fix = "填写有误", "修改"


@dataclass
class QuarterInput:
    """Validated figures for a quarter. Only the indicators and lines present are changed."""

    entries: dict[int, Entry] = field(default_factory=dict)
    spending: dict[int, Decimal | None] = field(default_factory=dict)
    seen: dict[Row, str] = field(default_factory=dict)  # fingerprints of what the user saw (kpi.results.merge)

    def rows(self) -> dict[Row, Entry | Decimal | None]:
        """The values sent, by row, as kpi.results.merge names rows."""
        rows: dict[Row, Entry | Decimal | None] = {("indicator", key): entry for key, entry in self.entries.items()}
        rows.update({("line", key): amount for key, amount in self.spending.items()})
        return rows


def validate_input(
    sheet: QuarterSheet,
    raw_entries: Mapping[int, Mapping[str, str | None]],
    raw_spending: Mapping[int, str | None],
) -> QuarterInput:
    """Check every field; raise InputRejected listing all faults, or return the typed values."""
    by_id = {indicator.id: indicator for indicator in sheet.indicators}
    lines = {line.id for line in sheet.lines}
    data, errors = QuarterInput(), {}
    linked = {}
    for indicator_id, raw in raw_entries.items():
        indicator = by_id.get(indicator_id)
        if indicator is None:
            errors[("indicator", indicator_id, "value")] = "指标不属于本单位本年度"
            continue
        if sheet.source_of(indicator) is not None:
            linked[indicator_id] = raw  # checked once the project rows sent with it are read
            continue
        try:
            data.entries[indicator_id] = parse_entry(Aggregation(indicator.aggregation), raw, year=sheet.year.year)
        except EntryError as error:
            errors.update({("indicator", indicator_id, name): message for name, message in error.errors.items()})
    for indicator_id, raw in linked.items():
        # 同一指标: entered on the project's row only. Sending nothing, or the very figure the row
        # shows (the project's, as stored or as sent now), is no entry; anything else is refused.
        indicator = by_id[indicator_id]
        source = sheet.source_of(indicator)
        shown = data.entries.get(source.id, sheet.current(source.id))
        if not _is_shown(sheet, indicator, raw, shown):
            message = SAME_AS_MESSAGE.format(project=sheet.source_project(indicator))
            errors[("indicator", indicator_id, _first_field(indicator))] = message
    for line_id, text in raw_spending.items():
        if line_id not in lines:
            errors[("line", line_id, "spent")] = "预算项目不属于本单位本年度"
            continue
        try:
            data.spending[line_id] = parse_amount(text)
        except EntryError as error:
            errors[("line", line_id, "spent")] = next(iter(error.errors.values()))
    if errors:
        raise InputRejected(errors)
    return data


def _is_shown(sheet: QuarterSheet, indicator, raw: Mapping[str, str | None], shown: Entry) -> bool:
    """Whether what was sent for a linked row is nothing, or the project's figure it shows (a
    workbook or file sent back unchanged, or carrying the same figure on both rows)."""
    if all(not (value or "").strip() for value in raw.values()):
        return True
    try:
        entry = parse_entry(Aggregation(indicator.aggregation), raw, year=sheet.year.year)
    except EntryError:
        return False
    return entry == shown


def _first_field(indicator) -> str:
    """The field a row's fault is named on: its first input (kpi.results.presenters.INPUTS)."""
    return {"rate": "numerator", "qualitative": "band", "deadline": "achieved_on"}.get(indicator.aggregation, "value")


def display(value: object) -> str:
    """How a stored value reads in messages and the audit trail."""
    if value is None or value == "":
        return "（空）"
    if isinstance(value, Decimal):
        return format_number(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if value in BAND_LABELS:
        return BAND_LABELS[value]
    return str(value)


def pending_changes(sheet: QuarterSheet, data: QuarterInput) -> list[Change]:
    """The fields `data` would change, with stored (old) and new values, in sheet order."""
    changes = []
    for indicator in sheet.indicators:
        if indicator.id not in data.entries:
            continue
        old, entry = sheet.current(indicator.id), data.entries[indicator.id]
        for name in Entry._fields:
            before, after = getattr(old, name), getattr(entry, name)
            if before != after:
                changes.append(Change("indicator", indicator.id, indicator.name, FIELD_LABELS[name], before, after))
    for line in sheet.lines:
        if line.id in data.spending and sheet.spent(line.id) != data.spending[line.id]:
            changes.append(
                Change(
                    "budget_line", line.id, line.name, "执行数（万元）", sheet.spent(line.id), data.spending[line.id]
                )
            )
    return changes


def save(
    session: Session,
    sheet: QuarterSheet,
    data: QuarterInput,
    *,
    user,
    expected_version: int | None,
    reason: str | None = None,
) -> QuarterReport:
    """Write the changed figures. `expected_version` is the version the user saw (None: skip the check).

    Raises Locked when the quarter is not editable, and Conflict when someone saved it meanwhile
    (RowConflict when `data.seen` let the two saves merge except on some rows).
    The caller commits; on any exception it must roll back.
    """
    if not sheet.editable:
        raise Locked(locked_message(sheet.status))
    loaded_version = sheet.version  # read before the lock refreshes the report in place
    report, created = lock(session, QUARTER, sheet.report, _new_report(sheet))
    if report.status not in EDITABLE_STATUSES:
        raise Locked(locked_message(report.status))
    if created:
        audit_created(session, QUARTER, report, user=user, unit_id=sheet.unit.id, what=sheet.label)
        if expected_version not in (None, 0):
            raise Conflict(QUARTER_CONFLICT)
    moved_on = not created and expected_version is not None and report.version != expected_version
    if moved_on and not data.seen:
        raise Conflict(QUARTER_CONFLICT)  # nothing to merge with: an upload, an import, an old page
    if report.version != loaded_version:
        # Someone saved after this sheet was read. The quarter is locked now, so what is
        # read again is what is committed, and the changes audited are the ones stored.
        sheet = reload(session, sheet)
    if moved_on:
        data = _merged(sheet, data)
    if not created:
        bump(session, QuarterReport, report)
    changes = pending_changes(sheet, data)
    existing = {
        row.indicator_id: row
        for row in session.exec(select(IndicatorResult).where(IndicatorResult.report_id == report.id))
    }
    for indicator_id, entry in data.entries.items():
        row = existing.get(indicator_id)
        if entry.is_empty:
            if row is not None:
                session.delete(row)
            continue
        row = row or IndicatorResult(report_id=report.id, indicator_id=indicator_id)
        for name in Entry._fields:
            value = getattr(entry, name)
            setattr(row, name, value.value if name == "band" and value is not None else value)
        session.add(row)
    spent_rows = {
        row.budget_line_id: row
        for row in session.exec(select(BudgetExecution).where(BudgetExecution.report_id == report.id))
    }
    for line_id, amount in data.spending.items():
        row = spent_rows.get(line_id)
        if amount is None:
            if row is not None:
                session.delete(row)
            continue
        row = row or BudgetExecution(report_id=report.id, budget_line_id=line_id, spent=amount)
        row.spent = amount
        session.add(row)
    _audit_changes(session, sheet, changes, user, reason)
    session.flush()
    return report


def fingerprints(sheet: QuarterSheet) -> dict[Row, str]:
    """What the form shows of each row, for a later save to merge with (kpi.results.merge)."""
    rows = [("indicator", indicator.id) for indicator in sheet.indicators] + [("line", line.id) for line in sheet.lines]
    return {row: fingerprint(_stored(sheet, row)) for row in rows}


def _stored(sheet: QuarterSheet, row: Row) -> Entry | Decimal | None:
    kind, key = row
    return sheet.current(key) if kind == "indicator" else sheet.spent(key)


def rows_changed(data: QuarterInput) -> set[Row]:
    """The rows whose values `data` changes from what its user saw (all of them without fingerprints)."""
    return {row for row, values in data.rows().items() if data.seen.get(row) != fingerprint(values)}


def _merged(sheet: QuarterSheet, data: QuarterInput) -> QuarterInput:
    """The rows of `data` still to save once merged with what others saved (RowConflict if any clash)."""
    sent = data.rows()
    to_save, conflicts = merge({row: _stored(sheet, row) for row in sent}, sent, data.seen)
    if conflicts:
        raise RowConflict(conflicts)
    return QuarterInput(
        entries={key: values for (kind, key), values in to_save.items() if kind == "indicator"},
        spending={key: values for (kind, key), values in to_save.items() if kind == "line"},
        seen=data.seen,
    )


def _new_report(sheet: QuarterSheet):
    return lambda: QuarterReport(unit_id=sheet.unit.id, year_id=sheet.year.id, quarter=sheet.quarter)


def reload(session: Session, sheet: QuarterSheet) -> QuarterSheet:
    """The quarter as committed now (the caller holds its lock, or wants the latest)."""
    session.expire_all()
    return load_sheet(session, sheet.unit, sheet.year, sheet.quarter, figures_through=sheet.quarter)


def _audit_changes(session: Session, sheet: QuarterSheet, changes: list[Change], user, reason: str | None) -> None:
    for change in changes:
        record(
            session,
            actor=user.username,
            user_id=user.id,
            unit_id=sheet.unit.id,
            entity=change.entity,
            entity_id=change.entity_id,
            action="update",
            field=f"{sheet.label} · {change.field}",
            old_value=change.old_text,
            new_value=change.new_text,
            reason=reason,
        )


# --- Review workflow (kpi.workflow): draft → submitted → approved, or returned with a reason ---


def transition(
    session: Session, sheet: QuarterSheet, action: str, *, user, expected_version: int | None, reason: str | None = None
) -> QuarterReport:
    """Move the quarter's report through the workflow; returning and reopening need a reason."""
    report = workflow_transition(
        session,
        QUARTER,
        sheet.report,
        _new_report(sheet),
        action,
        user=user,
        expected_version=expected_version,
        reason=reason,
        unit_id=sheet.unit.id,
        what=sheet.label,
        conflict=lambda: Conflict(QUARTER_CONFLICT),
    )
    session.flush()
    return report


def quarter_label(quarter: int) -> str:
    return QUARTER_LABELS[quarter]
