"""What the progress table prints: each indicator as a row of ready-made texts, rendered.

The table prints some 80 rows of 15 cells. Jinja pays for every filter, attribute chain and
include inside a row, so the texts are made here in plain Python and the template only
prints them (templates never compute). Each row is rendered by one macro (progress/_row.html).
Nothing is remembered between requests: a worker's memory must not grow with what it served.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from flask import current_app
from markupsafe import Markup

from kpi.core.levels import merge_level_cells
from kpi.formatting import format_rate
from kpi.progress.rows import STATUS_TEXT, IndicatorRow
from kpi.progress.service import UnitProgress


@dataclass(slots=True)
class ProgressLine:
    """One indicator's row of the 进度跟踪 table."""

    status: str  # green/yellow/red/none: the chip's colour and the row's data-status
    status_text: str  # the chip's word, so a status never depends on colour alone
    aggregation: str
    level1: str
    level2: str
    name: str
    project: str  # the linked project under a unit-wide indicator's name, else ""
    target_text: str
    quarters: tuple[str, str, str, str]
    actual_text: str
    completion_text: str  # "121.1%", or "" when there is nothing to compare
    over_completed: bool
    expected_text: str
    forecast_text: str
    explanation: str  # the working behind the status
    level1_rows: int = 0  # rowspan of the merged 一级 cell on the first row of its run, else 0
    level2_rows: int = 0  # the same for 二级 (kpi.core.levels)
    html: Markup = field(default=Markup(""))  # the whole <tr>, as progress/_row.html renders it


def progress_tables(progress: UnitProgress) -> list[tuple[str, list[ProgressLine]]]:
    """Each table (单位整体 first, then each project's own) with its rows, rendered."""
    as_of = progress.as_of_quarter
    render = current_app.jinja_env.get_template("progress/_row.html").module.progress_row
    return [(title, rendered_lines(rows, as_of, render)) for title, rows in progress.tables()]


def rendered_lines(rows: list[IndicatorRow], as_of: int, render) -> list[ProgressLine]:
    """The table's lines with their HTML, the levels merged as on the published table."""
    lines = merge_level_cells([progress_line(row) for row in rows])
    for line in lines:
        line.html = render(line, as_of)
    return lines


def progress_line(row: IndicatorRow) -> ProgressLine:
    indicator, progress = row.indicator, row.progress
    return ProgressLine(
        status=progress.status,
        status_text=STATUS_TEXT[progress.status],
        aggregation=indicator.aggregation,
        level1=indicator.level1,
        level2=indicator.level2,
        name=indicator.name,
        project=row.project if row.project and indicator.scope == "unit" else "",
        target_text=indicator.target_text,
        quarters=row.quarters,
        actual_text=row.actual_text,
        completion_text=_percent(progress.completion_pct),
        over_completed=progress.over_completed,
        expected_text=_percent(progress.expected_pct),
        forecast_text=row.forecast_text,
        explanation=progress.explanation,
    )


def _percent(value: Decimal | None) -> str:
    return format_rate(value)  # 2 decimals, as the workbooks print rates
