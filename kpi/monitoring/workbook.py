"""The 绩效运行监控表 workbook (docs/rules/monitoring.md §1, docs/rules/layouts.md §3) in the house style of kpi.reports.style.

One sheet: the merged title "{year}年度{unit}绩效运行监控表", the unit / year (1–7月) /
金额单位：万元 line, the money block to the end of July (one row per budget line, then the
totals), the indicator grid (单位整体, then each project's own table) with merged 一级/二级
cells, and the unit's summary. Numbers are real numbers with number formats; user text is
written through ``style.write_text`` so it never becomes a formula. The grid's header row is
frozen and repeated on every printed page (A4 landscape).

The builder computes nothing: every value comes from the MonitoringSheet (and so the domain).
"""

from __future__ import annotations

import logging
from decimal import Decimal

from openpyxl import Workbook

from kpi.core.text import clean_text
from kpi.domain.aggregation import Aggregation
from kpi.domain.entries import BAND_LABELS
from kpi.indicators.service import group_by_level
from kpi.monitoring.sheet import BudgetRow, IndicatorLine, MonitoringSheet
from kpi.reports import style
from kpi.reports.figures import fraction, with_unit
from kpi.workflow.history import sign_off

log = logging.getLogger(__name__)

SHEET_TITLE = "绩效运行监控表"
GRID_HEADERS = [
    "一级指标",
    "二级指标",
    "三级指标",
    "年度指标值",
    "1–7月完成值",
    "全年预计完成值",
    "是否偏差",
    "偏差原因类别",
    "原因说明",
    "完成目标可能性",
    "纠偏措施",
]
MONEY_HEADERS = [
    "预算项目",
    "全年预算数",
    "1–7月执行数",
    "执行率",
    "全年预计执行数",
    "预计执行率",
    "是否偏差",
    "偏差说明",
]
WIDTH = len(GRID_HEADERS)
MONEY_SECTION = "一、预算执行情况（截至7月底）"
GRID_SECTION = "二、绩效指标完成情况（1–7月）"
SUMMARY_LABEL = "总体情况说明"
_PREFERRED_WIDTHS = {"A": 12, "B": 14, "C": 30, "I": 30, "K": 30}


def workbook_name(sheet: MonitoringSheet) -> str:
    return f"{sheet.unit.name}-{sheet.year.year}年绩效运行监控表.xlsx"


def build_monitoring_workbook(sheet: MonitoringSheet) -> bytes:
    """The unit's 绩效运行监控表 as .xlsx bytes (a report not started shows the prefilled trend)."""
    wb = Workbook()
    style.add_styles(wb)
    ws = wb.active
    ws.title = SHEET_TITLE
    style.write_title(ws, f"{sheet.year.year}年度{sheet.unit.name}绩效运行监控表", WIDTH)
    row = style.write_header_lines(ws, sheet.unit.name, sheet.year.year, width_cols=WIDTH, period="1–7月")
    row = _money_block(ws, row, sheet.budget_rows())
    row = _section(ws, row + 1, GRID_SECTION)
    header_row = row
    style.write_header_row(ws, header_row, GRID_HEADERS)
    row += 1
    tables = sheet.tables()
    for title, lines in tables:
        if len(tables) > 1:
            row = _section(ws, row, f"{title}指标")
        row = _grid(ws, row, lines)
    _summary(ws, row + 1, sheet.summary)
    _sign_off(ws, row + 3, sheet)
    style.fit_columns(ws, 8, 40, skip_rows=2)
    style.fit_rows(ws, 3)
    for column, preferred in _PREFERRED_WIDTHS.items():
        ws.column_dimensions[column].width = max(ws.column_dimensions[column].width or 0, preferred)
    style.setup_print(ws, header_row, repeat_from=header_row, freeze_columns=3)
    wb.properties.title = clean_text(
        f"{sheet.unit.name} {sheet.year.year}年绩效运行监控表"
    )  # a unit name is text from outside
    wb.properties.creator = "预算绩效指标跟踪系统"
    return style.workbook_bytes(wb)


def _section(ws, row: int, title: str) -> int:
    style.write_text(ws.cell(row=row, column=1), title)
    for column in range(1, WIDTH + 1):
        ws.cell(row=row, column=column).style = style.SECTION
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=WIDTH)
    return row + 1


def _money_block(ws, row: int, rows: list[BudgetRow]) -> int:
    row = _section(ws, row, MONEY_SECTION)
    style.write_header_row(ws, row, MONEY_HEADERS)
    _merge_tail(ws, row, len(MONEY_HEADERS), style.HEADER)
    row += 1
    for budget_row in rows:
        monitoring = budget_row.monitoring
        style.write_text(ws.cell(row=row, column=1), budget_row.label).style = style.TEXT
        _money(ws.cell(row=row, column=2), budget_row.budget)
        _money(ws.cell(row=row, column=3), monitoring.progress.spent)
        style.put(ws.cell(row=row, column=4), fraction(monitoring.progress.execution_rate))
        _money(ws.cell(row=row, column=5), monitoring.forecast)
        style.put(ws.cell(row=row, column=6), fraction(monitoring.forecast_rate))
        style.write_text(ws.cell(row=row, column=7), _yes_no(monitoring.deviation)).style = style.TEXT
        style.write_text(ws.cell(row=row, column=8), budget_row.cause).style = style.TEXT
        _merge_tail(ws, row, len(MONEY_HEADERS), style.TEXT)
        row += 1
    return row


def _merge_tail(ws, row: int, first: int, cell_style: str) -> None:
    """The last column of the money block spans the rest of the grid's width."""
    for column in range(first, WIDTH + 1):
        ws.cell(row=row, column=column).style = cell_style
    ws.merge_cells(start_row=row, start_column=first, end_row=row, end_column=WIDTH)


def _grid(ws, row: int, lines: list[IndicatorLine]) -> int:
    by_indicator = {line.indicator.id: line for line in lines}
    for level1, level2_groups in group_by_level([line.indicator for line in lines]):
        level1_start = row
        for level2, indicators in level2_groups:
            level2_start = row
            for indicator in indicators:
                _indicator_row(ws, row, by_indicator[indicator.id])
                row += 1
            style.merged_label(ws, level2_start, row - 1, 2, level2)
        style.merged_label(ws, level1_start, row - 1, 1, level1)
    return row


def _indicator_row(ws, row: int, line: IndicatorLine) -> None:
    indicator, monitoring = line.indicator, line.monitoring
    style.write_text(ws.cell(row=row, column=3), indicator.name).style = style.TEXT
    style.write_text(ws.cell(row=row, column=4), indicator.target_text).style = style.TEXT
    actual = monitoring.to_july
    _figure(ws.cell(row=row, column=5), indicator, actual.value, actual.band, actual.achieved_on, done=True)
    forecast = monitoring.forecast
    _figure(ws.cell(row=row, column=6), indicator, forecast.value, forecast.band, forecast.on, done=False)
    style.write_text(ws.cell(row=row, column=7), _yes_no(monitoring.deviation)).style = style.TEXT
    for column, name in enumerate(("cause_category", "cause", "likelihood", "corrective_measures"), start=8):
        style.write_text(ws.cell(row=row, column=column), line.texts.get(name)).style = style.TEXT


def _figure(cell, indicator, value: Decimal | None, band, on, *, done: bool) -> None:
    """A figure as a real number (with the indicator's unit in the format), a band or a date."""
    aggregation = indicator.aggregation
    if aggregation == Aggregation.QUALITATIVE:
        style.write_text(cell, BAND_LABELS[band] if band else None).style = style.TEXT
    elif aggregation == Aggregation.DEADLINE:
        if on is not None:
            cell.value = on
            cell.style = style.DATE
        else:
            style.write_text(cell, "尚未完成" if done else None).style = style.TEXT
    elif value is None:
        cell.style = style.NUMBER
    elif aggregation == Aggregation.BUDGET:
        _money(cell, value)
    else:
        cell.value = value
        cell.style = style.NUMBER
        suffix = "%" if aggregation == Aggregation.RATE else (indicator.unit or "")
        cell.number_format = with_unit(
            "#,##0.00" if aggregation == Aggregation.RATE else style.number_format_for(value), suffix
        )


def _money(cell, value: Decimal | None) -> None:
    cell.value = value
    cell.style = style.MONEY


def _sign_off(ws, row: int, sheet: MonitoringSheet) -> None:
    signed = sign_off(sheet.history)
    style.write_text(
        ws.cell(row=row, column=1),
        style.sign_off_text(signed.filed_by, signed.filed_on, signed.approved_by, signed.approved_on),
    ).style = style.SUBTITLE
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=WIDTH)


def _yes_no(deviation: bool | None) -> str:
    return "—" if deviation is None else "是" if deviation else "否"


def _summary(ws, row: int, summary: str | None) -> None:
    style.write_text(ws.cell(row=row, column=1), SUMMARY_LABEL).style = style.HEADER
    style.write_text(ws.cell(row=row, column=2), summary).style = style.TEXT
    for column in range(3, WIDTH + 1):
        ws.cell(row=row, column=column).style = style.TEXT
    ws.merge_cells(start_row=row, start_column=2, end_row=row, end_column=WIDTH)
    lines = max(1, len(summary or "") // 80 + (summary or "").count("\n") + 1)
    ws.row_dimensions[row].height = min(15 * lines + 6, 400)
