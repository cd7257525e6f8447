"""The 绩效运行监控表 workbook (docs/rules/monitoring.md §1, docs/rules/layouts.md §3) in the house style of kpi.reports.style.

One sheet in the official layout: the merged title "{year}年度{unit}绩效运行监控表", the unit / year
(1–7月) / 金额单位：万元 line, the money block to the end of July (全年预算数 · 1–7月执行数 · 执行率 ·
时间进度 · 偏差 · 预警 · 全年预计执行数 · 偏差说明, one row per budget line, then the totals), the
indicator grid under two header rows (the five cause columns with √ under 偏差原因分析, then 原因说明,
完成目标可能性, 纠偏措施 and 备注), the unit's summary and the sign-off block. Numbers are real
numbers with number formats; user text is written through ``style.write_text`` so it never becomes
a formula. The pages are cut by kpi.reports.pages, so that every page carries its 一级/二级 labels.

The builder computes nothing: every value comes from the MonitoringSheet (and so the domain).
"""

from __future__ import annotations

import logging
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter

from kpi.core.text import clean_text
from kpi.domain.aggregation import Aggregation
from kpi.domain.entries import BAND_LABELS
from kpi.domain.monitoring import CAUSE_CATEGORIES
from kpi.indicators.service import group_by_level
from kpi.monitoring.sheet import BudgetRow, IndicatorLine, MonitoringSheet
from kpi.reports import pages, sizing, style
from kpi.reports.figures import fraction, status_look, with_unit
from kpi.workflow.history import sign_off

log = logging.getLogger(__name__)
CENTRED = Alignment(horizontal="center", vertical="center")

SHEET_TITLE = "绩效运行监控表"
CAUSE_GROUP = "偏差原因分析"  # over the five tick columns (docs/rules/layouts.md §3)
TICK = "√"
TARGET_HEADERS = ("年初指标值", "调整后指标值")  # under 年度指标值, when a target was adjusted
MONEY_HEADERS = [
    "预算项目",
    "全年预算数",
    "1–7月执行数",
    "执行率",
    "时间进度",
    "偏差",
    "预警",
    "全年预计执行数",
    "偏差说明",
]
MONEY_SECTION = "一、预算执行情况（截至7月底）"
GRID_SECTION = "二、绩效指标完成情况（1–7月）"
SUMMARY_LABEL = "总体情况说明"


def grid_headers(adjusted: bool) -> list[str]:
    """The grid's columns in the official order; 年度指标值 splits into 年初/调整后 when any target
    of the unit was adjusted (docs/rules/layouts.md §3)."""
    targets = list(TARGET_HEADERS) if adjusted else ["年度指标值"]
    return [
        "一级指标",
        "二级指标",
        "三级指标",
        *targets,
        "1–7月执行情况",
        "全年预计完成情况",
        *CAUSE_CATEGORIES,
        "原因说明",
        "完成目标可能性",
        "纠偏措施",
        "备注",
    ]


GRID_HEADERS = grid_headers(False)
TEXT_COLUMNS = ("cause", "likelihood", "corrective_measures", "remark")  # after the ticks, in order
# The official form's proportions, in characters: the grid is the same for every unit, and the
# money block's fields are laid over these columns (money_spans).
COLUMN_WIDTHS = {
    "一级指标": 11,
    "二级指标": 12,
    "三级指标": 24,
    "年度指标值": 14,
    "年初指标值": 12,
    "调整后指标值": 12,
    "1–7月执行情况": 12,
    "全年预计完成情况": 12,
    **dict.fromkeys(CAUSE_CATEGORIES, 5),
    "原因说明": 22,
    "完成目标可能性": 8,
    "纠偏措施": 22,
    "备注": 14,  # also holds 金额单位：万元 of the header line
}
MONEY_WIDTHS = (16, 11, 11, 9, 9, 5, 5, 11)  # the least each money field needs; 偏差说明 takes the rest


def workbook_name(sheet: MonitoringSheet) -> str:
    return f"{sheet.unit.name}-{sheet.year.year}年绩效运行监控表.xlsx"


def build_monitoring_workbook(sheet: MonitoringSheet) -> bytes:
    """The unit's 绩效运行监控表 as .xlsx bytes (a report not started shows the prefilled trend)."""
    wb = Workbook()
    style.add_styles(wb)
    ws = wb.active
    ws.title = SHEET_TITLE
    adjusted = any(indicator.is_adjusted for indicator in sheet.indicators)
    headers = grid_headers(adjusted)
    width = len(headers)
    style.write_title(ws, f"{sheet.year.year}年度{sheet.unit.name}绩效运行监控表", width)
    row = style.write_header_lines(ws, sheet.unit.name, sheet.year.year, width_cols=width, period="1–7月")
    widths = [COLUMN_WIDTHS[header] for header in headers]
    for column, column_width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(column)].width = column_width
    row = _money_block(ws, row, sheet.budget_rows(), money_spans(widths))
    row = _section(ws, row + 1, GRID_SECTION, width)
    header_row = _grid_header(ws, row, headers, adjusted)
    row = header_row + 1
    tables = sheet.tables()
    for title, lines in tables:
        if len(tables) > 1:
            row = _section(ws, row, f"{title}指标", width)
        row = _grid(ws, row, lines, adjusted)
    closing = row
    _summary(ws, row + 1, sheet.summary, width)
    signed = sign_off(sheet.history)
    style.write_sign_off(ws, row + 3, width, signed.filed_by, signed.filed_on, signed.approved_by, signed.approved_on)
    sizing.fit_rows(ws, 3)
    style.setup_print(ws, header_row, repeat_from=header_row - 1, freeze_columns=3)
    pages.break_pages(ws, header_row, repeat_from=header_row - 1, closing_from=closing)
    wb.properties.title = clean_text(
        f"{sheet.unit.name} {sheet.year.year}年绩效运行监控表"
    )  # a unit name is text from outside
    wb.properties.creator = "预算绩效指标跟踪系统"
    return style.workbook_bytes(wb)


def _section(ws, row: int, title: str, width: int) -> int:
    style.write_text(ws.cell(row=row, column=1), title)
    for column in range(1, width + 1):
        ws.cell(row=row, column=column).style = style.SECTION
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
    return row + 1


def _grid_header(ws, row: int, headers: list[str], adjusted: bool) -> int:
    """Two header rows: 偏差原因分析 over the five tick columns (and 年度指标值 over 年初/调整后);
    every other header spans both rows. Returns the second row."""
    for column, header in enumerate(headers, start=1):
        grouped = header in CAUSE_CATEGORIES or (adjusted and header in TARGET_HEADERS)
        style.write_text(ws.cell(row=row + 1 if grouped else row, column=column), header)
        ws.cell(row=row, column=column).style = ws.cell(row=row + 1, column=column).style = style.HEADER
        if not grouped:
            ws.merge_cells(start_row=row, start_column=column, end_row=row + 1, end_column=column)
    groups = [(CAUSE_GROUP, CAUSE_CATEGORIES)] + ([("年度指标值", TARGET_HEADERS)] if adjusted else [])
    for label, members in groups:
        first = headers.index(members[0]) + 1
        style.write_text(ws.cell(row=row, column=first), label)
        ws.merge_cells(start_row=row, start_column=first, end_row=row, end_column=first + len(members) - 1)
    return row + 1


def money_spans(widths: list[int]) -> list[tuple[int, int]]:
    """The grid columns (first, last) each money field spans: as few as give it MONEY_WIDTHS, the
    last field (偏差说明) the rest. Numbers do not wrap: a column too narrow would print ###."""
    spans, column = [], 1
    for least in MONEY_WIDTHS:
        first, total = column, 0
        while total < least and column <= len(widths):
            total += widths[column - 1]
            column += 1
        spans.append((first, column - 1))
    spans.append((column, len(widths)))
    return spans


def _money_block(ws, row: int, rows: list[BudgetRow], spans: list[tuple[int, int]]) -> int:
    row = _section(ws, row, MONEY_SECTION, spans[-1][1])
    _money_row(ws, row, spans, [style.Styled(header, style.HEADER) for header in MONEY_HEADERS])
    row += 1
    for budget_row in rows:
        monitoring, progress = budget_row.monitoring, budget_row.monitoring.progress
        cells = [
            style.Styled(budget_row.label),
            style.Styled(budget_row.budget, style.MONEY),
            style.Styled(progress.spent, style.MONEY),
            fraction(progress.execution_rate),
            fraction(progress.time_progress),
            style.Styled(_yes_no(monitoring.deviation)),
            status_look(progress.status),
            style.Styled(monitoring.forecast, style.MONEY),
            style.Styled(budget_row.cause),
        ]
        _money_row(ws, row, spans, cells)
        row += 1
    return row


def _money_row(ws, row: int, spans: list[tuple[int, int]], cells: list[style.Styled]) -> None:
    for (first, last), styled in zip(spans, cells, strict=True):
        for column in range(first, last + 1):
            ws.cell(row=row, column=column).style = styled.style
        style.put(ws.cell(row=row, column=first), styled)
        if last > first:
            ws.merge_cells(start_row=row, start_column=first, end_row=row, end_column=last)


def _grid(ws, row: int, lines: list[IndicatorLine], adjusted: bool) -> int:
    by_indicator = {line.indicator.id: line for line in lines}
    for level1, level2_groups in group_by_level([line.indicator for line in lines]):
        level1_start = row
        for level2, indicators in level2_groups:
            level2_start = row
            for indicator in indicators:
                _indicator_row(ws, row, by_indicator[indicator.id], adjusted)
                row += 1
            style.merged_label(ws, level2_start, row - 1, 2, level2)
        style.merged_label(ws, level1_start, row - 1, 1, level1)
    return row


def _indicator_row(ws, row: int, line: IndicatorLine, adjusted: bool) -> None:
    indicator, monitoring = line.indicator, line.monitoring
    texts = [indicator.name, indicator.initial_target_text]
    if adjusted:
        texts.append(indicator.target_text if indicator.is_adjusted else None)  # blank: not adjusted
    for column, text in enumerate(texts, start=3):
        style.write_text(ws.cell(row=row, column=column), text).style = style.TEXT
    column = 3 + len(texts)
    actual = monitoring.to_july
    _figure(ws.cell(row=row, column=column), indicator, actual.value, actual.band, actual.achieved_on, done=True)
    forecast = monitoring.forecast
    _figure(ws.cell(row=row, column=column + 1), indicator, forecast.value, forecast.band, forecast.on, done=False)
    category = line.texts.get("cause_category")
    for offset, name in enumerate(CAUSE_CATEGORIES, start=column + 2):
        cell = style.write_text(ws.cell(row=row, column=offset), TICK if category == name else None)
        cell.style = style.TEXT
        cell.alignment = CENTRED
    for offset, name in enumerate(TEXT_COLUMNS, start=column + 2 + len(CAUSE_CATEGORIES)):
        style.write_text(ws.cell(row=row, column=offset), line.texts.get(name)).style = style.TEXT


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


def _yes_no(deviation: bool | None) -> str:
    return "—" if deviation is None else "是" if deviation else "否"


def _summary(ws, row: int, summary: str | None, width: int) -> None:
    style.write_text(ws.cell(row=row, column=1), SUMMARY_LABEL).style = style.HEADER
    style.write_text(ws.cell(row=row, column=2), summary).style = style.TEXT
    for column in range(3, width + 1):
        ws.cell(row=row, column=column).style = style.TEXT
    ws.merge_cells(start_row=row, start_column=2, end_row=row, end_column=width)
    lines = max(1, len(summary or "") // 80 + (summary or "").count("\n") + 1)
    ws.row_dimensions[row].height = min(15 * lines + 6, 400)
