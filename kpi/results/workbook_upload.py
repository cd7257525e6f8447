"""Read a filled-in quarterly workbook (季度填报表) back, checked cell by cell.

The workbook is the one `kpi.results.workbook` builds. Every fault is reported
as "第 N 行（列名）：原因" with the sheet's own row numbers, all at once, in an
``UploadRejected``. The figures then go through ``service.validate_input``, the
same path as the web form (docs/engineering.md §8: one validation path), and its messages are
translated back to rows and columns.

Every indicator row carries all its input cells, so a blank cell means "empty":
re-uploading an unchanged file changes nothing. Rows missing from the file are
left as they are. A formula cell counts by the value Excel saved with it; one saved
without a value (a program that never calculated it) is refused by its cell, because
reading it as blank would clear a stored figure.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from decimal import Decimal
from itertools import islice

from openpyxl.utils import get_column_letter

from kpi.domain.numbers import plain_number
from kpi.indicators.table_cells import is_percent_format
from kpi.indicators.xlsx_safety import UnsafeUpload, open_workbook, read_upload_bytes
from kpi.results.service import InputRejected, QuarterInput, validate_input
from kpi.results.sheet import QUARTER_LABELS, QuarterSheet
from kpi.results.workbook import (
    ENTRY_SHEET,
    FILE_KIND,
    FORMAT_VERSION,
    ID_HEADER,
    INPUT_HEADERS,
    META_KEYS,
    META_SHEET,
    SPENDING_SHEET,
    SPENT_HEADER,
)

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000  # far more than any unit's indicators; bounds the work a hostile file can cause
MAX_COLUMNS = 30
HEADER_SCAN_ROWS = 10
_KINDS = {
    "value": "number",
    "numerator": "number",
    "denominator": "number",
    "band": "text",
    "achieved_on": "date",
    "assessment": "text",
    "note": "text",
}
_SPENT_LABEL = "本季度执行数"


@dataclass(frozen=True)
class Problem:
    """One fault of an upload, located on its sheet."""

    message: str
    row: int | None = None
    column: str | None = None
    sheet: str = ENTRY_SHEET
    subject: str = ""  # the indicator or budget line of the row, when known (for the web page)

    def __str__(self) -> str:
        prefix = "" if self.sheet == ENTRY_SHEET else f"{self.sheet}表"
        if self.row is None:
            return prefix + self.message
        return (
            f"{prefix}第 {self.row} 行（{self.column}）：{self.message}"
            if self.column
            else f"{prefix}第 {self.row} 行：{self.message}"
        )


class UploadRejected(ValueError):
    """The upload cannot be imported; ``problems`` are Chinese lines, ``details`` the same located."""

    def __init__(self, problems: list[Problem | str]):
        self.details = [p if isinstance(p, Problem) else Problem(p) for p in problems]
        self.problems = [str(p) for p in self.details]
        super().__init__("；".join(self.problems[:5]))


class WrongCellType(ValueError):
    """A cell holds a value of the wrong type (a date where a number belongs, …)."""


@dataclass(frozen=True)
class FileInfo:
    """What the hidden 填报信息 sheet says the file was made for."""

    unit_id: int
    unit: str
    year: int
    quarter: int
    version: int


@dataclass
class Upload:
    info: FileInfo
    entries: dict[int, dict[str, str]] = field(default_factory=dict)
    spending: dict[int, str] = field(default_factory=dict)
    # Input cells read as blank: (sheet, row, column index, column label), checked for formulas.
    blank_cells: list[tuple[str, int, int, str]] = field(default_factory=list)
    data: QuarterInput | None = None  # validated


def read_fill_in_workbook(data: bytes, sheet: QuarterSheet) -> tuple[dict[int, dict[str, str]], dict[int, str]]:
    """The raw entries and spending of an upload for ``sheet``, already validated; or UploadRejected."""
    upload = read_upload(data, sheet)
    return upload.entries, upload.spending


def read_upload(data: bytes, sheet: QuarterSheet) -> Upload:
    """Read, check and validate an upload for ``sheet`` (see the module docstring)."""
    try:
        data = read_upload_bytes(data, max_bytes=MAX_UPLOAD_BYTES)
        workbook = open_workbook(data)
    except UnsafeUpload as error:
        raise UploadRejected([str(error)]) from error
    try:
        upload = _read(workbook, sheet, lambda: _formula_cells(data))
    except (UploadRejected, UnsafeUpload):
        raise
    except Exception as error:  # read-only workbooks parse lazily: corrupt XML fails here
        raise UploadRejected(["文件已损坏，无法读取工作表内容"]) from error
    finally:
        workbook.close()
    return upload


def _formula_cells(data: bytes) -> dict[str, set[tuple[int, int]]]:
    """The (row, column index) of every formula cell of the two input sheets.

    Only formulas tell a cell saved without its value from a blank one, and a workbook
    opened for values cannot show them, so the file is opened a second time for its formulas.
    """
    workbook = open_workbook(data, formulas=True)
    try:
        found = {}
        for name in (ENTRY_SHEET, SPENDING_SHEET):
            ws = workbook[name]
            ws.reset_dimensions()
            rows = islice(ws.iter_rows(max_col=MAX_COLUMNS), MAX_ROWS + HEADER_SCAN_ROWS)
            found[name] = {
                (number, index)
                for number, cells in enumerate(rows, start=1)
                for index, cell in enumerate(cells)
                if cell.data_type == "f"
            }
        return found
    finally:
        workbook.close()


def _read(workbook, sheet: QuarterSheet, formula_cells) -> Upload:
    info = _file_info(workbook)
    if (info.unit_id, info.year, info.quarter) != (sheet.unit.id, sheet.year.year, sheet.quarter):
        raise UploadRejected(
            [
                f"该文件属于 {info.unit} {info.year} 年{QUARTER_LABELS.get(info.quarter, '')}，与当前页面"
                f"（{sheet.unit.name} {sheet.year.year} 年{QUARTER_LABELS[sheet.quarter]}）不一致，请上传本季度的填报表。"
            ]
        )
    missing = [name for name in (ENTRY_SHEET, SPENDING_SHEET) if name not in workbook.sheetnames]
    if missing:
        raise UploadRejected([f"缺少工作表“{name}”，请使用本系统下载的填报表" for name in missing])
    upload, problems = Upload(info), []
    entry_rows = _read_entries(workbook[ENTRY_SHEET], sheet, upload, problems)
    line_rows = _read_spending(workbook[SPENDING_SHEET], sheet, upload, problems)
    if upload.blank_cells:
        problems += _uncomputed(upload.blank_cells, formula_cells())
    bad = {(p.sheet, p.row) for p in problems}
    entries = {i: raw for i, raw in upload.entries.items() if (ENTRY_SHEET, entry_rows[i]) not in bad}
    spending = {i: raw for i, raw in upload.spending.items() if (SPENDING_SHEET, line_rows[i]) not in bad}
    try:
        upload.data = validate_input(sheet, entries, spending)
    except InputRejected as rejected:
        problems += [_located(key, message, entry_rows, line_rows) for key, message in rejected.errors.items()]
    if problems:
        names = {(ENTRY_SHEET, row): i.name for i in sheet.indicators if (row := entry_rows.get(i.id))}
        names |= {(SPENDING_SHEET, row): line.name for line in sheet.lines if (row := line_rows.get(line.id))}
        problems = [replace(p, subject=names.get((p.sheet, p.row), "")) for p in problems]
        order = {ENTRY_SHEET: 0, SPENDING_SHEET: 1}
        columns = list(INPUT_HEADERS.values())
        problems.sort(
            key=lambda p: (order.get(p.sheet, 2), p.row or 0, columns.index(p.column) if p.column in columns else -1)
        )
        raise UploadRejected(problems)
    return upload


def _file_info(workbook) -> FileInfo:
    stranger = UploadRejected(["文件不是本系统导出的季度填报表，请先下载本季度的填报表，填写后再上传。"])
    if META_SHEET not in workbook.sheetnames:
        raise stranger
    values = {}
    for row in islice(workbook[META_SHEET].iter_rows(max_col=2, values_only=True), 20):
        if len(row) == 2 and isinstance(row[0], str) and row[0] in META_KEYS:
            values[META_KEYS[row[0]]] = row[1]
    if values.get("kind") != FILE_KIND:
        raise stranger
    if values.get("format") != FORMAT_VERSION:
        raise UploadRejected(["填报表的格式版本不受支持，请重新下载本季度的填报表。"])
    try:
        return FileInfo(
            unit_id=_int(values["unit_id"]),
            unit=str(values.get("unit") or ""),
            year=_int(values["year"]),
            quarter=_int(values["quarter"]),
            version=_int(values["version"]),
        )
    except (KeyError, ValueError):
        raise stranger from None


def _read_entries(ws, sheet: QuarterSheet, upload: Upload, problems: list[Problem]) -> dict[int, int]:
    """Fill ``upload.entries``; return the row of each indicator."""
    rows, columns = _table(ws, ENTRY_SHEET, [ID_HEADER, *INPUT_HEADERS.values()])
    by_id = {indicator.id: indicator for indicator in sheet.indicators}
    seen: dict[int, int] = {}
    for number, cells in rows:
        texts, wrong = {}, False
        for name, label in INPUT_HEADERS.items():
            if cells[columns[label]].value is None:
                upload.blank_cells.append((ENTRY_SHEET, number, columns[label], label))
            try:
                texts[name] = cell_text(cells[columns[label]], _KINDS[name])
            except WrongCellType as error:
                problems.append(Problem(str(error), number, label))
                wrong = True
        key = _row_id(
            cells[columns[ID_HEADER]], number, any(texts.values()) or wrong, by_id, seen, problems, ENTRY_SHEET, "指标"
        )
        if key is not None:
            upload.entries[key] = texts
    return seen


def _read_spending(ws, sheet: QuarterSheet, upload: Upload, problems: list[Problem]) -> dict[int, int]:
    """Fill ``upload.spending``; return the row of each budget line."""
    rows, columns = _table(ws, SPENDING_SHEET, [ID_HEADER, SPENT_HEADER])
    lines = {line.id: line for line in sheet.lines}
    seen: dict[int, int] = {}
    for number, cells in rows:
        wrong = False
        if cells[columns[SPENT_HEADER]].value is None:
            upload.blank_cells.append((SPENDING_SHEET, number, columns[SPENT_HEADER], _SPENT_LABEL))
        try:
            text = cell_text(cells[columns[SPENT_HEADER]], "number")
        except WrongCellType as error:
            problems.append(Problem(str(error), number, _SPENT_LABEL, SPENDING_SHEET))
            text, wrong = "", True
        key = _row_id(
            cells[columns[ID_HEADER]], number, bool(text) or wrong, lines, seen, problems, SPENDING_SHEET, "预算项目"
        )
        if key is not None:
            upload.spending[key] = text
    return seen


def _uncomputed(blank_cells, formula_cells: dict[str, set[tuple[int, int]]]) -> list[Problem]:
    return [
        Problem(
            f"单元格 {get_column_letter(index + 1)}{number} 是公式，但文件里没有保存它的计算结果，"
            "无法确定填的数值；请在 Excel 中打开并保存后重新上传，或直接填写数值",
            number,
            label,
            name,
        )
        for name, number, index, label in blank_cells
        if (number, index) in formula_cells.get(name, ())
    ]


def _table(ws, name: str, required: list[str]):
    """The data rows after the header row (numbered as in Excel) and the header's columns."""
    ws.reset_dimensions()  # some programs write a wrong <dimension>; read-only mode would stop there
    rows = enumerate(ws.iter_rows(max_col=MAX_COLUMNS), start=1)
    for number, cells in islice(rows, HEADER_SCAN_ROWS):
        labels = {str(c.value).strip(): i for i, c in enumerate(cells) if isinstance(c.value, str)}
        if ID_HEADER in labels:
            missing = [label for label in required if label not in labels]
            if missing:
                raise UploadRejected(
                    [Problem(f"缺少“{'”“'.join(missing)}”列，请使用本系统下载的填报表", number, sheet=name)]
                )
            return _bounded(rows, name), labels
    raise UploadRejected([Problem("找不到表头（“编号”列），请使用本系统下载的填报表", sheet=name)])


def _bounded(rows, name: str):
    for count, (number, cells) in enumerate(rows, start=1):
        if count > MAX_ROWS:
            raise UploadRejected([Problem(f"行数超过 {MAX_ROWS} 行的上限", number, sheet=name)])
        yield number, cells


def _row_id(
    cell,
    number: int,
    has_input: bool,
    known: dict,
    seen: dict[int, int],
    problems: list[Problem],
    sheet: str,
    what: str,
) -> int | None:
    """The record id of a row, or None (blank section rows are skipped; faults are recorded)."""
    if cell.value is None or (isinstance(cell.value, str) and not cell.value.strip()):
        if has_input:
            problems.append(
                Problem(f"缺少{what}编号，无法确定填的是哪一项；请勿增删行或修改编号", number, ID_HEADER, sheet)
            )
        return None
    try:
        key = _int(cell.value)
    except ValueError:
        problems.append(Problem(f"编号“{cell.value}”无效；请勿修改编号", number, ID_HEADER, sheet))
        return None
    if key not in known:
        problems.append(Problem(f"编号 {key} 不是本单位本年度的{what}；请勿修改编号", number, ID_HEADER, sheet))
        return None
    if key in seen:
        problems.append(Problem(f"与第 {seen[key]} 行是同一项{what}，重复填报", number, ID_HEADER, sheet))
        return None
    seen[key] = number
    return key


def _located(key: tuple[str, int, str], message: str, entry_rows: dict[int, int], line_rows: dict[int, int]) -> Problem:
    kind, record_id, name = key
    if kind == "line":
        return Problem(message, line_rows.get(record_id), _SPENT_LABEL, SPENDING_SHEET)
    return Problem(message, entry_rows.get(record_id), INPUT_HEADERS.get(name, name))


def _int(value) -> int:
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        return int(value.strip())
    raise ValueError(value)


def cell_text(cell, kind: str) -> str:
    """A cell as the text a person typed, for ``kind`` "number", "date", "text" or "any".

    Numbers lose float noise (15 significant digits, as Excel keeps); a number shown as a
    percentage (0.95 as 95%) becomes 95 ("95%" for kind "any"). Dates become YYYY-MM-DD.
    Raises WrongCellType for a value that cannot be meant for the column.
    """
    value = cell.value
    if value is None:
        return ""
    if isinstance(value, bool):
        raise WrongCellType(
            "应填写" + {"number": "数字", "date": "日期"}.get(kind, "文字") + "，不能是逻辑值（TRUE/FALSE）"
        )
    if isinstance(value, (dt.datetime, dt.date)):
        if kind == "number":
            raise WrongCellType("应填写数字，不能是日期")
        day = value.date() if isinstance(value, dt.datetime) else value
        return day.isoformat()
    if isinstance(value, (dt.time, dt.timedelta)):
        if kind in ("number", "date"):
            raise WrongCellType("应填写" + ("数字" if kind == "number" else "日期") + "，不能是时间")
        return str(value)
    if isinstance(value, (int, float)):
        if kind == "date":
            raise WrongCellType("应填写日期（YYYY-MM-DD）")
        number = Decimal(value) if isinstance(value, int) else Decimal(f"{value:.15g}")
        if is_percent_format(getattr(cell, "number_format", None)):
            return plain(number * 100) + ("%" if kind == "any" else "")
        return plain(number)
    return value if isinstance(value, str) else str(value)


def plain(number: Decimal) -> str:
    """A Decimal without exponent or trailing zeros: 1E+3 -> "1000", 2.50 -> "2.5"."""
    return plain_number(number)
