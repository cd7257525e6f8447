"""The layout of the self-evaluation workbook for the seed dataset, pinned in golden/self_evaluation_layout.json.

`layout(data)` keeps what a layout change would move: the sheet names and, for the unit sheet,
every text label of the header block (rows 1–13), the 一级/二级 labels and the 总分 row with
their positions, the merged ranges, the frozen pane and the print titles. Scores and money are
left out: tests/evaluation/test_workbook.py checks those. After a deliberate change, regenerate
the file and review its diff:

    .venv/bin/python -m tests.evaluation.golden
"""

from __future__ import annotations

import io
import json
import sys
import tempfile
from pathlib import Path

from openpyxl import load_workbook

GOLDEN = Path(__file__).parent / "golden" / "self_evaluation_layout.json"
HEADER_ROWS = 13


def layout(data: bytes) -> dict:
    wb = load_workbook(io.BytesIO(data))
    ws = wb.worksheets[0]
    cells = {}
    for row in ws.iter_rows():
        for cell in row:
            label_column = cell.column <= 2 or ws.cell(row=cell.row, column=1).value == "总分"
            if isinstance(cell.value, str) and (cell.row <= HEADER_ROWS or label_column):
                cells[cell.coordinate] = cell.value
    return {
        "sheets": wb.sheetnames,
        "unit_sheet": {
            "cells": cells,
            "merged": sorted((str(r) for r in ws.merged_cells.ranges), key=_range_order),
            "freeze_panes": ws.freeze_panes,
            "print_title_rows": ws.print_title_rows,
            "orientation": ws.page_setup.orientation,
        },
    }


def _range_order(text: str):
    from openpyxl.utils.cell import range_boundaries

    min_col, min_row, max_col, max_row = range_boundaries(text)
    return min_row, min_col, max_row, max_col


def seed_workbook(url: str | None = None) -> bytes:
    """The workbook of the seed dataset (no results entered): on the database at ``url``, or on a
    freshly built one."""
    if url is None:
        from tests.conftest import build_database

        with tempfile.TemporaryDirectory() as folder:
            build_database(f"sqlite:///{folder}/seed.sqlite3")
            return seed_workbook(f"sqlite:///{folder}/seed.sqlite3")
    from sqlmodel import Session

    from kpi.budget import service as budget
    from kpi.db import make_engine
    from kpi.evaluation.sheet import evaluate
    from kpi.evaluation.workbook import build_self_evaluation_workbook
    from tests.evaluation.gen import UNIT, YEAR

    engine = make_engine(url)
    try:
        with Session(engine) as session:
            result = evaluate(session, budget.get_unit(session, UNIT), budget.get_year(session, YEAR))
            return build_self_evaluation_workbook(result)
    finally:
        engine.dispose()


def write_golden() -> Path:
    GOLDEN.parent.mkdir(parents=True, exist_ok=True)
    GOLDEN.write_text(json.dumps(layout(seed_workbook()), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return GOLDEN


if __name__ == "__main__":
    sys.stdout.write(f"wrote {write_golden()}\n")
