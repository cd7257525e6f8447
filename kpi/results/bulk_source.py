"""Reading a results file for `kpi import-results`: an .xlsx (sheets 指标完成情况 and
预算执行情况) or a .csv in UTF-8 or GBK, into plain rows with their row numbers.

Unsafe or unreadable files are refused before anything is parsed (xlsx_safety).
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

from kpi.core.text import clean_value
from kpi.indicators.xlsx_safety import UnsafeUpload, open_workbook, read_upload_bytes
from kpi.results.workbook_upload import WrongCellType, cell_text

MAX_ROWS = 100_000
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_COLUMNS = 30
RESULTS_SHEET, SPENDING_SHEET = "指标完成情况", "预算执行情况"
_HEADERS = {
    "单位": "unit",
    "单位名称": "unit",
    "预算单位": "unit",
    "年度": "year",
    "期间": "period",
    "季度": "period",
    "三级指标": "name",
    "指标名称": "name",
    "完成值": "value",
    "说明": "note",
    "项目": "project",
    "项目名称": "project",
    "执行数": "amount",
}
COLUMN_LABELS = {
    "unit": "单位",
    "year": "年度",
    "period": "期间",
    "name": "三级指标",
    "value": "完成值",
    "note": "说明",
    "project": "项目",
    "amount": "执行数",
}
REQUIRED_COLUMNS = {
    RESULTS_SHEET: ("unit", "year", "period", "name", "value"),
    SPENDING_SHEET: ("unit", "year", "period", "project", "amount"),
}


@dataclass(frozen=True)
class SourceRow:
    sheet: str  # RESULTS_SHEET or SPENDING_SHEET
    row: int  # as numbered in the file (the header is row 1 in a CSV)
    values: dict[str, str]


@dataclass
class Source:
    rows: list[SourceRow]
    from_csv: bool


class BulkImportRejected(ValueError):
    """Nothing was imported; ``problems`` lists every fault in Chinese."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems[:5]))


def read_source(path: Path) -> Source:
    """The rows of an .xlsx or .csv file; BulkImportRejected when the file cannot be read."""
    try:
        data = read_upload_bytes(path, max_bytes=MAX_FILE_BYTES)
    except UnsafeUpload as error:
        raise BulkImportRejected([str(error)]) from error
    if path.suffix.lower() == ".csv":
        return Source(_table(RESULTS_SHEET, _csv_rows(data), from_csv=True), from_csv=True)
    if path.suffix.lower() != ".xlsx":
        raise BulkImportRejected(["只支持 .xlsx 或 .csv 文件"])
    try:
        workbook = open_workbook(data)
    except UnsafeUpload as error:
        raise BulkImportRejected([str(error)]) from error
    try:
        if RESULTS_SHEET not in workbook.sheetnames:
            raise BulkImportRejected([f"缺少工作表“{RESULTS_SHEET}”"])
        rows = []
        for name in (RESULTS_SHEET, SPENDING_SHEET):
            if name in workbook.sheetnames:
                ws = workbook[name]
                ws.reset_dimensions()
                rows += _table(
                    name,
                    (_xlsx_texts(cells) for cells in ws.iter_rows(max_col=MAX_COLUMNS)),
                    from_csv=False,
                    limit=MAX_ROWS - len(rows),
                )
        return Source(rows, from_csv=False)
    except BulkImportRejected:
        raise
    except Exception as error:  # read-only workbooks parse lazily: corrupt XML fails here
        raise BulkImportRejected(["文件已损坏，无法读取工作表内容"]) from error
    finally:
        workbook.close()


def _csv_rows(data: bytes):
    # Chinese Excel saves CSV as GBK; everything else writes UTF-8, often with a BOM.
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise BulkImportRejected(["无法识别文件编码，请将 CSV 保存为 UTF-8 或 GBK 编码"])
    try:
        yield from csv.reader(io.StringIO(text, newline=""))
    except csv.Error as error:
        raise BulkImportRejected([f"CSV 格式有误：{error}"]) from error


def _xlsx_texts(cells) -> list[str | WrongCellType]:
    texts = []
    for cell in cells:
        try:
            texts.append(cell_text(cell, "any"))
        except WrongCellType as error:
            texts.append(error)
    return texts


def _table(sheet: str, rows, *, from_csv: bool, limit: int = MAX_ROWS) -> list[SourceRow]:
    """Find the header within the first 10 rows, then read every non-blank row after it."""
    rows = enumerate(rows, start=1)
    for number, header in islice(rows, 10):  # noqa: B007  (number names the header row after the loop)
        columns = {
            _HEADERS[key]: i
            for i, text in enumerate(header)
            if isinstance(text, str) and (key := _header_key(text)) in _HEADERS
        }
        if "name" in columns or "amount" in columns:
            break
    else:
        expected = "、".join(COLUMN_LABELS[key] for key in REQUIRED_COLUMNS[sheet])
        raise BulkImportRejected([f"{location(sheet, None, from_csv)}前 10 行中找不到表头（{expected}）"])
    missing = [COLUMN_LABELS[key] for key in REQUIRED_COLUMNS[sheet] if key not in columns]
    if missing:
        raise BulkImportRejected([f"{location(sheet, number, from_csv)}缺少“{'”“'.join(missing)}”列"])
    found = []
    for number, cells in rows:
        values = {key: clean_value(cells[i]) if i < len(cells) else "" for key, i in columns.items()}
        if all(isinstance(v, str) and not v.strip() for v in values.values()):
            continue
        if len(found) >= limit:
            raise BulkImportRejected([f"{location(sheet, number, from_csv)}超过 {MAX_ROWS} 行的上限，请拆分后分批导入"])
        found.append(SourceRow(sheet, number, values))
    return found


def _header_key(text: str) -> str:
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))
    return re.sub(r"\([^()]*\)", "", text).strip("*：:")  # 执行数（万元） folds to 执行数(万元) then 执行数


def location(sheet: str, row: int | None, from_csv: bool, column: str | None = None) -> str:
    prefix = "" if from_csv else f"{sheet} "
    if row is None:
        return prefix
    return f"{prefix}第 {row} 行（{column}）：" if column else f"{prefix}第 {row} 行："
