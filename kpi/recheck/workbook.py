"""The 复核 result as a workbook: one sheet per re-checked 自评表, its rows beside each other.

Columns: 行号 | 三级指标 | 分值 | 年度指标值 | 实际完成值 | 表中得分 | 复核得分 | 差异 | 计分说明, then the
预算执行 and 总分 rows. A row that needs a judgement says so under 复核得分; a differing row shows
its 差异 as a number and on the house's red. Figures are numbers with formats (0.00).
"""

from __future__ import annotations

import re
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import PatternFill

from kpi.domain.scoring_presets import preset_label
from kpi.recheck.compare import TableCheck
from kpi.reports import sizing, style
from kpi.reports.style import Styled

HEADERS = ["行号", "三级指标", "分值", "年度指标值", "实际完成值", "表中得分", "复核得分", "差异", "计分说明"]
WIDTHS = [7, 30, 8, 16, 16, 10, 10, 8, 60]
DIFFERS = PatternFill("solid", fgColor="FFC7CE")
_SHEET_UNSAFE = re.compile(r"[\[\]:*?/\\']")
_SCORE = "0.00"


def recheck_workbook_name(year: int | None) -> str:
    return f"{year or ''}自评表复核结果.xlsx"


def build_recheck_workbook(checks: list[tuple[str, TableCheck]], preset: str) -> bytes:
    """``checks``: (file name, its TableCheck) in the order shown on the page."""
    wb = Workbook()
    wb.remove(wb.active)
    style.add_styles(wb)
    used: set[str] = set()
    for index, (file_name, check) in enumerate(checks, start=1):
        ws = wb.create_sheet(_sheet_name(index, check.table.title, used))
        _sheet(ws, file_name, check, preset)
    wb.properties.title = "自评表复核结果"
    wb.properties.creator = "预算绩效指标跟踪系统"
    return style.workbook_bytes(wb)


def _sheet_name(index: int, title: str, used: set[str]) -> str:
    name = f"{index}-{_SHEET_UNSAFE.sub('_', title)}"[:31]
    while name in used:
        name = f"{index}-{len(used)}"[:31]
    used.add(name)
    return name


def _sheet(ws, file_name: str, check: TableCheck, preset: str) -> None:
    table = check.table
    style.write_title(ws, f"{table.title} 复核结果", len(HEADERS))
    style.put(
        ws.cell(row=2, column=1),
        Styled(f"文件：{file_name}　工作表：{table.sheet}　计分方案：{preset_label(preset)}", style.SUBTITLE),
    )
    for column, label in enumerate(HEADERS, start=1):
        style.put(ws.cell(row=3, column=column), Styled(label, style.HEADER))
    row = 4
    for item in check.rows:
        difference = (
            None
            if item.computed_score is None or item.published_score is None
            else (item.computed_score - item.published_score)
        )
        fill = DIFFERS if item.differs else None
        cells = [
            Styled(item.row, style.NUMBER),
            Styled(item.name),
            Styled(item.points, style.NUMBER, _SCORE),
            Styled(item.target_text),
            Styled(item.actual),
            Styled(item.published_score, style.NUMBER, _SCORE),
            Styled(item.computed_score, style.NUMBER, _SCORE)
            if item.computed_score is not None
            else Styled("需人工判断"),
            Styled(difference, style.NUMBER, _SCORE, fill=fill),
            Styled(item.working),
        ]
        for column, styled in enumerate(cells, start=1):
            style.put(ws.cell(row=row, column=column), styled)
        row += 1
    for label, published, computed, note in (
        ("预算执行", check.budget_published, check.budget_computed, check.budget_working),
        ("总分", check.total_published, check.total_computed, f"{check.judgements} 行需人工判断，按表中得分计入"),
    ):
        cells = {2: Styled(label, style.SECTION), 6: _score(published), 7: _score(computed), 9: Styled(note)}
        for column in range(1, len(HEADERS) + 1):
            style.put(ws.cell(row=row, column=column), cells.get(column, Styled(None)))
        row += 1
    for column, width in enumerate(WIDTHS, start=1):
        ws.column_dimensions[ws.cell(row=3, column=column).column_letter].width = width
    sizing.fit_rows(ws, 4)
    style.setup_print(ws, 3, repeat_from=3, freeze_columns=2)


def _score(value: Decimal | None) -> Styled:
    return Styled(value, style.NUMBER, _SCORE)
