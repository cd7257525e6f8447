"""Helpers for the Excel results tests: the seeded quarter, stored figures, workbook edits."""

from __future__ import annotations

import io
from types import SimpleNamespace

from openpyxl import load_workbook
from sqlmodel import Session, func, select

from kpi.budget.models import Unit
from kpi.budget.service import get_year
from kpi.results.models import IndicatorResult, QuarterReport
from kpi.results.service import save, transition, validate_input
from kpi.results.sheet import QuarterSheet, load_sheet
from kpi.results.workbook import ENTRY_SHEET, INPUT_HEADERS, SPENDING_SHEET, input_column

UNIT_ID, YEAR = 2, 2023
UNIT_NAME = "深圳市消费者委员会秘书处"
TESTER = SimpleNamespace(id=None, username="tester")

# Unit-wide indicators of the seed, one per aggregation rule.
COUNT = "投诉分级公示辅助服务"  # cumulative (投诉调解辅助服务 is entered on its project's row: 同一指标)
RATE = "投诉处理总成功率"  # rate
QUALITATIVE = "干部职工满意度"
DEADLINE = "项目完成时间"  # also the name of four project indicators
BUDGET = "项目支出金额"
LEVEL = "单位伙食保障人数"


def quarter_sheet(session: Session, quarter: int = 1) -> QuarterSheet:
    session.expire_all()
    return load_sheet(session, session.get(Unit, UNIT_ID), get_year(session, YEAR), quarter)


def unit_indicator(sheet: QuarterSheet, name: str):
    return next(i for i in sheet.indicators if i.name == name and i.scope == "unit")


def line_named(sheet: QuarterSheet, name: str):
    return next(line for line in sheet.lines if line.name == name)


def store(session: Session, quarter: int, entries: dict[str, dict[str, str]], spending: dict[str, str] | None = None):
    """Save figures by indicator name (unit-wide) and budget line name, as another user would."""
    sheet = quarter_sheet(session, quarter)
    raw = {unit_indicator(sheet, name).id: fields for name, fields in entries.items()}
    amounts = {line_named(sheet, name).id: amount for name, amount in (spending or {}).items()}
    save(session, sheet, validate_input(sheet, raw, amounts), user=TESTER, expected_version=None)
    session.commit()


def move(session: Session, quarter: int, action: str) -> None:
    transition(
        session,
        quarter_sheet(session, quarter),
        action,
        user=SimpleNamespace(id=None, username="tester"),
        expected_version=None,
    )
    session.commit()


def stored_results(session: Session) -> int:
    return session.exec(select(func.count()).select_from(IndicatorResult)).one()


def stored_reports(session: Session) -> int:
    return session.exec(select(func.count()).select_from(QuarterReport)).one()


def row_of(ws, record_id: int) -> int:
    """The sheet row whose hidden id (column A) is ``record_id``."""
    for row in range(1, ws.max_row + 1):
        if ws.cell(row=row, column=1).value == record_id:
            return row
    raise AssertionError(f"no row with id {record_id}")


def edit_workbook(
    data: bytes, entries: dict[int, dict[str, object]] | None = None, spending: dict[int, object] | None = None
) -> bytes:
    """Fill input cells as a person would in Excel: {indicator id: {field: value}}, {line id: amount}."""
    wb = load_workbook(io.BytesIO(data))
    ws = wb[ENTRY_SHEET]
    for indicator_id, values in (entries or {}).items():
        row = row_of(ws, indicator_id)
        for field, value in values.items():
            assert field in INPUT_HEADERS
            cell = ws.cell(row=row, column=input_column(field))
            cell.value = value
            if isinstance(value, str):
                cell.data_type = "s"  # as Excel keeps what is typed into a text-formatted ("@") cell
    lines = wb[SPENDING_SHEET]
    for line_id, amount in (spending or {}).items():
        lines.cell(row=row_of(lines, line_id), column=5).value = amount
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
