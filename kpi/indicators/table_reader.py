"""Read a published performance-target table (绩效目标表, .xlsx) into plain rows.

No database and no Flask: this turns a workbook into ``TargetRow``s and
leaves parsing of the target text to ``kpi.domain.targets``. Both layouts of
docs/rules/targets.md §5 are accepted: one 年度指标值 column ("single"), or 指标性质 |
指标值 | 度量单位 ("split"). Errors are ``TargetTableError`` with a Chinese
message naming the row (and column); nothing else escapes.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from itertools import chain, islice
from typing import BinaryIO, Literal

from openpyxl.utils import get_column_letter

from kpi.indicators.table_cells import cell_text as _cell_text
from kpi.indicators.table_cells import clean_cell_text as _clean_text
from kpi.indicators.table_cells import decimal_of as _decimal
from kpi.indicators.table_cells import is_percent_format
from kpi.indicators.table_cells import plain as _plain
from kpi.indicators.table_levels import row_levels
from kpi.indicators.xlsx_safety import UnsafeUpload, open_workbook, read_upload_bytes

HEADER_SCAN_ROWS = 20
# Indicator tables are narrow; reading a bounded width keeps a sheet with a
# stray value in column XFD from building 16 384 cells per row.
MAX_COLUMNS = 64

# Header labels after _normalise_header, mapped to the role of their column.
_HEADER_ROLES = {
    "一级指标": "level1",
    "二级指标": "level2",
    "三级指标": "name",
    "三级指标名称": "name",
    "指标名称": "name",
    "年度指标值": "target",
    # A table of targets adjusted during the year prints both; the adjusted one is the target.
    "调整后指标值": "target",
    "调整后年度指标值": "target",
    "年初指标值": "initial_target",
    "年初年度指标值": "initial_target",
    "年初目标值": "initial_target",
    "原指标值": "initial_target",
    "指标值": "target",
    "目标值": "target",
    "指标值及单位": "target",
    "年度目标值": "target",
    "绩效指标值": "target",
    "年度绩效指标值": "target",
    "指标性质": "comparator",
    "符号": "comparator",
    "运算符": "comparator",
    "度量单位": "unit",
    "计量单位": "unit",
    # A bare "单位" may be the reporting unit (预算单位) in a summary table, so
    # it only counts as 度量单位 next to a 指标性质 column.
    "单位": "unit?",
    "分值": "points",
    "权重": "points",
    "指标分值": "points",
    "指标权重": "points",
    "项目名称": "project",
    # A direction column beside the operator column (docs/rules/targets.md §8): 正向/反向.
    "指标方向": "direction",
    "指标方向性": "direction",
    "方向": "direction",
    "指标属性": "direction",
}
# Roles that may sit in a merged cell one row above the 三级指标 row. 项目名称
# is excluded: published forms put "项目名称 | …" in the block above the grid.
_ROLES_FROM_ROW_ABOVE = {"level1", "level2", "target", "comparator", "unit", "unit?", "points"}
_ROLE_LABELS = {
    "level1": "一级指标",
    "level2": "二级指标",
    "name": "三级指标",
    "target": "指标值",
    "comparator": "指标性质",
    "unit": "度量单位",
    "points": "分值",
    "project": "项目名称",
    "direction": "指标方向",
    "initial_target": "年初指标值",
}

# Some tables put the direction (正向/反向) or kind (定量/定性) in 指标性质
# instead of an operator; reverse means "at most" (docs/rules/targets.md §5).
_COMPARATOR_WORDS = {
    "正向": "",
    "正向指标": "",
    "反向": "≤",
    "反向指标": "≤",
    "定量": "",
    "定量指标": "",
    "定性": "",
    "定性指标": "",
}
_POINTS_PLACEHOLDERS = {"", "-", "—", "/", "无", "--"}
_LEVEL1_POINTS = re.compile(
    r"^(?P<label>.*?\D)\s*[（(]?\s*(?:分值|权重)?\s*[:：]?\s*(?P<points>\d+(?:\.\d+)?)\s*分\s*[)）]?$"
    r"|^(?P<label2>.*?\D)\s*[（(]\s*(?P<points2>\d+(?:\.\d+)?)\s*[)）]$"
)


@dataclass(frozen=True)
class TargetRow:
    """One 三级指标 of the table, as text; see the module docstring."""

    row: int
    level1: str
    level2: str
    name: str
    target_text: str
    comparator_text: str | None
    value_text: str | None
    unit_text: str | None
    points: Decimal | None
    level1_points: Decimal | None
    project: str | None
    direction_text: str | None = None  # 正向/反向 from a direction column, if the table has one
    initial_target_text: str | None = None  # 年初指标值 beside a 调整后指标值 column, if it differs
    notes: tuple[str, ...] = ()  # what the reader decided for the row (Chinese, for --dry-run)


@dataclass(frozen=True)
class TargetTable:
    sheet: str
    header_row: int  # the row holding 三级指标; a sub-header row may follow it
    layout: Literal["single", "split"]
    rows: list[TargetRow]


class TargetTableError(ValueError):
    """The table cannot be read; ``str(err)`` is the Chinese message for the user.

    Also raised for refused uploads (``xlsx_safety.UnsafeUpload``, kept as ``__cause__``).
    """

    def __init__(self, message: str, row: int | None = None, column: str | None = None):
        self.message, self.row, self.column = message, row, column
        where = ""
        if row is not None:
            where = f"第 {row} 行（{column}列）：" if column else f"第 {row} 行："
        super().__init__(where + message)


@dataclass(frozen=True)
class _Header:
    row: int  # 1-based row with 三级指标
    last_row: int  # the sub-header row if there is one, else ``row``
    columns: dict[str, int]  # role -> 0-based column index

    @property
    def layout(self) -> Literal["single", "split"]:
        return "split" if "comparator" in self.columns or "unit" in self.columns else "single"


def read_target_table(source: str | os.PathLike | bytes | BinaryIO, *, max_rows: int = 5000) -> TargetTable:
    """Read the first sheet that has a target-table header; see the module docstring."""
    try:
        data = read_upload_bytes(source)
        workbook = open_workbook(data)
    except UnsafeUpload as exc:
        raise TargetTableError(str(exc)) from exc
    blanks: list[tuple[int, int, str]] = []  # (row, column, role) of blank cells of indicator rows
    try:
        table = _read_workbook(workbook, max_rows, blanks)
        if blanks:
            _refuse_uncomputed(data, table.sheet, blanks)
        return table
    except TargetTableError:
        raise
    except Exception as exc:
        # Read-only workbooks parse lazily, so a corrupt sheet fails here, with
        # whatever openpyxl, zipfile or the XML parser happens to raise.
        raise TargetTableError("文件已损坏，无法读取工作表内容") from exc
    finally:
        workbook.close()


def _refuse_uncomputed(data: bytes, sheet: str, blanks: list[tuple[int, int, str]]) -> None:
    """A blank cell that holds a formula was saved without its value: refuse it by row and column.

    Only the formulas tell such a cell from a blank one, and a workbook opened for values cannot
    show them, so the file is opened a second time for its formulas (as kpi.results does)."""
    wanted = {(row, column): role for row, column, role in blanks}
    last = max(row for row, _column, _role in blanks)
    workbook = open_workbook(data, formulas=True)
    try:
        ws = workbook[sheet]
        ws.reset_dimensions()
        for number, cells in enumerate(islice(ws.iter_rows(max_col=MAX_COLUMNS), last), start=1):
            for column, cell in enumerate(cells):
                role = wanted.get((number, column))
                if role is not None and cell.data_type == "f":
                    raise TargetTableError(
                        f"单元格 {get_column_letter(column + 1)}{number} 是公式，但文件里没有保存它的计算结果，"
                        "无法确定其内容；请在 Excel 中打开并保存后重新导入，或直接填写数值",
                        row=number,
                        column=_ROLE_LABELS.get(role, role),
                    )
    finally:
        workbook.close()


def _read_workbook(workbook, max_rows: int, blanks: list | None = None) -> TargetTable:
    seen_content = False
    for ws in workbook.worksheets:
        # Some exporters write a wrong <dimension>; read-only mode would stop there.
        ws.reset_dimensions()
        rows = ws.iter_rows(max_col=MAX_COLUMNS)
        head = list(islice(rows, HEADER_SCAN_ROWS))
        seen_content = seen_content or any(not _is_blank(r) for r in head)
        header = _find_header(head)
        if header is not None:
            body = chain(head[header.last_row :], rows)
            found = list(_read_rows(body, header, max_rows, [] if blanks is None else blanks))
            if not found:
                raise TargetTableError(f"工作表“{ws.title}”的表头下面没有任何指标", row=header.row)
            return TargetTable(ws.title, header.row, header.layout, found)
    if not seen_content:
        raise TargetTableError("文件是空的：工作表前 20 行没有任何内容")
    raise TargetTableError("未找到表头：前 20 行中没有“三级指标”和“指标值”列")


def _find_header(head: list[tuple]) -> _Header | None:
    roles = [[_header_role(c.value) for c in row] for row in head]
    for i, row_roles in enumerate(roles):
        if "name" not in row_roles:
            continue
        name_col = row_roles.index("name")
        columns: dict[str, int] = {}

        # take() and the lambdas below run within this iteration, on this row's columns.
        def take(candidates, allow=lambda col, role: True):
            for col, role in enumerate(candidates):
                if role and role not in columns and col not in columns.values() and allow(col, role):  # noqa: B023
                    columns[role] = col  # noqa: B023

        last = i
        below = roles[i + 1] if i + 1 < len(roles) else []
        # A sub-header (e.g. 指标性质|指标值|度量单位 under a merged 年度指标值)
        # is recognised by a blank 三级指标 cell; it wins over the row above it.
        if any(below) and head[i + 1][name_col].value is None:
            take(below, lambda col, role: role != "name")
            last = i + 1
        take(row_roles)
        if i > 0:
            take(roles[i - 1], lambda col, role: role in _ROLES_FROM_ROW_ABOVE and head[i][col].value is None)  # noqa: B023
        if "target" not in columns and "initial_target" in columns:
            columns["target"] = columns.pop("initial_target")  # only the 年初 value is printed: it is the target
        unsure_unit = columns.pop("unit?", None)
        if unsure_unit is not None and "comparator" in columns and "unit" not in columns:
            columns["unit"] = unsure_unit
        if "target" in columns:
            return _Header(row=i + 1, last_row=last + 1, columns=columns)
    return None


def _read_rows(body, header: _Header, max_rows: int, blanks: list):
    cols, split = header.columns, header.layout == "split"
    project: str | None = None
    level1, level2, level1_points = "", "", None
    data_rows = 0
    for number, cells in enumerate(body, start=header.last_row + 1):
        if _is_blank(cells):
            continue
        data_rows += 1
        if data_rows > max_rows:
            raise TargetTableError(f"指标行超过 {max_rows} 行的上限，请拆分后分批导入", row=number)

        def text(role: str) -> str | None:  # used within this row only
            return _cell_text(cells[cols[role]]) if role in cols else None  # noqa: B023

        # Blank 项目/一级/二级 cells (merged cells read as blank) carry down;
        # a new value at one level resets the levels below it.
        if (p := text("project")) and p != project:
            project, level1, level2, level1_points = p, "", "", None
        printed = False
        if raw1 := text("level1"):
            label, pts = _split_level1_points(raw1)
            printed = bool(label)
            if label != level1:
                level1, level2, level1_points = label, "", pts
            elif pts is not None:
                level1_points = pts  # "产出指标" repeated without its points keeps them
        level2 = text("level2") or level2
        name = text("name") or ""
        if _header_role(name) == "name":
            continue  # the header repeated on a later printed page
        if split:
            comparator, value, unit = text("comparator"), text("target") or "", text("unit")
            target = _join_split_target(comparator or "", value, unit or "")
            has_target = bool(comparator or value or unit)
        else:
            comparator = value = unit = None
            target = text("target") or ""
            has_target = bool(target)
        if not name and not has_target:
            continue  # a section or subtotal row, e.g. "产出指标（50分）" or "合计 100"
        if not name:
            raise TargetTableError("有指标值但没有指标名称", row=number, column="三级指标")
        for role, column in cols.items():
            if column < len(cells) and cells[column].value is None:
                blanks.append((number, column, role))  # a formula saved without its value reads as blank
        row_level1, row_level2, notes = row_levels(level1, level2, printed=printed)
        if level1 and row_level1 != level1:  # a new family starts here: the rows below carry it
            level1, level1_points = row_level1, None
        points = _cell_points(cells[cols["points"]], number) if "points" in cols else None
        yield TargetRow(
            number,
            row_level1,
            row_level2,
            name,
            target,
            comparator,
            value,
            unit,
            points,
            level1_points,
            project,
            text("direction") or None,
            initial if (initial := text("initial_target")) and initial != target else None,
            notes,
        )


def _join_split_target(comparator: str, value: str, unit: str) -> str:
    operator = _COMPARATOR_WORDS.get(comparator, comparator)
    if unit and value.endswith(unit):
        unit = ""  # a percent-formatted value already reads "95%"
    return f"{operator}{value}{unit}"


_LEVEL1_RANGE = re.compile(
    r"^(?P<label>.*?\D)\s*[（(]\s*\d+(?:\.\d+)?\s*[-—–~～至]\s*\d+(?:\.\d+)?\s*(?:分)?\s*[)）]\s*分?$"
)


_POINTS_ONLY = re.compile(r"^[（(]\s*(?P<points>\d+(?:\.\d+)?)\s*分\s*[)）]$")


def _split_level1_points(label: str) -> tuple[str, Decimal | None]:
    """Split "产出指标（50分）" into ("产出指标", Decimal("50")); other labels have no points. A range,
    "成本指标(0-20)分", is the band the form allows, not the level's points: the label alone."""
    ranged = _LEVEL1_RANGE.match(label)
    if ranged:
        return ranged["label"].strip(), None
    if only := _POINTS_ONLY.match(label):  # "(50分)": the points, the label left out
        return "", Decimal(only["points"])
    m = _LEVEL1_POINTS.match(label)
    if not m:
        return label, None
    return (m["label"] or m["label2"]).strip(), Decimal(m["points"] or m["points2"])


def _cell_points(cell, row: int) -> Decimal | None:
    value = cell.value
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        points = _decimal(value)
        if is_percent_format(cell.number_format):
            points *= 100  # a 权重(%) cell showing "10%" means 10
    else:
        raw = _clean_text(str(value))
        if raw in _POINTS_PLACEHOLDERS:
            return None
        try:
            points = Decimal(raw.removesuffix("分").removesuffix("%").strip())
        except InvalidOperation:
            raise TargetTableError(f"分值“{raw}”不是数字", row=row, column="分值") from None
    if not points.is_finite() or points < 0:
        raise TargetTableError(f"分值“{value}”无效", row=row, column="分值")
    return _plain(points)


def _normalise_header(value: str) -> str:
    text = re.sub(r"\s+", "", value)
    text = re.sub(r"[（(][^（）()]*[）)]", "", text)  # 年度指标值（含单位）, 权重(%)
    text = re.sub(r"[（(][^（）()]*$", "", text)  # a parenthesis the export cut off: 年初目标值(A
    return text.strip("*：:")


def _header_role(value) -> str | None:
    return _HEADER_ROLES.get(_normalise_header(value)) if isinstance(value, str) else None


def _is_blank(cells) -> bool:
    return all(c.value is None or (isinstance(c.value, str) and not c.value.strip()) for c in cells)
