"""Read models behind the results pages (routes never query directly)."""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app, url_for
from sqlmodel import Session

from kpi.accounts.people import people
from kpi.audit.service import history
from kpi.budget.models import FiscalYear, Unit
from kpi.core.ids import is_id  # ASCII digits in range: str.isdigit() takes '²'
from kpi.core.levels import merge_level_cells
from kpi.db import get_session
from kpi.domain.numbers import plain_number
from kpi.indicators.models import Indicator
from kpi.results import service
from kpi.results.presenters import (
    EntryRow,
    LinkedFigure,
    entry_row,
    entry_text,
)
from kpi.results.sheet import QUARTER_LABELS, STATUS_LABELS, QuarterSheet, find_unit_year, load_sheet
from kpi.workflow.history import approval_history


def sheet(session: Session, unit_id: int, year: int, quarter: int) -> QuarterSheet | None:
    """The quarter's sheet as of the quarter, or None when the unit, year or quarter does not exist."""
    found = find_unit_year(session, unit_id, year) if quarter in QUARTER_LABELS else None
    if found is None:
        return None
    return load_sheet(
        session,
        *found,
        quarter,
        figures_through=quarter,  # the pages show no later quarter
    )


reload = service.reload  # the quarter as committed now


def quarters_overview(session: Session, unit_id: int, year: int) -> dict | None:
    loaded = sheet(session, unit_id, year, 1)
    if loaded is None:
        return None
    rows = []
    for quarter, label in QUARTER_LABELS.items():
        report = loaded.reports.get(quarter)
        rows.append(
            {
                "quarter": quarter,
                "label": label,
                "status": report.status if report else None,
                "status_label": STATUS_LABELS[report.status if report else None],
                "report": report,
            }
        )
    return {"unit": loaded.unit, "year": loaded.year, "rows": rows}


def quarter_page(
    sheet: QuarterSheet, form, user, *, typed=None, errors=None, conflict=None, changes=None, seen=None
) -> dict:
    """Everything the quarter template needs; `typed` (raw posted values) wins over stored ones.

    `seen` (the fingerprints of what the user saw, kpi.results.merge) defaults to the sheet's
    own; a page shown again with typed values must carry what the user saw first instead."""
    typed_entries, typed_spending = typed or ({}, {})
    errors = errors or {}
    editable = sheet.editable and user.can("enter", sheet.unit.id)
    tables = _entry_tables(sheet, typed_entries, errors, editable)
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
        "sheet": sheet,
        "form": form,
        "tables": tables,
        "lines": lines,
        "errors": errors,
        "editable": editable,
        "can_review": user.can("review", sheet.unit.id),
        "status_label": STATUS_LABELS[sheet.status],
        "quarters": QUARTER_LABELS,
        "conflict": conflict,
        "changes": changes or [],
        "history": approval_history(get_session(), "quarter_report", sheet.report.id if sheet.report else None),
        "seen": seen_fields(service.fingerprints(sheet) if seen is None else seen),
    }


def seen_fields(seen: dict) -> dict[str, str]:
    """The hidden inputs carrying the fingerprints: `s-i<id>` per indicator, `s-b<id>` per line."""
    return {f"s-{'i' if kind == 'indicator' else 'b'}{key}": value for (kind, key), value in seen.items()}


def posted_seen(form) -> dict:
    """The fingerprints a form sent back (malformed ones are left out: those rows cannot merge)."""
    seen = {}
    for name, value in form.items():
        if (
            name.startswith(("s-i", "s-b"))
            and is_id(name[3:])
            and len(value) == 16
            and value.isascii()
            and value.isalnum()
        ):
            seen[("indicator" if name[2] == "i" else "line", int(name[3:]))] = value
    return seen


def _entry_tables(sheet: QuarterSheet, typed: dict, errors: dict, editable: bool) -> list[tuple[str, list[EntryRow]]]:
    """Each table's rows (the unit-wide table, then each project's), with their merged level cells,
    each rendered by results/_row.html on every request (nothing is remembered between requests)."""
    errors_of: dict[int, dict[str, str]] = {}
    for (kind, ident, field), message in errors.items():
        if kind == "indicator":
            errors_of.setdefault(ident, {})[field] = message
    history_url = _history_urls(sheet.unit.id)
    render = current_app.jinja_env.get_template("results/_row.html").module.entry_row
    tables = []
    for title, indicators in sheet.tables():
        rows = [
            entry_row(
                indicator,
                project=_own_project(sheet, indicator),
                before=sheet.before(indicator),
                stored=sheet.current(indicator.id),
                typed=typed.get(indicator.id, {}),
                errors=errors_of.get(indicator.id, {}),
                history_url=history_url(indicator.id),
                linked=_linked(sheet, indicator),
            )
            for indicator in indicators
        ]
        for row in merge_level_cells(rows):
            row.html = render(row, editable)
        tables.append((title, rows))
    return tables


def _linked(sheet: QuarterSheet, indicator: Indicator) -> LinkedFigure | None:
    """同一指标: the project row's figure and a link to it, for a unit-table row entered there."""
    source = sheet.source_of(indicator)
    if source is None:
        return None
    return LinkedFigure(
        project=sheet.source_project(indicator),
        figure=entry_text(source, sheet.current(source.id)),
        url=f"#ind-{source.id}",
    )


def _own_project(sheet: QuarterSheet, indicator: Indicator) -> str | None:
    return sheet.project_names.get(indicator.budget_line_id) if indicator.scope == "project" else None


def _history_urls(unit_id: int) -> Callable[[int], str]:
    """The 修改记录 link of each indicator: url_for once a page, not once a row (~15 µs each)."""
    placeholder = "4000000001"  # an id no table reaches, replaced by each row's own
    before, after = url_for("results.indicator_history", unit_id=unit_id, indicator_id=int(placeholder)).split(
        placeholder
    )
    return lambda indicator_id: f"{before}{indicator_id}{after}"


def _plain(amount) -> str:
    if amount is None:
        return ""
    return plain_number(amount)


def indicator_history(session: Session, unit_id: int, indicator_id: int) -> dict | None:
    indicator = session.get(Indicator, indicator_id)
    if indicator is None or indicator.unit_id != unit_id:
        return None  # another unit's indicator: not found, whatever the id
    events = history(session, "indicator", indicator_id)
    return {
        "indicator": indicator,
        "unit": session.get(Unit, unit_id),
        "year": session.get(FiscalYear, indicator.year_id),
        "events": events,
        "people": people(session, events),
    }
