"""The finance bureau's pages (财政局): every unit's year at a glance, and the workbooks to download."""
from __future__ import annotations

import io

from flask import Blueprint, abort, current_app, render_template, request, send_file

from kpi.accounts.access import access
from kpi.budget import service as budget
from kpi.db import get_session
from kpi.finance import service
from kpi.progress.service import NotFound, find_progress
from kpi.results.sheet import QUARTER_LABELS

bp = Blueprint("finance", __name__)

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The self-evaluation workbook's address (kpi/evaluation); built as text so this page does not
# depend on that blueprint being registered.
SELF_EVALUATION_WORKBOOK = "/units/{unit_id}/{year}/self-evaluation/workbook"


@bp.get("/finance")
@access("finance")
def home():
    """Every unit's reports, money, score and grade for ?year= (default the newest), filtered by
    ?q= (unit name contains), ?status= and ?grade=; one-click downloads of every workbook."""
    filters = service.Filters.from_args(request.args)
    try:
        overview = service.overview(get_session(), request.args.get("year", type=int), filters)
    except service.YearNotFound:
        abort(404)
    return render_template(
        "finance/home.html", overview=overview, filters=filters, quarter_labels=QUARTER_LABELS,
        status_filters=list(service.STATUS_FILTERS), grades=[*service.GRADES, service.NO_GRADE],
        self_evaluation_workbook=SELF_EVALUATION_WORKBOOK,
    )


@bp.get("/finance/<int:year>/consolidated.xlsx")
@access("finance")
def consolidated(year: int):
    """Download the year's 预算绩效汇总表: the summary of every unit, then one sheet per unit."""
    session = get_session()
    fiscal_year = budget.find_year(session, year)
    if fiscal_year is None:
        abort(404)
    exported = service.export_consolidated(session, fiscal_year, current_app.config["KPI_EXPORT_DIR"])
    return _download(exported)


@bp.get("/units/<int:unit_id>/<int:year>/progress.xlsx")
@access("unit:view")
def progress_workbook(unit_id: int, year: int):
    """Download the unit's 绩效指标完成进度表 (as of its latest reported quarter)."""
    try:
        progress = find_progress(get_session(), unit_id, year)
    except NotFound:
        abort(404)
    return _download(service.export_progress(progress, current_app.config["KPI_EXPORT_DIR"]))


def _download(exported):
    return send_file(io.BytesIO(exported.data), mimetype=XLSX_MIMETYPE, as_attachment=True,
                     download_name=exported.filename)
