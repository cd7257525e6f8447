"""What an approved report was approved on (审批依据): the year's quarter sheet, frozen as JSON.

An approved self-evaluation must keep exactly the targets, figures and scores it was approved
with (docs/workflow.md), even when a 目标调整 later changes a target or a quarter is reopened
and corrected. So at approval the sheet it was scored from (every indicator's columns, every
budget line's, the four quarters' figures and spending) is stored with the report, and while it
stays approved it is scored from that instead of the live tables. Columns are encoded by their
type (kpi.core.codec), so Decimals and dates come back exactly.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from kpi.budget.models import BudgetLine, FiscalYear, Unit
from kpi.core.codec import decode, encode
from kpi.domain.entries import Band, Entry
from kpi.domain.progress import QuarterFigure
from kpi.indicators.models import Indicator
from kpi.results.sheet import QuarterSheet

FORMAT = 1  # bump when the shape changes; an unknown format is ignored (scored live, with a warning)


def freeze(sheet: QuarterSheet) -> dict:
    """The sheet as a JSON document."""
    return {
        "format": FORMAT,
        "indicators": [_row(indicator) for indicator in sheet.indicators],
        "lines": [_row(line) for line in sheet.lines],
        "figures": {
            str(key): [[figure.quarter, _entry(figure.entry)] for figure in figures]
            for key, figures in sheet.figures.items()
        },
        "spending": {
            str(key): {str(quarter): str(amount) for quarter, amount in by_quarter.items()}
            for key, by_quarter in sheet.spending.items()
        },
    }


def thaw(document: dict, unit: Unit, fiscal_year: FiscalYear, quarter: int, reports: dict) -> QuarterSheet | None:
    """The frozen sheet, with the live unit, year and reports; None for a document of another format."""
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        return None
    lines = [_model(BudgetLine, row) for row in document["lines"]]
    return QuarterSheet(
        unit=unit,
        year=fiscal_year,
        quarter=quarter,
        reports=reports,
        indicators=[_model(Indicator, row) for row in document["indicators"]],
        lines=lines,
        figures={
            int(key): [QuarterFigure(number, _thaw_entry(fields)) for number, fields in figures]
            for key, figures in document["figures"].items()
        },
        spending={
            int(key): {int(q): Decimal(amount) for q, amount in by_quarter.items()}
            for key, by_quarter in document["spending"].items()
        },
        project_names={line.id: line.name for line in lines if line.kind == "project"},
    )


def targets_changed(document: dict, sheet: QuarterSheet) -> bool:
    """Whether a target, its points or the set of indicators differ now from what was approved."""
    frozen = {row["id"]: (row.get("target_text"), row.get("points")) for row in document.get("indicators", [])}
    live = {
        indicator.id: (indicator.target_text, encode(indicator.points, _type(Indicator, "points")))
        for indicator in sheet.indicators
    }
    return frozen != live


def _columns(model):
    return model.__table__.columns


def _type(model, name: str):
    return model.__table__.columns[name].type


def _row(row) -> dict:
    return {column.key: encode(getattr(row, column.key), column.type) for column in _columns(type(row))}


def _model(model, data: dict):
    """A detached row built from the document: read, never added to a session."""
    return model(**{column.key: decode(data.get(column.key), column.type) for column in _columns(model)})


def _entry(entry: Entry) -> dict:
    return {name: _plain(value) for name, value in entry._asdict().items() if value is not None}


def _plain(value):
    if isinstance(value, Band):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def _thaw_entry(fields: dict) -> Entry:
    values = dict(fields)
    for name in ("value", "numerator", "denominator"):
        if values.get(name) is not None:
            values[name] = Decimal(values[name])
    if values.get("band") is not None:
        values["band"] = Band(values["band"])
    if values.get("achieved_on") is not None:
        values["achieved_on"] = date.fromisoformat(values["achieved_on"])
    return Entry(**values)
