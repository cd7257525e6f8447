"""Figures as workbook cells, one way for every workbook: numbers stay numbers.

A count keeps its unit in the number format ('#,##0"宗"'), a rate kept as 0–100 is written as a
fraction under 0.00%, money under #,##0.00 in 万元, a status as its word on its colour (绿/黄/红/
未填报, never colour alone). The progress workbook and the finance bureau's 汇总表 both write their
figures through these, so the two read alike (docs/rules/layouts.md §4, §6).
"""

from __future__ import annotations

from decimal import Decimal

from openpyxl.styles import PatternFill

from kpi.domain.aggregation import Aggregation
from kpi.domain.progress import Status
from kpi.reports import style
from kpi.reports.style import Styled

# Chip text, so that a status never depends on colour alone.
STATUS_TEXT = {Status.GREEN: "绿", Status.YELLOW: "黄", Status.RED: "红", Status.NONE: "未填报"}
STATUS_FILLS = {  # Excel's own good / neutral / bad tints print legibly in black and white too
    Status.GREEN: PatternFill("solid", fgColor="C6EFCE"),
    Status.YELLOW: PatternFill("solid", fgColor="FFEB9C"),
    Status.RED: PatternFill("solid", fgColor="FFC7CE"),
    Status.NONE: PatternFill("solid", fgColor="D9D9D9"),
}


def figure(indicator, aggregation: Aggregation, value: Decimal) -> Styled:
    """A figure as a real number: money in 万元, a rate as a fraction, else with its unit shown."""
    if aggregation is Aggregation.BUDGET:
        return Styled(value, style.MONEY)
    if aggregation is Aggregation.RATE and (indicator.unit or "%") == "%":
        return fraction(value)
    return Styled(value, style.NUMBER, with_unit(style.number_format_for(value), indicator.unit or ""))


def with_unit(number_format: str, unit: str) -> str:
    # A quoted suffix shows the unit and keeps the cell a number ('#,##0"宗"').
    unit = unit.replace('"', "").strip()
    return f'{number_format}"{unit}"' if unit else number_format


def fraction(pct: Decimal | None) -> Styled:
    """A percentage kept as 0–100, written as a fraction for Excel's 0.00%."""
    return Styled(None if pct is None else pct / 100, style.PERCENT)


def status_look(status: Status) -> Styled:
    """The status word on its colour: 绿/黄/红/未填报."""
    return Styled(STATUS_TEXT[status], fill=STATUS_FILLS[status])


def actual_cell(item) -> Styled:
    """An indicator row's 累计/最新 (kpi.progress.rows.IndicatorRow): the figure as a number, a date
    for a deadline met, else the row's own wording (a band, "尚未完成" or nothing yet)."""
    actual = item.progress.actual
    if actual.value is not None:
        return figure(item.indicator, Aggregation(item.indicator.aggregation), actual.value)
    if actual.achieved_on is not None:
        return Styled(actual.achieved_on, style.DATE)
    return Styled(item.actual_text)


def quarter_cell(indicator, value) -> Styled:
    """One quarter's figure (IndicatorRow.quarter_values): a number with the indicator's unit in
    its format, a date, or a band's word."""
    if isinstance(value, Decimal):
        return figure(indicator, Aggregation(indicator.aggregation), value)
    if isinstance(value, str):
        return Styled(value)
    return Styled(value, style.DATE if value is not None else style.TEXT)
