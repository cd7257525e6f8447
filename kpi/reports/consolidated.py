"""The finance bureau's 预算绩效汇总表 (consolidated workbook) in the house style of kpi.reports.style.

Sheet 汇总: one row per unit — 单位, 主管部门, 全年预算数, 执行数, 执行率, 自评总分, 评价等级, and for
each report (一季度…四季度, 运行监控, 自评) its status and the date it was (last) submitted — then
a 合计 row. Then one compact sheet per unit: its indicators' progress and its budget execution,
linked from the unit's name on the summary.

Written in openpyxl's **write-only mode** (stack.md) so memory stays bounded for 1,000 units:
rows stream to a temporary file per sheet, each sheet is closed as soon as it is written, and
``details`` is consumed one unit at a time. Write-only sheets cannot merge cells, so the title
is centred across the columns instead of merged, and widths are set before the first row.
Every cell is a ``WriteOnlyCell`` with a house NamedStyle; user text goes through
``style.write_text`` and so never becomes a formula. The builder computes nothing.
"""
from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterable, Sequence
from itertools import zip_longest

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.worksheet import Worksheet

from kpi.reports import style
from kpi.reports.progress_workbook import (
    BUDGET_HEADERS, GRID_HEADERS, fraction, period_text, status_cell, write_indicator,
)
from kpi.results.sheet import QUARTER_LABELS

SUMMARY_SHEET = "汇总"
REPORTS = [*QUARTER_LABELS.values(), "运行监控", "自评"]
SUMMARY_HEADERS = ["单位", "主管部门", "全年预算数", "执行数", "执行率", "自评总分", "评价等级",
                   *(f"{report}{part}" for report in REPORTS for part in ("状态", "送审日期"))]
DETAIL_HEADERS = GRID_HEADERS[:-1]  # compact: without the working (判断依据)
DETAIL_WIDTHS = [10, 10, 28, 16, 13, 13, 13, 13, 14, 9, 9, 8, 14]
HEADER_ROW = 3
_SHEET_NAME_UNSAFE = re.compile(r"[\[\]:*?/\\']")
_CENTRED_ACROSS = Alignment(horizontal="centerContinuous", vertical="center")


def consolidated_name(year: int) -> str:
    return f"{year}年预算绩效汇总表.xlsx"


def build_consolidated_workbook(rows: Sequence, *, year: int, totals, details: Iterable = (),
                                progress: Callable[[int, int], None] | None = None) -> bytes:
    """The 汇总表 as .xlsx bytes.

    ``rows`` are kpi.finance.service.UnitStatus, ``totals`` its Totals; ``details`` yields each
    row's UnitProgress (or None for a unit with nothing to show) in the same order, lazily.
    ``progress(done, total)`` is called with 0 first, then after each unit's sheet is written."""
    wb = Workbook(write_only=True)
    style.add_styles(wb)
    names = [sheet_name(index, row.unit.name) for index, row in enumerate(rows, start=1)]
    _summary(wb.create_sheet(SUMMARY_SHEET), rows, names, year, totals)
    total = len(rows)
    if progress is not None:
        progress(0, total)
    for done, (row, name, unit) in enumerate(zip_longest(rows, names, details), start=1):
        if row is None:
            break
        _detail(wb.create_sheet(name), row, unit, year)
        if progress is not None:
            progress(done, total)
    wb.properties.title = f"{year}年预算绩效汇总表"
    wb.properties.creator = "预算绩效指标跟踪系统"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def sheet_name(index: int, unit_name: str) -> str:
    """"12-单位名": unique by its number, within Excel's 31 characters, without []:*?/\\ or '."""
    return f"{index}-{_SHEET_NAME_UNSAFE.sub('_', unit_name)}"[:31].rstrip() or str(index)


# --- cells ---------------------------------------------------------------------------------
class _Sheet:
    """A write-only sheet and the number of its last row (write-only sheets do not count)."""

    def __init__(self, ws, widths: list[int]):
        self.ws, self.widths, self.row = ws, widths, 0

    def append(self, cells: list, *, height: float | None = None, fit: bool = True) -> None:
        """The next row, as high as its wrapped texts need (see style.row_height) unless
        ``fit`` is False (cells that do not wrap) or a ``height`` is given."""
        self.row += 1
        if fit and height is None:
            height = style.row_height((getattr(cell, "value", None), width) for cell, width in zip(cells, self.widths))
        if height:
            self.ws.row_dimensions[self.row].height = height
        self.ws.append(cells)
        self.ws.row_dimensions.pop(self.row, None)  # written: keep no per-row object for the rest of the file

    def text(self, value, cell_style: str = style.TEXT) -> WriteOnlyCell:
        cell = WriteOnlyCell(self.ws)
        style.write_text(cell, value).style = cell_style
        return cell

    def value(self, value, cell_style: str) -> WriteOnlyCell:
        cell = WriteOnlyCell(self.ws, value=value)
        cell.style = cell_style
        return cell

    def fraction(self, pct) -> WriteOnlyCell:
        cell = WriteOnlyCell(self.ws)
        fraction(cell, pct)
        return cell

    def status(self, status) -> WriteOnlyCell:
        cell = WriteOnlyCell(self.ws)
        status_cell(cell, status)
        return cell

    def start(self, title: str, header_line: list[str], headers: list[str]) -> None:
        """Widths, print setup, the title centred across the columns, the header line and the headers.

        Write-only sheets write their widths and frozen panes with the first row, so all comes first."""
        for column, width in enumerate(self.widths, start=1):
            self.ws.column_dimensions[get_column_letter(column)].width = width
        _setup_print(self.ws)
        title_row = [self.text(title, style.TITLE)] + [self.value(None, style.TITLE) for _ in headers[1:]]
        for cell in title_row:
            cell.alignment = _CENTRED_ACROSS
        self.append(title_row, height=30)
        line = [None] * len(headers)
        for position, text in zip((0, len(headers) // 2, len(headers) - 1), header_line):
            line[position] = self.text(text, style.SUBTITLE)
        self.append(line, fit=False)
        self.append([self.text(label, style.HEADER) for label in headers])

    def close(self) -> None:
        self.ws.close()  # frees the sheet's temporary file now: 1,000 sheets must not hold 1,000 open files


def _setup_print(ws) -> None:
    """style.setup_print for a write-only sheet, which has neither ``cell()`` nor the paper-size
    constants that it reads: A4 landscape, one page wide, the header row repeated and frozen."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    ws.freeze_panes = f"B{HEADER_ROW + 1}"
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"


# --- 汇总 ------------------------------------------------------------------------------------
def _summary(ws, rows: Sequence, names: list[str], year: int, totals) -> None:
    widths = [min(max((style.text_width(row.unit.name) for row in rows), default=8) + 2, 40),
              min(max((style.text_width(row.parent_name) for row in rows), default=8) + 2, 30),
              12, 12, 9, 9, 9, *([9, 12] * len(REPORTS))]
    sheet = _Sheet(ws, [max(width, 8) for width in widths])
    sheet.start(f"{year}年度预算绩效汇总表", [f"单位：全部预算单位（{len(rows)} 个）", f"年度：{year}年", "金额单位：万元"],
                SUMMARY_HEADERS)
    for row, name in zip(rows, names):
        unit = sheet.text(row.unit.name)
        unit.hyperlink = Hyperlink(ref="", location=f"'{name}'!A1", tooltip="查看该单位的指标进度")
        score = sheet.value(row.total_score, style.NUMBER)
        score.number_format = "0.00"
        cells = [unit, sheet.text(row.parent_name), sheet.value(row.budget.budget, style.MONEY),
                 sheet.value(row.budget.spent, style.MONEY), sheet.fraction(row.budget.execution_rate), score,
                 sheet.text(row.grade)]
        for state in [*row.quarters.values(), row.monitoring, row.evaluation]:
            cells += [sheet.text(state.label), sheet.value(state.submitted_on, style.DATE)]
        sheet.append(cells)
    units = totals.units
    cells = [sheet.text(f"合计（{units} 个单位）", style.SECTION), sheet.text(None, style.SECTION),
             sheet.value(totals.budget.budget, style.MONEY), sheet.value(totals.budget.spent, style.MONEY),
             sheet.fraction(totals.budget.execution_rate), sheet.text(None), sheet.text(None)]
    for count in [*totals.quarters_submitted.values(), totals.monitoring_submitted, totals.evaluations_submitted]:
        cells += [sheet.text(f"已送审 {count}/{units}"), sheet.text(None)]
    sheet.append(cells, fit=False)
    sheet.close()


# --- one sheet per unit ----------------------------------------------------------------------
def _detail(ws, row, progress, year: int) -> None:
    sheet = _Sheet(ws, DETAIL_WIDTHS)
    period = period_text(progress) if progress is not None else "尚无指标或预算"
    sheet.start(f"{year}年度{row.unit.name}绩效指标完成进度",
                [f"单位名称：{row.unit.name}", f"年度：{year}年（{period}）", "金额单位：万元"], DETAIL_HEADERS)
    for title, items in progress.tables() if progress is not None else ():
        sheet.append([sheet.text(f"{title}指标", style.SECTION)]
                     + [sheet.text(None, style.SECTION) for _ in DETAIL_HEADERS[1:]], fit=False)
        for item in items:
            cells = {label: WriteOnlyCell(ws) for label in GRID_HEADERS}
            write_indicator(cells, item)
            sheet.append([cells[label] for label in DETAIL_HEADERS])
    if progress is not None and progress.budget:
        sheet.append([])
        sheet.append([sheet.text(label, style.HEADER) for label in BUDGET_HEADERS])
        for budget_row in progress.budget:
            figures = budget_row.progress
            sheet.append([sheet.text(budget_row.label, style.SECTION if budget_row.is_total else style.TEXT),
                          sheet.value(figures.budget, style.MONEY), sheet.value(figures.spent, style.MONEY),
                          sheet.fraction(figures.execution_rate), sheet.fraction(figures.time_progress),
                          sheet.status(figures.status), sheet.value(figures.forecast, style.MONEY)])
    sheet.close()
