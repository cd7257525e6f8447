"""The 绩效指标完成进度表 workbook (docs/rules/progress.md §3, docs/rules/layouts.md §4) in the house style of kpi.reports.style.

Three sheets, all read from one ``UnitProgress`` (kpi.progress.service): the builder computes
nothing, it only lays out what the service and the domain worked out.
- 指标完成进度: every indicator (单位整体, then each project's own table) with merged 一级/二级
  cells, each quarter's figure as the service displays it, 累计/最新, 完成率, 应完成, the status
  as a fill colour *and* its word (绿/黄/红/未填报, never colour alone), 全年预测 and the working;
- 一级指标完成情况: completion by first-level indicator, with a native Excel bar chart of it;
- 预算执行: each budget line's 全年预算数, 执行数, 执行率 against 时间进度, and the warning.

Rates are written as fractions with the "0.00%" format (95% is 0.95), as in the monitoring
workbook; other figures are real numbers with the indicator's unit in the number format.

Figures are written through kpi.reports.figures, as the finance bureau's 汇总表 writes them, so
that both read alike.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.chart.label import DataLabelList

from kpi.core.labels import QUARTER_LABELS
from kpi.core.text import clean_text
from kpi.domain.aggregation import Aggregation
from kpi.domain.entries import BAND_LABELS
from kpi.progress.rows import IndicatorRow
from kpi.progress.service import UnitProgress
from kpi.progress.summary import STATUS_ORDER
from kpi.reports import pages, sizing, style
from kpi.reports.figures import actual_cell, figure, fraction, quarter_cell, status_look
from kpi.reports.storage import ExportedWorkbook, keep_copy
from kpi.reports.style import Styled

GRID_SHEET, LEVEL1_SHEET, BUDGET_SHEET = "指标完成进度", "一级指标完成情况", "预算执行"
GRID_HEADERS = [
    "一级指标",
    "二级指标",
    "三级指标",
    "年度指标值",
    *QUARTER_LABELS.values(),
    "累计/最新",
    "完成率",
    "应完成",
    "状态",
    "全年预测",
    "判断依据",
]
LEVEL1_HEADERS = ["一级指标", "完成率", "应完成", "状态", "指标数", "绿", "黄", "红", "未填报"]
BUDGET_HEADERS = ["预算项目", "全年预算数", "执行数", "执行率", "时间进度", "预警", "全年预计执行数"]
HEADER_ROW = 3  # title, header line, column headers
_COLUMN = {label: index for index, label in enumerate(GRID_HEADERS, start=1)}
_PREFERRED_WIDTHS = {"A": 12, "B": 12, "C": 28, "P": 40}


def workbook_name(progress: UnitProgress) -> str:
    return f"{progress.unit.name}-{progress.year}年绩效指标完成进度表.xlsx"


def period_text(progress: UnitProgress) -> str:
    quarter = progress.as_of_quarter
    return f"截至{QUARTER_LABELS[quarter]}末" if quarter else "尚无季度填报"


def build_progress_workbook(progress: UnitProgress) -> bytes:
    """The unit-year's progress as .xlsx bytes."""
    wb = Workbook()
    style.add_styles(wb)
    _grid_sheet(wb.active, progress)
    _level1_sheet(wb.create_sheet(LEVEL1_SHEET), progress)
    _budget_sheet(wb.create_sheet(BUDGET_SHEET), progress)
    wb.properties.title = clean_text(
        f"{progress.unit.name} {progress.year}年绩效指标完成进度表"
    )  # a unit name is text from outside
    wb.properties.creator = "预算绩效指标跟踪系统"
    return style.workbook_bytes(wb)


def export_progress(progress: UnitProgress, export_dir: Path | str) -> ExportedWorkbook:
    """The unit's 绩效指标完成进度表, with a copy under export_dir/<year>/<unit>/."""
    data = build_progress_workbook(progress)
    name = workbook_name(progress)
    return ExportedWorkbook(data, name, keep_copy(data, Path(export_dir), progress.year, progress.unit.name, name))


def _start(ws, progress: UnitProgress, title: str, headers: list[str]) -> int:
    style.write_title(ws, f"{progress.year}年度{progress.unit.name}{title}", len(headers))
    row = style.write_header_lines(
        ws, progress.unit.name, progress.year, width_cols=len(headers), period=period_text(progress)
    )
    style.write_header_row(ws, row, headers)
    return row + 1


def _finish(ws, *, freeze_columns: int, preferred: dict[str, int] | None = None) -> None:
    sizing.fit_columns(ws, 8, 40, skip_rows=2)
    for column, width in (preferred or {}).items():
        ws.column_dimensions[column].width = max(ws.column_dimensions[column].width or 0, width)
    sizing.fit_rows(ws, HEADER_ROW)
    style.setup_print(ws, HEADER_ROW, repeat_from=HEADER_ROW, freeze_columns=freeze_columns)


# --- 指标完成进度 ------------------------------------------------------------------------------
def _grid_sheet(ws, progress: UnitProgress) -> None:
    ws.title = GRID_SHEET
    row = _start(ws, progress, "绩效指标完成进度表", GRID_HEADERS)
    tables = progress.tables()
    for title, rows in tables:
        if len(tables) > 1:
            row = _section(ws, row, f"{title}指标", len(GRID_HEADERS))
        row = _grid(ws, row, rows)
    # The same sign-off block as the 自评表 and the 监控表; the names are left for the pen, since
    # the progress of several quarters has no one filer (docs/rules/layouts.md §7).
    style.write_sign_off(ws, row + 1, len(GRID_HEADERS), "", "", "", "")
    _finish(ws, freeze_columns=3, preferred=_PREFERRED_WIDTHS)
    pages.break_pages(ws, HEADER_ROW, repeat_from=HEADER_ROW, closing_from=row)


def _section(ws, row: int, title: str, width: int) -> int:
    style.write_text(ws.cell(row=row, column=1), title)
    for column in range(1, width + 1):
        ws.cell(row=row, column=column).style = style.SECTION
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
    return row + 1


def _grid(ws, row: int, rows: list[IndicatorRow]) -> int:
    """Rows in the service's order; consecutive equal 一级/二级 labels share a merged cell."""
    level1_start = level2_start = row
    for index, item in enumerate(rows):
        _indicator_row(ws, row + index, item)
        following = rows[index + 1] if index + 1 < len(rows) else None
        level1_ends = following is None or following.indicator.level1 != item.indicator.level1
        if level1_ends or following.indicator.level2 != item.indicator.level2:
            style.merged_label(ws, level2_start, row + index, 2, item.indicator.level2)
            level2_start = row + index + 1
        if level1_ends:
            style.merged_label(ws, level1_start, row + index, 1, item.indicator.level1)
            level1_start = row + index + 1
    return row + len(rows)


def _indicator_row(ws, row: int, item: IndicatorRow) -> None:
    for label, styled in indicator_cells(item).items():
        style.put(ws.cell(row=row, column=_COLUMN[label]), styled)


def indicator_cells(item: IndicatorRow) -> dict[str, Styled]:
    """One indicator's row: a Styled for every label of GRID_HEADERS."""
    indicator, progress = item.indicator, item.progress
    aggregation = Aggregation(indicator.aggregation)
    cells = {
        "一级指标": Styled(indicator.level1),
        "二级指标": Styled(indicator.level2),
        "三级指标": Styled(indicator.name),
        "年度指标值": Styled(indicator.target_text),
    }
    for quarter, label in QUARTER_LABELS.items():
        # A figure as a number (its unit in the format: 1,092家 is 1092), so that a column sums; a
        # ratio typed without its result (450/500) stays the text the page shows.
        value = item.quarter_values[quarter - 1]
        cells[label] = Styled(item.quarters[quarter - 1]) if value is None else quarter_cell(indicator, value)
    cells["累计/最新"] = actual_cell(item)
    cells["完成率"] = fraction(progress.completion_pct)
    cells["应完成"] = fraction(progress.expected_pct)
    cells["状态"] = status_look(progress.status)
    if progress.forecast is not None:
        cells["全年预测"] = figure(indicator, aggregation, progress.forecast)
    else:
        cells["全年预测"] = Styled(BAND_LABELS[progress.forecast_band] if progress.forecast_band else None)
    cells["判断依据"] = Styled(progress.explanation)
    return cells


COUNT_FORMAT = '#,##0"个"'  # how many indicators


# --- 一级指标完成情况, with the chart ------------------------------------------------------------
def _level1_sheet(ws, progress: UnitProgress) -> None:
    first = row = _start(ws, progress, "一级指标完成情况", LEVEL1_HEADERS)
    for summary in progress.by_level1:
        style.write_text(ws.cell(row=row, column=1), summary.level1).style = style.TEXT
        style.put(ws.cell(row=row, column=2), fraction(summary.completion_pct))
        style.put(ws.cell(row=row, column=3), fraction(summary.expected_pct))
        style.put(ws.cell(row=row, column=4), status_look(summary.status))
        counts = [summary.total, *(summary.counts.get(status, 0) for status in STATUS_ORDER)]
        for column, count in enumerate(counts, start=5):
            style.put(ws.cell(row=row, column=column), Styled(count, style.NUMBER, COUNT_FORMAT))
        row += 1
    _finish(ws, freeze_columns=1, preferred={"A": 16, "I": 14})
    if row > first:
        ws.add_chart(completion_chart(ws, first, row - 1), f"A{row + 2}")


def completion_chart(ws, first: int, last: int) -> BarChart:
    """Completion against expected by first-level indicator: a clustered column chart."""
    chart = BarChart()
    chart.type = "col"
    chart.grouping = "clustered"
    chart.title = "一级指标完成率与应完成"
    chart.y_axis.title = "完成率"
    chart.y_axis.number_format = "0%"
    chart.y_axis.scaling.min = 0
    chart.y_axis.majorGridlines = None
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    data = Reference(ws, min_col=2, max_col=3, min_row=first - 1, max_row=last)  # headers name the series
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=first, max_row=last))
    chart.dataLabels = DataLabelList(
        showVal=True, showSerName=False, showCatName=False, showLegendKey=False, showPercent=False
    )
    chart.dataLabels.numFmt = "0%"
    chart.legend.position = "b"
    chart.width, chart.height = 18, 9
    return chart


# --- 预算执行 --------------------------------------------------------------------------------
def _budget_sheet(ws, progress: UnitProgress) -> None:
    row = _start(ws, progress, "预算执行进度表", BUDGET_HEADERS)
    for budget_row in progress.budget:
        for column, styled in enumerate(budget_cells(budget_row), start=1):
            style.put(ws.cell(row=row, column=column), styled)
        row += 1
    _finish(ws, freeze_columns=1, preferred={"A": 24})


def budget_cells(budget_row) -> list[Styled]:
    """One budget line's row, in the order of BUDGET_HEADERS."""
    figures = budget_row.progress
    return [
        Styled(budget_row.label, style.SECTION if budget_row.is_total else style.TEXT),
        Styled(figures.budget, style.MONEY),
        Styled(figures.spent, style.MONEY),
        fraction(figures.execution_rate),
        fraction(figures.time_progress),
        status_look(figures.status),
        Styled(figures.forecast, style.MONEY),
    ]
