"""The finance bureau's 预算绩效汇总表 (consolidated workbook), for filtering and pivoting.

A finance analyst wants to sort, filter and pivot a thousand units, not click through a
thousand tabs (issue #14), so the workbook is three flat tables:
- 汇总: one row per unit — 单位, 主管部门, 全年预算数, 执行数, 执行率, 自评总分, 评价等级, and for
  each report (一季度…四季度, 运行监控, 自评) its status and the date it was (last) submitted —
  then a 合计 row;
- 指标明细: one row per unit × indicator — the unit, its 主管部门, the table (单位整体 or the
  project), the three levels, 年初/调整后指标值, each quarter's figure, 累计/最新, 完成率, 状态,
  分值 and 得分 (the self-evaluation's, as last saved);
- 预算明细: one row per unit × budget line — 支出类型, 全年预算数, 执行数, 执行率, 时间进度, 预警;
  no total rows, so that a sum or a pivot counts each amount once (the 汇总 has each unit's).

Every sheet has its headers frozen and an autofilter over them; figures are numbers with a
number format, never text (a count shows its unit through the format: 5000 reads "5,000宗").
The 汇总 is printed and filed, so it wears the house style. The two detail sheets are data to
filter and pivot (1.2 million cells for 1,000 units): a cell there carries only what its data
needs, a number format or a status colour, and no border, font or wrapping; its text goes in
as a plain value. That is most of the export's time saved (docs/engineering.md §5), and the
rows stay one line high, as a filtered list reads best.

Written in openpyxl's **write-only mode** (docs/engineering.md §5) so memory stays bounded for
1,000 units: rows stream to one temporary file per sheet, and ``details`` is consumed one unit
at a time, its rows going to both detail sheets as they come. Write-only sheets cannot merge,
so the 汇总 title is centred across its columns; widths, print setup and frozen panes are set
before the first row (a write-only sheet writes them with it). The builder computes nothing:
progress is kpi.progress's (lent through kpi.reports.contributions), its figures written as the
progress workbook writes them (kpi.reports.figures), scores the self-evaluation's snapshot.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from itertools import zip_longest
from typing import NamedTuple

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter

from kpi.core.labels import QUARTER_LABELS
from kpi.core.text import clean_text
from kpi.reports import pages, sizing, style
from kpi.reports.figures import actual_cell, fraction, quarter_cell, status_look
from kpi.reports.style import Styled

SUMMARY_SHEET, INDICATOR_SHEET, BUDGET_SHEET = "汇总", "指标明细", "预算明细"
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
UNIT_COLUMNS = ["单位", "主管部门"]
INDICATOR_HEADERS = [
    *UNIT_COLUMNS,
    "绩效目标表",
    "一级指标",
    "二级指标",
    "三级指标",
    "年初指标值",
    "调整后指标值",
    *QUARTER_LABELS.values(),
    "累计/最新",
    "完成率",
    "状态",
    "分值",
    "得分",
]
INDICATOR_WIDTHS = [24, 16, 16, 10, 12, 28, 14, 14, 12, 12, 12, 12, 13, 9, 8, 7, 7]
BUDGET_HEADERS = [*UNIT_COLUMNS, "支出类型", "预算项目", "全年预算数", "执行数", "执行率", "时间进度", "预警"]
BUDGET_WIDTHS = [24, 16, 10, 28, 13, 13, 9, 9, 8]
LINE_KINDS = {"basic": "基本支出", "project": "项目支出"}
SUMMARY_HEADER_ROW = 3  # title, header line, headers: the sheet that is printed and filed
DETAIL_HEADER_ROW = 1  # the detail sheets are tables to filter: headers on the first row
UNIT_TABLE = "单位整体"
_SCORE = Styled(None, style.NUMBER, "0.00")
_CENTRED_ACROSS = Alignment(horizontal="centerContinuous", vertical="center")
_RIGHT = Alignment(horizontal="right", vertical="center")


class UnitDetail(NamedTuple):
    """What a unit's detail rows are made of: its UnitProgress (kpi.progress.service; None for a
    unit with nothing in the year) and its self-evaluation's (分值, 得分) as last saved, by indicator id."""

    progress: object | None
    scores: dict[int, tuple[Decimal, Decimal]]


def consolidated_name(year: int) -> str:
    return f"{year}年预算绩效汇总表.xlsx"


def build_consolidated_workbook(
    rows: Sequence,
    *,
    year: int,
    totals,
    details: Iterable[UnitDetail | None] = (),
    progress: Callable[[int, int], None] | None = None,
) -> bytes:
    """The 汇总表 as .xlsx bytes.

    ``rows`` are kpi.finance.service.UnitStatus, ``totals`` its Totals; ``details`` yields each
    row's UnitDetail (or None) in the same order, lazily.
    ``progress(done, total)`` is called with 0 first, then after each unit's rows are written."""
    wb = Workbook(write_only=True)
    style.add_styles(wb)
    _summary(StreamingSheet(wb.create_sheet(SUMMARY_SHEET), []), rows, year, totals)
    indicators = StreamingSheet(wb.create_sheet(INDICATOR_SHEET), INDICATOR_WIDTHS)
    budget = StreamingSheet(wb.create_sheet(BUDGET_SHEET), BUDGET_WIDTHS)
    indicators.start_table(INDICATOR_HEADERS, freeze_columns=1)
    budget.start_table(BUDGET_HEADERS, freeze_columns=1)
    total = len(rows)
    if progress is not None:
        progress(0, total)
    for done, (row, detail) in enumerate(zip_longest(rows, details), start=1):
        if row is None:
            break
        if detail is not None and detail.progress is not None:
            unit = [Styled(row.unit.name), Styled(row.parent_name)]
            for cells in indicator_rows(detail):
                indicators.append(indicators.cells([*unit, *cells]))
            for cells in budget_rows(detail.progress):
                budget.append(budget.cells([*unit, *cells]))
        if progress is not None:
            progress(done, total)
    indicators.close()
    budget.close()
    wb.properties.title = f"{year}年预算绩效汇总表"
    wb.properties.creator = "预算绩效指标跟踪系统"
    return style.workbook_bytes(wb)


class StreamingSheet:
    """A write-only sheet, its column widths and the number of its last row."""

    def __init__(self, ws, widths: list[float]):
        self.ws, self.widths, self.row = ws, widths, 0
        self.header_row, self.table = 0, False

    def cells(self, row: Iterable[Styled | None]) -> list:
        """A row's cells: the house style's on a printed sheet; on a table to filter, ``data_cell``'s
        (an empty cell is left out: a third of a detail row is empty, later quarters, 调整后指标值, 得分)."""
        if self.table:
            return [None if styled is None else data_cell(self.ws, styled) for styled in row]
        return [None if styled is None else style.streamed(self.ws, styled) for styled in row]

    def append(self, cells: list, *, height: float | None = None, fit: bool = True) -> None:
        """The next row, as high as its wrapped texts need (sizing.row_height) unless ``fit`` is
        False (cells that do not wrap) or a ``height`` is given."""
        self.row += 1
        if fit and height is None and not self.table:  # a table's rows are one line: nothing wraps
            height = sizing.row_height((getattr(cell, "value", None), width) for cell, width in zip(cells, self.widths))
        if height:
            self.ws.row_dimensions[self.row].height = height
        self.ws.append(cells)

    def _widths(self) -> None:
        for column, width in enumerate(self.widths, start=1):
            self.ws.column_dimensions[get_column_letter(column)].width = width

    def start(self, title: str, header_line: list[str], headers: list[str]) -> None:
        """Widths, print setup, the title centred across the first page section, the header line
        and the headers. A sheet too wide for A4 at a legible size prints in column sections, the
        unit's column on each (pages.column_sections)."""
        self._widths()
        style.setup_print(self.ws, SUMMARY_HEADER_ROW, repeat_from=SUMMARY_HEADER_ROW, freeze_columns=1)
        cuts = pages.column_sections(self.widths, repeat=1, groups=2, first_group=len(headers) - 2 * len(REPORTS))
        pages.print_in_sections(self.ws, self.widths, cuts, repeat=1)
        first_section = cuts[0] if cuts else len(headers)
        title_row = [Styled(title, style.TITLE, alignment=_CENTRED_ACROSS)]
        title_row += [Styled(None, style.TITLE, alignment=_CENTRED_ACROSS)] * (first_section - 1)
        self.append(self.cells(title_row), height=30)
        line: list[Styled | None] = [None] * len(headers)
        for position, text in zip((0, first_section // 2, first_section - 1), header_line):
            line[position] = Styled(text, style.SUBTITLE)
        # 金额单位：万元 ends the first section: right-aligned, it spills left into the empty cells
        # beside it, not right across the page's edge.
        line[first_section - 1] = line[first_section - 1]._replace(alignment=_RIGHT)
        self.append(self.cells(line), fit=False)
        self._headers(headers)

    def start_table(self, headers: list[str], *, freeze_columns: int) -> None:
        """A table to filter: widths, print setup and the headers on the first row."""
        self._widths()
        style.setup_print(self.ws, DETAIL_HEADER_ROW, repeat_from=DETAIL_HEADER_ROW, freeze_columns=freeze_columns)
        self._headers(headers)
        self.table = True

    def _headers(self, headers: list[str]) -> None:
        self.append(self.cells(Styled(label, style.HEADER) for label in headers))
        self.header_row, self.columns = self.row, len(headers)

    def close(self, *, filter_to: int | None = None) -> None:
        """An autofilter from the headers down to row ``filter_to`` (default: the last), then the
        sheet's temporary file is written out and freed."""
        last = get_column_letter(self.columns)
        self.ws.auto_filter.ref = f"A{self.header_row}:{last}{max(filter_to or self.row, self.header_row)}"
        self.ws.close()


_DATA_FORMATS = {style.MONEY: style.MONEY_FORMAT, style.PERCENT: style.PERCENT_FORMAT, style.DATE: style.DATE_FORMAT}


def data_cell(ws, styled: Styled):
    """A detail-table cell: the value, with its number format or status colour and nothing else.

    Text that needs no colour goes in as a plain value (openpyxl writes a str as a string);
    only text starting with "=" gets a cell marked as a string (style.write_text), which openpyxl
    would otherwise store as a formula."""
    value = styled.value
    if value is None or value == "":
        return None
    if isinstance(value, str):
        text = clean_text(value)
        if styled.fill is None and not text.startswith("="):
            return text or None
        cell = style.write_text(WriteOnlyCell(ws), text)
    else:
        cell = WriteOnlyCell(ws, value)
        number_format = styled.number_format or _DATA_FORMATS.get(styled.style)
        if number_format is not None:
            cell.number_format = number_format
    if styled.fill is not None:
        cell.fill = styled.fill
    return cell


# --- 汇总 ------------------------------------------------------------------------------------
def _summary(sheet: StreamingSheet, rows: Sequence, year: int, totals) -> None:
    widths = [
        min(max((sizing.text_width(row.unit.name) for row in rows), default=8) + 2, 40),
        min(max((sizing.text_width(row.parent_name) for row in rows), default=8) + 2, 30),
        12,
        12,
        9,
        9,
        9,
        *([11, 12] * len(REPORTS)),  # 状态 (一季度状态 on one line), 送审日期
    ]
    sheet.widths = [max(width, 8) for width in widths]
    sheet.start(
        f"{year}年度预算绩效汇总表",
        [f"单位：全部预算单位（{len(rows)} 个）", f"年度：{year}年", "金额单位：万元"],
        SUMMARY_HEADERS,
    )
    for row in rows:
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
        sheet.append(sheet.cells(styled))
    last_unit = sheet.row  # the filter covers the units, not the 合计 row under them
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
    sheet.close(filter_to=last_unit)


# --- 指标明细 and 预算明细 ------------------------------------------------------------------------
def indicator_rows(detail: UnitDetail) -> Iterable[list[Styled]]:
    """A unit's indicators, each as its cells after 单位 and 主管部门 (INDICATOR_HEADERS[2:])."""
    for item in detail.progress.rows:
        indicator = item.indicator
        points, score = detail.scores.get(indicator.id, (indicator.points, None))
        yield [
            Styled(UNIT_TABLE if indicator.scope == "unit" else item.project),
            Styled(indicator.level1),
            Styled(indicator.level2),
            Styled(indicator.name),
            Styled(indicator.initial_target_text),
            Styled(indicator.target_text if indicator.is_adjusted else None),
            *(quarter_cell(indicator, value) for value in item.quarter_values),
            actual_cell(item),
            fraction(item.progress.completion_pct),
            status_look(item.progress.status),
            _SCORE._replace(value=points),
            _SCORE._replace(value=score),
        ]


def budget_rows(progress) -> Iterable[list[Styled]]:
    """A unit's budget lines (not their totals), each as its cells after 单位 and 主管部门."""
    for row in progress.budget:
        if row.is_total:
            continue
        figures = row.progress
        yield [
            Styled(LINE_KINDS.get(row.line.kind, row.line.kind)),
            Styled(row.label),
            Styled(figures.budget, style.MONEY),
            Styled(figures.spent, style.MONEY),
            fraction(figures.execution_rate),
            fraction(figures.time_progress),
            status_look(figures.status),
        ]
