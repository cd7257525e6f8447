"""What the progress table prints: each indicator as a row of ready-made texts.

The table prints some 80 rows of 15 cells. Jinja pays for every filter, attribute chain and
include inside a row, so the texts are made here in plain Python and the template only
prints them (templates never compute).
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from kpi.formatting import format_number
from kpi.progress.service import STATUS_TEXT, IndicatorRow, UnitProgress


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


def progress_tables(progress: UnitProgress) -> list[tuple[str, list[ProgressLine]]]:
    """Each table (单位整体 first, then each project's own) with its rows."""
    return [(title, [progress_line(row) for row in rows]) for title, rows in progress.tables()]


def progress_line(row: IndicatorRow) -> ProgressLine:
    indicator, progress = row.indicator, row.progress
    return ProgressLine(
        status=progress.status, status_text=STATUS_TEXT[progress.status], aggregation=indicator.aggregation,
        level1=indicator.level1, level2=indicator.level2, name=indicator.name,
        project=row.project if row.project and indicator.scope == "unit" else "",
        target_text=indicator.target_text, quarters=row.quarters, actual_text=row.actual_text,
        completion_text=_percent(progress.completion_pct), over_completed=progress.over_completed,
        expected_text=_percent(progress.expected_pct), forecast_text=row.forecast_text,
        explanation=progress.explanation,
    )


def _percent(value: Decimal | None) -> str:
    return "" if value is None else f"{format_number(value)}%"
