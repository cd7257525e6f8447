"""Read a filled-in 自评表 (项目支出 or 部门（单位）整体支出绩效自评表) in the official layout.

The official form (财预〔2020〕10号, docs/rules/layouts.md §2) has, on each sheet: the title, a 预算执行
block (年初预算数 | 全年预算数 | 全年执行数 | 分值 | 执行率 | 得分, its 年度资金总额 row first), the
indicator table (一级/二级/三级指标 | 年度指标值 | 实际完成值 | 分值 | 得分 | 偏差原因分析及改进措施)
and a 总分 row. Published files move these around (extra rows, a 分值 column before the target),
so every block is found by its header text, never by position; merged 一级/二级 cells (read as
blank) carry down. Every cell is kept as the publisher wrote it; numbers are Decimals.

What cannot be read raises ReadError with a Chinese message naming the row and column.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from openpyxl.utils import get_column_letter

from kpi.core.text import clean_text
from kpi.domain.targets import split_target
from kpi.indicators.table_cells import decimal_of, format_decimal
from kpi.indicators.xlsx_safety import UnsafeUpload, open_workbook, read_upload_bytes

MAX_COLUMNS, MAX_ROWS = 40, 2000
MONEY_LABELS = {"年初预算数": "initial", "全年预算数": "full_year", "全年执行数": "spent", "分值": "points",
                "执行率": "rate", "得分": "score"}  # fmt: skip
GRID_LABELS = {
    "一级指标": "level1",
    "二级指标": "level2",
    "三级指标": "name",
    "年度指标值": "target",
    "指标值": "target",
    "年度目标值": "target",
    "实际完成值": "actual",
    "实际值": "actual",
    "全年实际值": "actual",
    "完成值": "actual",
    "分值": "points",
    "权重": "points",
    "得分": "score",
    "指标性质": "comparator",  # the split layout: 指标性质 | 指标值 | 度量单位
    "度量单位": "unit",
    "计量单位": "unit",
    "偏差原因分析及改进措施": "explanation",
    # Traditional spellings: tables copied through mirrors that convert the characters.
    "一級指標": "level1",
    "二級指標": "level2",
    "三級指標": "name",
    "年度指標值": "target",
    "指標值": "target",
    "指標性質": "comparator",
    "度量單位": "unit",
    "實際完成值": "actual",
    "偏差原因分析及改进措施说明": "explanation",
}
ROLE_LABELS = {"initial": "年初预算数", "full_year": "全年预算数", "spent": "全年执行数", "points": "分值",
               "rate": "执行率", "score": "得分"}  # fmt: skip
_LEVEL_POINTS = re.compile(r"\s*[（(][^（）()]*[）)]\s*$|\s*[（(]?\s*\d+(?:\.\d+)?\s*分\s*[)）]?\s*$")
_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")


class ReadError(ValueError):
    """The file cannot be read as a 自评表; ``str()`` is the Chinese message with its row and column."""

    def __init__(self, message: str, row: int | None = None, column: str | None = None):
        self.message, self.row, self.column = message, row, column
        where = f"第 {row} 行（{column}列）：" if row is not None and column else f"第 {row} 行：" if row else ""
        super().__init__(where + message)


@dataclass(frozen=True)
class MoneyBlock:
    """The 年度资金总额 row of the 预算执行 block (万元); any cell may be missing."""

    initial: Decimal | None
    full_year: Decimal | None
    spent: Decimal | None
    points: Decimal | None
    rate: Decimal | None  # 执行率 as printed, in % (0.8621 formatted as % reads 86.21)
    score: Decimal | None


@dataclass(frozen=True)
class PublishedRow:
    row: int
    level1: str
    level2: str
    name: str
    target_text: str
    actual_text: str
    points: Decimal | None
    score: Decimal | None
    explanation: str


@dataclass(frozen=True)
class PublishedTable:
    sheet: str
    title: str
    year: int | None
    money: MoneyBlock | None
    rows: list[PublishedRow] = field(default_factory=list)
    total_points: Decimal | None = None
    total_score: Decimal | None = None


def read_self_evaluation(source) -> list[PublishedTable]:
    """Every 自评表 of the file (one per sheet with an indicator table), in sheet order."""
    try:
        workbook = open_workbook(read_upload_bytes(source))
    except UnsafeUpload as error:
        raise ReadError(str(error)) from error
    try:
        tables = []
        for ws in workbook.worksheets:
            ws.reset_dimensions()
            rows = [list(row) for row in ws.iter_rows(max_row=MAX_ROWS, max_col=MAX_COLUMNS)]
            table = _table(ws.title, rows)
            if table is not None:
                tables.append(table)
    except ReadError:
        raise
    except Exception as error:  # read-only workbooks parse lazily: a corrupt sheet fails here
        raise ReadError("文件已损坏，无法读取工作表内容") from error
    finally:
        workbook.close()
    if not tables:
        raise ReadError("未找到自评表的指标表：没有一行同时有“三级指标”“年度指标值”和“得分”")
    return tables


def _table(sheet: str, rows: list[list]) -> PublishedTable | None:
    texts = [[_text(cell.value) for cell in row] for row in rows]
    header = next((i for i, row in enumerate(texts) if _is_grid_header(row)), None)
    if header is None:
        return None
    title = next((t for row in texts[:header] for t in row if "自评表" in t), sheet)
    year = next((int(m.group(1)) for row in texts[: header + 1] for t in row if (m := _YEAR.search(t))), None)
    columns = _columns(texts[header], GRID_LABELS)
    money = _money(rows, texts, header)
    table = PublishedTable(sheet, title, year, money)
    level1 = level2 = ""
    for index in range(header + 1, len(rows)):
        number, cells, line = index + 1, rows[index], texts[index]
        if any(t.replace(" ", "").startswith("总分") for t in line):
            numbers = [_number(cell, number, column=None) for cell in cells]
            found = [value for value in numbers if value is not None]
            points = _cell_number(cells, columns, "points", number) if "points" in columns else None
            score = _cell_number(cells, columns, "score", number) if "score" in columns else None
            if score is None and found:
                points, score = (found[-2], found[-1]) if len(found) > 1 else (None, found[-1])
            return PublishedTable(sheet, title, year, money, table.rows, points, score)
        if not any(line):
            continue

        def cell(role: str) -> str:
            return line[columns[role]] if role in columns and columns[role] < len(line) else ""  # noqa: B023

        if cell("level1"):
            level1, level2 = _LEVEL_POINTS.sub("", cell("level1")).strip(), ""
        if cell("level2"):
            level2 = _LEVEL_POINTS.sub("", cell("level2")).strip()
        name = cell("name")
        if not name or GRID_LABELS.get(_label(name)) == "name":
            continue
        target = cell("target")
        if "comparator" in columns or "unit" in columns:  # written as a person would: "≥95%"
            target = split_target(cell("comparator"), target, cell("unit")).text
        table.rows.append(
            PublishedRow(
                number,
                level1,
                level2,
                name,
                target,
                cell("actual"),
                _cell_number(cells, columns, "points", number),
                _cell_number(cells, columns, "score", number),
                cell("explanation"),
            )
        )
    return table


def _is_grid_header(row: list[str]) -> bool:
    """三级指标, 得分 and a target column: a working sheet (计分说明) has the first two only."""
    labels = {_label(text) for text in row}
    has_name = bool(labels & {"三级指标", "三級指標"})
    return has_name and "得分" in labels and any(GRID_LABELS.get(label) == "target" for label in labels)


def _money(rows: list[list], texts: list[list[str]], before: int) -> MoneyBlock | None:
    header = next((i for i, row in enumerate(texts[:before]) if "年初预算数" in {_label(t) for t in row}), None)
    if header is None:
        return None
    columns = _columns(texts[header], MONEY_LABELS)
    for index in range(header + 1, before):
        if any("资金总额" in t for t in texts[index]):
            cells, number = rows[index], index + 1
            values = {role: _cell_number(cells, columns, role, number) for role in MONEY_LABELS.values()}
            rate_cell = cells[columns["rate"]] if "rate" in columns and columns["rate"] < len(cells) else None
            if values["rate"] is not None and rate_cell is not None and "%" in (rate_cell.number_format or ""):
                values["rate"] = values["rate"] * 100  # a fraction shown as 86.21%
            return MoneyBlock(**values)
    return None


def _columns(header: list[str], labels: dict[str, str]) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, text in enumerate(header):
        role = labels.get(_label(text))
        if role and role not in columns:
            columns[role] = index
    return columns


def _label(text: str) -> str:
    return re.sub(r"[\s（(][^）)]*[）)]|\s", "", text)


def _cell_number(cells: list, columns: dict[str, int], role: str, number: int) -> Decimal | None:
    if role not in columns or columns[role] >= len(cells):
        return None
    letter = get_column_letter(columns[role] + 1)
    return _number(cells[columns[role]], number, f"{ROLE_LABELS.get(role, role)}，{letter}")


def _number(cell, row: int, column: str | None) -> Decimal | None:
    value = cell.value
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return decimal_of(value)
    text = _text(value).replace(",", "").removesuffix("分").removesuffix("%").strip()
    if text in ("", "-", "—", "/", "无"):
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        if column is None:
            return None
        raise ReadError(f"“{_text(value)}”不是数字", row=row, column=column) from None


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (dt.datetime, dt.date)):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, float):
        return format_decimal(decimal_of(value))
    return clean_text(str(value)).strip()
