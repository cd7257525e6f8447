"""Read models behind the monitoring page (routes never query; templates never compute)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from sqlmodel import Session

from kpi.budget import service as budget
from kpi.budget.models import Unit
from kpi.core.error_summary import ErrorLink, error_links
from kpi.domain.entries import BAND_LABELS
from kpi.domain.monitoring import CAUSE_CATEGORIES, LIKELIHOODS, MONTHS, Projection
from kpi.domain.progress import STATUS_LABELS as LIGHT_LABELS
from kpi.formatting import format_number
from kpi.indicators.service import group_by_level
from kpi.monitoring.sheet import TEXT_FIELDS, BudgetRow, IndicatorLine, MonitoringSheet, load_monitoring
from kpi.monitoring.validation import FORECAST_FIELD, incomplete, plain, projection_inputs
from kpi.results.presenters import INPUT_HINTS, entry_inputs, entry_text, ytd_text
from kpi.workflow import STATUS_LABELS

# The July inputs' hints, by aggregation rule (a quarter's hints, said of July).
JULY_HINTS = {
    **INPUT_HINTS,
    "cumulative": "7月当月新增数",
    "level": "7月末时点数（不填则取二季度末）",
    "deadline": "完成日期（未完成留空）",
}
ITEM_FIELDS = (
    "value",
    "numerator",
    "denominator",
    "band",
    "achieved_on",
    "forecast",
    "forecast_band",
    "forecast_date",
    "cause_category",
    "cause",
    "likelihood",
    "corrective_measures",
    "remark",
)
LINE_FIELDS = ("july", "forecast", "cause")
# The fields as the error summary names them.
FIELD_LABELS = {
    "value": "7月完成值",
    "numerator": "7月分子",
    "denominator": "7月分母",
    "band": "7月完成等级",
    "achieved_on": "完成日期",
    "forecast": "全年预计数",
    "forecast_band": "全年预计完成值",
    "forecast_date": "全年预计完成值",
    "cause_category": "偏差原因类别",
    "cause": "原因说明",
    "likelihood": "完成目标可能性",
    "corrective_measures": "纠偏措施",
    "remark": "备注",
    "july": "7月执行数",
    "summary": "年度总体目标进展及总体情况",
}


def sheet(session: Session, unit_id: int, year: int) -> MonitoringSheet | None:
    unit = session.get(Unit, unit_id)
    fiscal_year = budget.find_year(session, year)
    if unit is None or fiscal_year is None:
        return None
    return load_monitoring(session, unit, fiscal_year)


def report_page(sheet: MonitoringSheet, form, user, *, typed=None, errors=None, conflict=None, changes=None) -> dict:
    """Everything the report template needs; `typed` (raw posted values) wins over stored ones."""
    typed_items, typed_lines, typed_summary = typed or ({}, {}, None)
    errors = errors or {}
    tables = []
    for title, lines in sheet.tables():
        by_id = {line.indicator.id: line for line in lines}
        groups = [
            (
                level1,
                [
                    (level2, [_row(sheet, by_id[indicator.id], typed_items, errors) for indicator in indicators])
                    for level2, indicators in level2_groups
                ],
            )
            for level1, level2_groups in group_by_level([line.indicator for line in lines])
        ]
        tables.append((title, groups))
    budget_rows = [_budget_row(row, typed_lines, errors) for row in sheet.budget_rows()]
    editable = sheet.editable and user.can("enter", sheet.unit.id)
    return {
        "sheet": sheet,
        "form": form,
        "tables": tables,
        "budget_rows": budget_rows,
        "errors": errors,
        "error_links": _error_links(budget_rows, tables, errors),
        "editable": editable,
        "can_review": user.can("review", sheet.unit.id),
        "status_label": STATUS_LABELS[sheet.status],
        "conflict": conflict,
        "changes": changes or [],
        "history": sheet.history,
        "summary": typed_summary if typed_summary is not None else (sheet.summary or ""),
        "summary_error": errors.get(("report", 0, "summary")),
        "missing_count": len(incomplete(sheet)) if editable and not errors else 0,
        "categories": CAUSE_CATEGORIES,
        "likelihoods": LIKELIHOODS,
        "hints": JULY_HINTS,
        "time_progress": format_number((Decimal(MONTHS * 100) / 12).quantize(Decimal("0.01"), ROUND_HALF_UP)),
        "light_labels": LIGHT_LABELS,
    }


def _error_links(budget_rows: list[dict], tables: list, errors: dict) -> list[ErrorLink]:
    """The form's error summary, in the page's order: the budget, the indicators, the summary."""
    labels = {("line", b["row"].line.id): b["row"].line.name for b in budget_rows if b["row"].line is not None}
    linked = set()
    for _, groups in tables:
        for _, level2_groups in groups:
            for _, rows in level2_groups:
                labels.update({("indicator", r["indicator"].id): r["label"] for r in rows})
                linked.update(r["indicator"].id for r in rows if r["linked"])
    labels[("report", 0)] = "总体情况说明"
    prefixes = {"indicator": "i", "line": "b"}

    def target(key) -> str:
        kind, ident, name = key
        if kind == "indicator" and ident in linked:  # 同一指标: the row has no inputs; it shows the fault
            return f"ind-{ident}"
        return f"{prefixes[kind]}{ident}-{name}" if kind in prefixes else name

    return error_links(errors, order=[*labels], labels=labels, fields=FIELD_LABELS, target=target)


def _linked(sheet: MonitoringSheet, line: IndicatorLine) -> dict | None:
    """同一指标: where a unit-table row's July figure and explanations are entered (None: here),
    and the project row's July figure and projection it shows."""
    indicator = line.indicator
    source = sheet.source_of(indicator)
    if source is None:
        return None
    return {
        "project": sheet.source_project(indicator),
        "anchor": f"#ind-{source.id}",
        "july": entry_text(indicator, line.july),
        "forecast": _projection_text(indicator, line.monitoring.forecast),
    }


def _row(sheet: MonitoringSheet, line: IndicatorLine, typed: dict, errors: dict) -> dict:
    indicator, monitoring = line.indicator, line.monitoring
    values = entry_inputs(line.july)
    values.update(projection_inputs(monitoring.forecast))
    values.update({name: line.texts.get(name) or "" for name in TEXT_FIELDS})
    values.update(typed.get(indicator.id, {}))
    return {
        "indicator": indicator,
        "line": line,
        "monitoring": monitoring,
        "label": f"{line.project}·{indicator.name}" if line.project else indicator.name,
        "first_half": ytd_text(indicator, line.first_half),
        "to_july": ytd_text(indicator, monitoring.to_july),
        "trend": _projection_text(indicator, monitoring.trend),
        "fields": values,
        "linked": _linked(sheet, line),
        "forecast_field": FORECAST_FIELD.get(indicator.aggregation, "forecast"),
        "deviation": _yes_no(monitoring.deviation),
        "missing": line.missing,
        "errors": {
            name: message
            for (kind, ident, name), message in errors.items()
            if kind == "indicator" and ident == indicator.id
        },
    }


def _projection_text(indicator, projection: Projection) -> str:
    if projection.band is not None:
        return BAND_LABELS[projection.band]
    if projection.on is not None:
        return projection.on.isoformat()
    if projection.value is None:
        return ""
    unit = (
        "万元"
        if indicator.aggregation == "budget"
        else "%"
        if indicator.aggregation == "rate"
        else indicator.unit or ""
    )
    return f"{format_number(projection.value)}{unit}"


def _budget_row(row: BudgetRow, typed: dict, errors: dict) -> dict:
    monitoring = row.monitoring
    values = {"july": plain(monitoring.july), "forecast": plain(monitoring.forecast), "cause": row.cause or ""}
    if row.line is not None:
        values.update(typed.get(row.line.id, {}))
    return {
        "row": row,
        "monitoring": monitoring,
        "progress": monitoring.progress,
        "fields": values,
        "deviation": _yes_no(monitoring.deviation),
        "missing": row.missing,
        "errors": {
            name: message
            for (kind, ident, name), message in errors.items()
            if kind == "line" and row.line is not None and ident == row.line.id
        },
    }


def _yes_no(deviation: bool | None) -> str:
    return "—" if deviation is None else "是" if deviation else "否"
