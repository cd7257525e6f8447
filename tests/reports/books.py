"""Every workbook the system writes, for the seed unit with two quarters entered: what the print
and number tests read (tests/reports/test_printed_pages.py, tests/reports/test_whole_counts.py).

The figures make the trends fractional on purpose: 5,000 + 4,500 宗 by June projects to 16,285.71宗
by a straight line, 1 server bought is a one-off, and a rate of 450/900.
"""

from __future__ import annotations

import shutil

from sqlmodel import Session

from kpi import db
from kpi.budget import service as budget
from kpi.evaluation.sheet import evaluate
from kpi.evaluation.workbook import build_self_evaluation_workbook
from kpi.finance import service as finance
from kpi.monitoring.sheet import load_monitoring
from kpi.monitoring.workbook import build_monitoring_workbook
from kpi.progress.workbook import build_progress_workbook
from kpi.results.sheet import load_sheet
from kpi.results.workbook import build_fill_in_workbook
from tests.conftest import _make_app
from tests.progress.gen import UNIT, YEAR, gen_progress, gen_quarter

FIGURES = {
    1: {
        "投诉调解辅助服务": {"value": "5000"},
        "购买网络存储服务器数量": {"value": "1"},
        "开展法律监督次数": {"value": "2"},
        "投诉处理总成功率": {"numerator": "450", "denominator": "900"},
    },
    2: {
        "投诉调解辅助服务": {"value": "4500"},
        "开展法律监督次数": {"value": "1"},
        "投诉处理总成功率": {"numerator": "500", "denominator": "700"},
    },
}


def build_workbooks(seeded_template, folder) -> dict[str, bytes]:
    """name → .xlsx bytes, built on a private copy of the seeded database."""
    path = folder / "kpi.sqlite3"
    shutil.copy(seeded_template, path)
    app = _make_app(f"sqlite:///{path}")
    try:
        gen_quarter(app, 1, FIGURES[1], spending={"基本支出": "300", "信息化类": "40.5"})
        gen_quarter(app, 2, FIGURES[2], spending={"基本支出": "320"})
        with app.app_context(), Session(db.engine(), expire_on_commit=False) as session:
            unit, year = budget.get_unit(session, UNIT), budget.get_year(session, YEAR)
            books = {
                "monitoring": build_monitoring_workbook(load_monitoring(session, unit, year)),
                "self_evaluation": build_self_evaluation_workbook(evaluate(session, unit, year)),
                "fill_in": build_fill_in_workbook(load_sheet(session, unit, year, 3)),
                "consolidated": finance.export_consolidated(session, year, folder / "exports").data,
            }
        books["progress"] = build_progress_workbook(gen_progress(app))
        return books
    finally:
        app.extensions["kpi_engine"].dispose()
