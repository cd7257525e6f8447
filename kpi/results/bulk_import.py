"""Bulk import of quarterly results from a spreadsheet or CSV (`flask kpi import-results`).

The file lists one figure per row: 单位 | 年度 | 期间 | 三级指标 | 完成值 | 说明 (optional),
with an optional 项目 column to pick a project's own indicator. An .xlsx file has
that table on sheet "指标完成情况" and may add "预算执行情况" (单位 | 年度 | 期间 |
项目 | 执行数（万元）). A row *sets* that quarter's figure, so importing a file twice
is the same as importing it once.

Everything is validated through ``service.validate_input`` (docs/engineering.md §8: one
validation path) and the file is imported whole or not at all: every faulty row
is reported as "第 N 行（列）：原因" and nothing is written.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field

from sqlmodel import Session

from kpi.budget import service as budget
from kpi.domain.aggregation import Aggregation
from kpi.domain.entries import Entry
from kpi.results.bulk_source import (  # noqa: F401  (read_source is part of this module's API)
    COLUMN_LABELS,
    REQUIRED_COLUMNS,
    RESULTS_SHEET,
    SPENDING_SHEET,
    BulkImportRejected,
    Source,
    SourceRow,
    location,
    read_source,
)
from kpi.results.service import Change, InputRejected, QuarterInput, pending_changes, save, validate_input
from kpi.results.sheet import STATUS_LABELS, QuarterSheet, load_sheet
from kpi.results.workbook import applies
from kpi.results.workbook_upload import WrongCellType, plain

_PERIOD = re.compile(r"(?:[0-9]{4}年?)?(?:Q([1-4])|第?([一二三四1-4])(?:季度?)?)", re.IGNORECASE)
_YEAR = re.compile(r"([0-9]{4})年?(?:度)?")
UNIT_WIDE = "单位整体"


@dataclass
class QuarterImport:
    sheet: QuarterSheet
    entries: dict[int, dict[str, str]] = field(default_factory=dict)
    spending: dict[int, str] = field(default_factory=dict)
    rows: dict[tuple[str, int], SourceRow] = field(default_factory=dict)  # ("indicator"|"line", id) → row
    changes: list[Change] = field(default_factory=list)
    data: QuarterInput | None = None  # validated

    @property
    def title(self) -> str:
        return f"{self.sheet.unit.name} {self.sheet.label}"


def plan_import(session: Session, source: Source) -> list[QuarterImport]:
    """Resolve, validate and diff every row; BulkImportRejected lists all faults (nothing written)."""
    problems: list[tuple[SourceRow, str, str]] = []
    quarters: dict[tuple[int, int, int], QuarterImport] = {}
    lookups = _Lookups(session)
    for row in source.rows:
        wrong = [(key, str(value)) for key, value in row.values.items() if isinstance(value, WrongCellType)]
        if wrong:
            problems += [(row, COLUMN_LABELS[key], message) for key, message in wrong]
            continue
        text = {key: value.strip() for key, value in row.values.items()}
        blank = [key for key in REQUIRED_COLUMNS[row.sheet] if not text.get(key)]
        if blank:
            problems += [(row, COLUMN_LABELS[key], "不能为空") for key in blank]
            continue
        try:
            target = lookups.quarter(text["unit"], text["year"], text["period"], quarters)
            if not target.sheet.editable:
                raise _RowError("period", f"{target.title}{STATUS_LABELS[target.sheet.status]}，已锁定，不能导入")
            if row.sheet == RESULTS_SHEET:
                _add_result(target, row, text, lookups)
            else:
                _add_spending(target, row, text)
        except _RowError as error:
            problems.append((row, COLUMN_LABELS[error.key], error.message))
    for target in quarters.values():
        if not target.sheet.editable:
            continue
        try:
            data = validate_input(target.sheet, target.entries, target.spending)
        except InputRejected as rejected:
            for (kind, record_id, name), message in rejected.errors.items():
                row = target.rows[("line" if kind == "line" else "indicator", record_id)]
                column = "执行数" if kind == "line" else ("说明" if name == "note" else "完成值")
                problems.append((row, column, message))
            continue
        target.changes = pending_changes(target.sheet, data)
        target.data = data
    if problems:
        order = {RESULTS_SHEET: 0, SPENDING_SHEET: 1}
        problems.sort(key=lambda p: (order[p[0].sheet], p[0].row))
        raise BulkImportRejected(
            [location(row.sheet, row.row, source.from_csv, column) + message for row, column, message in problems]
        )
    return list(quarters.values())


def apply_import(session: Session, plan: list[QuarterImport], *, actor, reason: str) -> None:
    """Write the planned changes (the caller commits, or rolls back on any exception)."""
    for target in plan:
        if target.changes:
            save(session, target.sheet, target.data, user=actor, expected_version=None, reason=reason)


class _RowError(Exception):
    def __init__(self, key: str, message: str):
        super().__init__(message)
        self.key, self.message = key, message


class _Lookups:
    """Units, years and quarter sheets by name, each loaded once."""

    def __init__(self, session: Session):
        self.session = session
        self.units: dict[str, object] = {}
        self.years: dict[int, object] = {}
        self.names: dict[tuple[int, int], dict] = {}

    def quarter(self, unit_name: str, year_text: str, period: str, quarters: dict) -> QuarterImport:
        if unit_name not in self.units:
            self.units[unit_name] = budget.find_unit(self.session, unit_name)
        unit = self.units[unit_name]
        if unit is None:
            raise _RowError("unit", f"单位不存在：{unit_name}")
        match = _YEAR.fullmatch(unicodedata.normalize("NFKC", year_text).replace(" ", ""))
        if not match:
            raise _RowError("year", f"年度“{year_text}”无效，应为四位数字，如 2023")
        year = int(match[1])
        if year not in self.years:
            self.years[year] = budget.find_year(self.session, year)
        fiscal_year = self.years[year]
        if fiscal_year is None:
            raise _RowError("year", f"年度不存在：{year}")
        quarter = parse_period(period)
        if quarter is None:
            raise _RowError("period", f"期间“{period}”无法识别，应为 Q1–Q4、一季度…四季度 或 第一季度…第四季度")
        key = (unit.id, fiscal_year.id, quarter)
        if key not in quarters:
            quarters[key] = QuarterImport(load_sheet(self.session, unit, fiscal_year, quarter))
        return quarters[key]

    def indicator(self, sheet: QuarterSheet, name: str, project: str):
        """The indicator named ``name``: the unit-wide one first, else a project's own (see module doc)."""
        index = self.names.get((sheet.unit.id, sheet.year.id))
        if index is None:
            index = self.names[(sheet.unit.id, sheet.year.id)] = defaultdict(list)
            for indicator in sheet.indicators:
                table = (
                    UNIT_WIDE if indicator.scope == "unit" else sheet.project_names.get(indicator.budget_line_id, "")
                )
                index[_key(indicator.name)].append((_key(table), indicator))
        candidates = index.get(_key(name), [])
        if project:
            candidates = [c for c in candidates if c[0] == _key(project)]
        else:
            candidates = [c for c in candidates if c[0] == _key(UNIT_WIDE)] or candidates
        if not candidates:
            where = f"（{project}）" if project else ""
            raise _RowError(
                "name", f"找不到指标“{name}”{where}：{sheet.unit.name} {sheet.year.year} 年没有这项三级指标"
            )
        if len(candidates) > 1:
            tables = "、".join(sorted({sheet.project_names.get(c[1].budget_line_id, UNIT_WIDE) for c in candidates}))
            raise _RowError("name", f"指标“{name}”在多张指标表中出现（{tables}），请在“项目”列注明所属项目")
        return candidates[0][1]


def _key(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or ""))


def parse_period(text: str) -> int | None:
    """1–4 from Q1, 1季度, 一季度, 第一季度, 2023Q1, 1 … ; None when unreadable."""
    match = _PERIOD.fullmatch(re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or "")))
    if not match:
        return None
    digit = match[1] or match[2]
    return int(digit) if digit.isascii() and digit.isdigit() else "一二三四".index(digit) + 1


def _add_result(target: QuarterImport, row: SourceRow, text: dict[str, str], lookups: _Lookups) -> None:
    indicator = lookups.indicator(target.sheet, text["name"], text.get("project", ""))
    _claim(target, ("indicator", indicator.id), row, "name", "指标")
    # Start from what is stored, so fields the file does not carry (说明, 完成情况) are kept.
    raw = _raw(target.sheet.current(indicator.id), indicator.aggregation)
    value, aggregation = text["value"], Aggregation(indicator.aggregation)
    if aggregation is Aggregation.RATE:
        parts = unicodedata.normalize("NFKC", value).split("/")
        if len(parts) == 2:  # 成功数/受理数
            raw.update(value="", numerator=parts[0], denominator=parts[1])
        else:
            raw.update(value=value, numerator="", denominator="")
    elif aggregation is Aggregation.QUALITATIVE:
        raw["band"] = value
    elif aggregation is Aggregation.DEADLINE:
        raw["achieved_on"] = value
    else:
        raw["value"] = value  # a budget indicator refuses it in validate_input, with the reason
    if text.get("note"):
        raw["note"] = text["note"]
    target.entries[indicator.id] = raw


def _add_spending(target: QuarterImport, row: SourceRow, text: dict[str, str]) -> None:
    wanted = _key(text["project"])
    line = next(
        (
            line
            for line in target.sheet.lines
            if _key(line.name) == wanted or (line.kind == "basic" and wanted == "基本支出")
        ),
        None,
    )
    if line is None:
        sheet = target.sheet
        raise _RowError("project", f"预算项目不存在：{text['project']}（{sheet.unit.name} {sheet.year.year} 年）")
    _claim(target, ("line", line.id), row, "project", "预算项目")
    target.spending[line.id] = text["amount"]


def _claim(target: QuarterImport, key: tuple[str, int], row: SourceRow, column: str, what: str) -> None:
    earlier = target.rows.get(key)
    if earlier is not None:
        raise _RowError(column, f"与第 {earlier.row} 行是同一{what}同一期间，重复")
    target.rows[key] = row


def _raw(entry: Entry, aggregation: str) -> dict[str, str]:
    """A stored entry as the text fields validate_input reads back to the same entry."""
    raw = {}
    for name in Entry._fields:
        value = getattr(entry, name)
        if value is None or not applies(aggregation, name):
            raw[name] = ""
        elif name == "band":
            raw[name] = value.value
        elif name == "achieved_on":
            raw[name] = value.isoformat()
        elif name in ("value", "numerator", "denominator"):
            raw[name] = plain(value)
        else:
            raw[name] = value
    return raw
