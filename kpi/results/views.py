"""Read models behind the results pages (routes never query directly)."""
from __future__ import annotations

from sqlmodel import Session

from kpi.audit.service import history
from kpi.budget import service as budget
from kpi.budget.models import Unit
from kpi.indicators.models import Indicator
from kpi.indicators.service import group_by_level
from kpi.results.presenters import INPUT_HINTS, INPUTS, entry_inputs, ytd_text
from kpi.results.sheet import QUARTER_LABELS, STATUS_LABELS, QuarterSheet, load_sheet


def sheet(session: Session, unit_id: int, year: int, quarter: int) -> QuarterSheet | None:
    unit = session.get(Unit, unit_id)
    fiscal_year = budget.find_year(session, year)
    if unit is None or fiscal_year is None or quarter not in QUARTER_LABELS:
        return None
    return load_sheet(session, unit, fiscal_year, quarter)


def reload(session: Session, old: QuarterSheet) -> QuarterSheet:
    session.expire_all()
    return load_sheet(session, old.unit, old.year, old.quarter)


def quarters_overview(session: Session, unit_id: int, year: int) -> dict | None:
    loaded = sheet(session, unit_id, year, 1)
    if loaded is None:
        return None
    rows = []
    for quarter, label in QUARTER_LABELS.items():
        report = loaded.reports.get(quarter)
        rows.append({"quarter": quarter, "label": label, "status": report.status if report else None,
                     "status_label": STATUS_LABELS[report.status if report else None], "report": report})
    return {"unit": loaded.unit, "year": loaded.year, "rows": rows}


def quarter_page(sheet: QuarterSheet, form, user, *, typed=None, errors=None, conflict=None, changes=None) -> dict:
    """Everything the quarter template needs; `typed` (raw posted values) wins over stored ones."""
    typed_entries, typed_spending = typed or ({}, {})
    errors = errors or {}
    can_enter = user.can("enter", sheet.unit.id)
    tables = []
    for title, indicators in sheet.tables():
        groups = []
        for level1, level2_groups in group_by_level(indicators):
            groups.append((level1, [(level2, [_row(sheet, indicator, typed_entries, errors) for indicator in rows])
                                    for level2, rows in level2_groups]))
        tables.append((title, groups))
    lines = [
        {
            "line": line,
            "before": sheet.spent_to_date(line.id, sheet.quarter - 1),
            "value": typed_spending.get(line.id, _plain(sheet.spent(line.id))),
            "error": errors.get(("line", line.id, "spent")),
        }
        for line in sheet.lines
    ]
    return {
        "sheet": sheet, "form": form, "tables": tables, "lines": lines, "errors": errors,
        "editable": sheet.editable and can_enter, "can_review": user.can("review", sheet.unit.id),
        "status_label": STATUS_LABELS[sheet.status], "quarters": QUARTER_LABELS, "conflict": conflict,
        "changes": changes or [], "inputs": INPUTS, "hints": INPUT_HINTS,
    }


def _row(sheet: QuarterSheet, indicator: Indicator, typed: dict, errors: dict) -> dict:
    values = entry_inputs(sheet.current(indicator.id))
    values.update({name: value for name, value in typed.get(indicator.id, {}).items()})
    project = sheet.project_names.get(indicator.budget_line_id) if indicator.scope == "project" else None
    return {
        "indicator": indicator,
        "label": f"{project}·{indicator.name}" if project else indicator.name,  # unique, for screen readers
        "before": ytd_text(indicator, sheet.before(indicator)),
        "fields": values,
        "errors": {field: message for (kind, ident, field), message in errors.items() if kind == "indicator" and ident == indicator.id},
    }


def _plain(amount) -> str:
    if amount is None:
        return ""
    return format(amount.normalize(), "f")


def indicator_history(session: Session, unit_id: int, indicator_id: int) -> dict | None:
    indicator = session.get(Indicator, indicator_id)
    if indicator is None or indicator.unit_id != unit_id:
        return None  # another unit's indicator: not found, whatever the id
    return {"indicator": indicator, "unit": session.get(Unit, unit_id), "events": history(session, "indicator", indicator_id)}
