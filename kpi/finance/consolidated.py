"""The finance bureau's 预算绩效汇总表 (consolidated workbook) in the house style of kpi.reports.style.

Sheet 汇总: one row per unit — 单位, 主管部门, 全年预算数, 执行数, 执行率, 自评总分, 评价等级, and for
each report (一季度…四季度, 运行监控, 自评) its status and the date it was (last) submitted — then
a 合计 row. Then one compact sheet per unit: its indicators' progress and its budget execution,
linked from the unit's name on the summary.

Written in openpyxl's **write-only mode** (docs/engineering.md §5) so memory stays bounded for 1,000 units:
rows stream to a temporary file per sheet, each sheet is closed as soon as it is written, and
``details`` is consumed one unit at a time. Write-only sheets cannot merge cells, so the title
is centred across the columns instead of merged, and widths, print setup and frozen panes are
set before the first row (a write-only sheet writes them with it). Every cell is a
``WriteOnlyCell`` with a house NamedStyle (``style.streamed``); text goes through
``style.write_text`` and so never becomes a formula. The builder computes nothing: the cells
are the progress workbook's own (kpi.progress.workbook).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from itertools import zip_longest
from typing import NamedTuple

from openpyxl import Workbook
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.hyperlink import Hyperlink

from kpi.core.labels import QUARTER_LABELS
from kpi.progress.workbook import (
    BUDGET_HEADERS,
    GRID_HEADERS,
    budget_cells,
    fraction,
    indicator_cells,
    period_text,
)
from kpi.reports import style
from kpi.reports.style import Styled

SUMMARY_SHEET = "汇总"
REPORTS = [*QUARTER_LABELS.values(), "运行监控", "自评"]
SUMMARY_HEADERS = [
    "单位",
    "主管部门",
    "全年预算数",
    "执行数",
    "执行率",
    "自评总分",
    "评价等级",
    *(f"{report}{part}" for report in REPORTS for part in ("状态", "送审日期")),
]
DETAIL_HEADERS = GRID_HEADERS[:-1]  # compact: without the working (判断依据)
DETAIL_WIDTHS = [10, 10, 28, 16, 13, 13, 13, 13, 14, 9, 9, 8, 14]
HEADER_ROW = 3
_SHEET_NAME_UNSAFE = re.compile(r"[\[\]:*?/\\']")
_SCORE = Styled(None, style.NUMBER, "0.00")
_CENTRED_ACROSS = Alignment(horizontal="centerContinuous", vertical="center")


def consolidated_name(year: int) -> str:
    return f"{year}年预算绩效汇总表.xlsx"


def build_consolidated_workbook(
    rows: Sequence, *, year: int, totals, details: Iterable = (), progress: Callable[[int, int], None] | None = None
) -> bytes:
    """The 汇总表 as .xlsx bytes.

    ``rows`` are kpi.finance.service.UnitStatus, ``totals`` its Totals; ``details`` yields each
    row's DetailSheet (``detail_sheet`` of its UnitProgress, or None for a unit with nothing to
    show) in the same order, lazily.
    ``progress(done, total)`` is called with 0 first, then after each unit's sheet is written."""
    wb = Workbook(write_only=True)
    style.add_styles(wb)
    names = [sheet_name(index, row.unit.name) for index, row in enumerate(rows, start=1)]
    _summary(StreamingSheet(wb.create_sheet(SUMMARY_SHEET), []), rows, names, year, totals)
    total = len(rows)
    if progress is not None:
        progress(0, total)
    for done, (row, name, detail) in enumerate(zip_longest(rows, names, details), start=1):
        if row is None:
            break
        _detail(StreamingSheet(wb.create_sheet(name), DETAIL_WIDTHS), row, detail or NOTHING_YET, year)
        if progress is not None:
            progress(done, total)
    wb.properties.title = f"{year}年预算绩效汇总表"
    wb.properties.creator = "预算绩效指标跟踪系统"
    return style.workbook_bytes(wb)


def sheet_name(index: int, unit_name: str) -> str:
    """ "12-单位名": unique by its number, within Excel's 31 characters, without []:*?/\\ or '."""
    return f"{index}-{_SHEET_NAME_UNSAFE.sub('_', unit_name)}"[:31].rstrip() or str(index)


class StreamingSheet:
    """A write-only sheet, its column widths and the number of its last row."""

    def __init__(self, ws, widths: list[float]):
        self.ws, self.widths, self.row = ws, widths, 0

    def cells(self, row: Iterable) -> list:
        """A row's cells; each item a Styled, its plain tuple (as kpi.finance.detail_feed sends
        it) or None."""
        return [None if styled is None else style.streamed(self.ws, Styled._make(styled)) for styled in row]

    def append(self, cells: list, *, height: float | None = None, fit: bool = True) -> None:
        """The next row, as high as its wrapped texts need (style.row_height) unless ``fit`` is
        False (cells that do not wrap) or a ``height`` is given."""
        self.row += 1
        if fit and height is None:
            height = style.row_height((getattr(cell, "value", None), width) for cell, width in zip(cells, self.widths))
        if height:
            self.ws.row_dimensions[self.row].height = height
        self.ws.append(cells)

    def start(self, title: str, header_line: list[str], headers: list[str]) -> None:
        """Widths, print setup, the title centred across the columns, the header line and the headers."""
        for column, width in enumerate(self.widths, start=1):
            self.ws.column_dimensions[get_column_letter(column)].width = width
        style.setup_print(self.ws, HEADER_ROW, repeat_from=HEADER_ROW, freeze_columns=1)
        title_row = [Styled(title, style.TITLE, alignment=_CENTRED_ACROSS)]
        title_row += [Styled(None, style.TITLE, alignment=_CENTRED_ACROSS)] * (len(headers) - 1)
        self.append(self.cells(title_row), height=30)
        line: list[Styled | None] = [None] * len(headers)
        for position, text in zip((0, len(headers) // 2, len(headers) - 1), header_line):
            line[position] = Styled(text, style.SUBTITLE)
        self.append(self.cells(line), fit=False)
        self.append(self.cells(Styled(label, style.HEADER) for label in headers))

    def close(self) -> None:
        self.ws.close()  # frees the sheet's temporary file now: 1,000 sheets must not hold 1,000 open files


# --- 汇总 ------------------------------------------------------------------------------------
def _summary(sheet: StreamingSheet, rows: Sequence, names: list[str], year: int, totals) -> None:
    widths = [
        min(max((style.text_width(row.unit.name) for row in rows), default=8) + 2, 40),
        min(max((style.text_width(row.parent_name) for row in rows), default=8) + 2, 30),
        12,
        12,
        9,
        9,
        9,
        *([9, 12] * len(REPORTS)),
    ]
    sheet.widths = [max(width, 8) for width in widths]
    sheet.start(
        f"{year}年度预算绩效汇总表",
        [f"单位：全部预算单位（{len(rows)} 个）", f"年度：{year}年", "金额单位：万元"],
        SUMMARY_HEADERS,
    )
    for row, name in zip(rows, names):
        styled = [
            Styled(row.unit.name),
            Styled(row.parent_name),
            Styled(row.budget.budget, style.MONEY),
            Styled(row.budget.spent, style.MONEY),
            fraction(row.budget.execution_rate),
            _SCORE._replace(value=row.total_score),
            Styled(row.grade),
        ]
        for state in [*row.quarters.values(), row.monitoring, row.evaluation]:
            styled += [Styled(state.label), Styled(state.submitted_on, style.DATE)]
        link = style.streamed(sheet.ws, styled[0])
        link.hyperlink = Hyperlink(ref="", location=f"'{name}'!A1", tooltip="查看该单位的指标进度")
        sheet.append([link, *sheet.cells(styled[1:])])
    units = totals.units
    styled = [
        Styled(f"合计（{units} 个单位）", style.SECTION),
        Styled(None, style.SECTION),
        Styled(totals.budget.budget, style.MONEY),
        Styled(totals.budget.spent, style.MONEY),
        fraction(totals.budget.execution_rate),
        Styled(None),
        Styled(None),
    ]
    for count in [*totals.quarters_submitted.values(), totals.monitoring_submitted, totals.evaluations_submitted]:
        styled += [Styled(f"已送审 {count}/{units}"), Styled(None)]
    sheet.append(sheet.cells(styled), fit=False)
    sheet.close()


# --- one sheet per unit ----------------------------------------------------------------------
class DetailSheet(NamedTuple):
    """A unit's sheet laid out: its period and the rows under its headers, as plain tuples (each
    row: its cells as Styled or None, and its height or None). Plain data, so that it can be
    laid out in another process (kpi.finance.detail_feed) and streamed here."""

    period: str
    rows: list[tuple[list, float | None]]


NOTHING_YET = DetailSheet("尚无指标或预算", [])


def detail_sheet(progress) -> DetailSheet:
    """The layout of a unit's UnitProgress: each table's indicators, then its budget lines."""
    rows: list[tuple[list, float | None]] = []

    def add(cells: list, fit: bool = True) -> None:
        height = (
            style.row_height((cell[0], width) for cell, width in zip(cells, DETAIL_WIDTHS) if cell) if fit else None
        )
        rows.append((cells, height))

    section_rest = [Styled(None, style.SECTION)] * (len(DETAIL_HEADERS) - 1)
    for title, items in progress.tables():
        add([Styled(f"{title}指标", style.SECTION), *section_rest], fit=False)
        for item in items:
            cells = indicator_cells(item)
            add([cells[label] for label in DETAIL_HEADERS])
    if progress.budget:
        add([], fit=False)
        add([Styled(label, style.HEADER) for label in BUDGET_HEADERS])
        for budget_row in progress.budget:
            add(budget_cells(budget_row))
    return DetailSheet(period_text(progress), rows)


def _detail(sheet: StreamingSheet, row, detail: DetailSheet, year: int) -> None:
    sheet.start(
        f"{year}年度{row.unit.name}绩效指标完成进度",
        [f"单位名称：{row.unit.name}", f"年度：{year}年（{detail.period}）", "金额单位：万元"],
        DETAIL_HEADERS,
    )
    for cells, height in detail.rows:
        sheet.append(sheet.cells(cells), height=height, fit=False)
    sheet.close()
