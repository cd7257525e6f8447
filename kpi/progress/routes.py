"""Progress pages: the indicator-by-indicator tracking table and the dashboard (双监控)."""

from __future__ import annotations

import io

from flask import Blueprint, abort, current_app, render_template, request, send_file

from kpi.accounts.access import access
from kpi.core.labels import QUARTER_LABELS
from kpi.db import get_session
from kpi.domain.progress import Status
from kpi.progress import charts, views
from kpi.progress.rows import STATUS_TEXT
from kpi.progress.service import NotFound, UnitProgress, find_progress
from kpi.progress.summary import STATUS_ORDER
from kpi.progress.workbook import export_progress
from kpi.workflow import STATUS_LABELS

bp = Blueprint("progress", __name__)


def _load(unit_id: int, year: int) -> UnitProgress:
    """The progress for the URL, as of ?quarter=N (1–4) or the latest reported quarter."""
    quarter = request.args.get("quarter")
    as_of = None
    if quarter is not None:
        if quarter not in ("1", "2", "3", "4"):
            abort(404)
        as_of = int(quarter)
    try:
        return find_progress(get_session(), unit_id, year, as_of_quarter=as_of)
    except NotFound:
        abort(404)


def _context(progress: UnitProgress) -> dict:
    return {
        "progress": progress,
        "quarter_labels": QUARTER_LABELS,
        "report_labels": STATUS_LABELS,
        "status_text": STATUS_TEXT,
        "status_order": STATUS_ORDER,
        "Status": Status,
    }


@bp.get("/units/<int:unit_id>/<int:year>/progress")
@access("unit:view")
def table(unit_id: int, year: int):
    """Each indicator's quarters, year to date, 完成率, 应完成 and status; each project's 执行率."""
    progress = _load(unit_id, year)
    return render_template("progress/table.html", tables=views.progress_tables(progress), **_context(progress))


@bp.get("/units/<int:unit_id>/<int:year>/dashboard")
@access("unit:view")
def dashboard(unit_id: int, year: int):
    """Status counts, overall 执行率, three charts and the indicators lagging furthest behind."""
    progress = _load(unit_id, year)
    level1 = [
        charts.Bar(item.level1, item.completion_pct, item.expected_pct, item.status, note=f"{item.total} 项")
        for item in progress.by_level1
    ]
    budget = [
        charts.Bar(row.label, row.progress.execution_rate, row.progress.time_progress, row.progress.status)
        for row in progress.budget
    ]
    svgs = {
        "level1": charts.completion_bars(level1),
        "budget": charts.budget_bars(budget),
        "status": charts.status_donut(progress.counts),
    }
    return render_template("progress/dashboard.html", charts=svgs, **_context(progress))


XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.get("/units/<int:unit_id>/<int:year>/progress.xlsx")
@access("unit:view")
def workbook(unit_id: int, year: int):
    """Download the unit's 绩效指标完成进度表 (as of its latest reported quarter)."""
    try:
        progress = find_progress(get_session(), unit_id, year)
    except NotFound:
        abort(404)
    exported = export_progress(progress, current_app.config["KPI_EXPORT_DIR"])
    return send_file(
        io.BytesIO(exported.data), mimetype=XLSX_MIMETYPE, as_attachment=True, download_name=exported.filename
    )
