"""The finance bureau's pages (财政局): every unit's year at a glance, and the workbooks to download."""

from __future__ import annotations

import io
from pathlib import Path

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from flask_wtf import FlaskForm

from kpi.accounts.access import access
from kpi.budget import service as budget
from kpi.budget.models import FiscalYear
from kpi.core.ids import id_arg, is_id
from kpi.core.labels import QUARTER_LABELS
from kpi.db import get_session
from kpi.finance import desk, jobs, service
from kpi.jobs.models import ExportJob

bp = Blueprint("finance", __name__)

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ZIP_MIMETYPE = "application/zip"
# The self-evaluation workbook's address (kpi/evaluation); built as text so this page does not
# depend on that blueprint being registered.
SELF_EVALUATION_WORKBOOK = "/units/{unit_id}/{year}/self-evaluation/workbook"


UNITS_PER_PAGE = 100  # a city has about 1,000 units: the whole list was 1.6 MB of HTML


@bp.get("/finance")
@access("finance")
def home():
    """Every unit's reports, money, score and grade for ?year= (default the newest), filtered by
    ?q= (unit name contains), ?status= and ?grade=, UNITS_PER_PAGE at a time (?page=); one-click
    downloads of every workbook. The tiles count every unit of the year."""
    filters = service.Filters.from_args(request.args)
    try:
        found = desk.desk(
            get_session(),
            request.args.get("year", type=id_arg),
            filters,
            request.args.get("page"),
            UNITS_PER_PAGE,
        )
    except service.YearNotFound:
        abort(404)
    return render_template(
        "finance/home.html",
        desk=found,
        filters=filters,
        quarter_labels=QUARTER_LABELS,
        page=found.page,
        status_filters=list(service.STATUS_FILTERS),
        grades=[*service.GRADES, service.NO_GRADE],
        self_evaluation_workbook=SELF_EVALUATION_WORKBOOK,
        form=CsrfForm(),
    )


class CsrfForm(FlaskForm):
    """A form that only carries the CSRF token (the job's start button)."""


@bp.get("/finance/<int:year>/consolidated.xlsx")
@access("finance")
def consolidated(year: int):
    """Download the year's 预算绩效汇总表 within the request: the summary of every unit, then one
    sheet per unit. Kept for small years and scripts; the page starts a background job instead
    (POST below), since a 1,000-unit year takes about a minute."""
    session = get_session()
    fiscal_year = budget.find_year(session, year)
    if fiscal_year is None:
        abort(404)
    exported = service.export_consolidated(session, fiscal_year, current_app.config["KPI_EXPORT_DIR"])
    return _download(exported)


@bp.post("/finance/<int:year>/consolidated")
@access("finance")
def start_consolidated(year: int):
    """Queue the year's 汇总表 for the background worker; show its progress page."""
    if not CsrfForm().validate():
        abort(400)
    session = get_session()
    fiscal_year = budget.find_year(session, year)
    if fiscal_year is None:
        abort(404)
    job = jobs.start_consolidated(session, fiscal_year, current_user.id)
    return redirect(url_for("finance.job", job_id=job.id))


MAX_CHOSEN_UNITS = 5000  # more ticked boxes than a city has units: a forged form


@bp.post("/finance/<int:year>/forms")
@access("finance")
def start_forms(year: int):
    """Queue a zip of 自评表 forms: the ticked units (form field ``unit``), or, when none is
    ticked, every unit the desk's filters (q, status, grade) show."""
    if not CsrfForm().validate():
        abort(400)
    session = get_session()
    fiscal_year = budget.find_year(session, year)
    if fiscal_year is None:
        abort(404)
    filters = service.Filters.from_args(request.form)
    back = url_for("finance.home", year=year)
    ticked = request.form.getlist("unit")
    if len(ticked) > MAX_CHOSEN_UNITS or not all(is_id(value) for value in ticked):
        flash("所选单位无效，请刷新页面后重新勾选。", "error")
        return redirect(back)
    if ticked:
        unit_ids = list(dict.fromkeys(int(value) for value in ticked))
        if not set(unit_ids) <= set(desk.filtered_unit_ids(session, fiscal_year, service.Filters())):
            flash("所选单位不属于该年度，请刷新页面后重新勾选。", "error")
            return redirect(back)
    else:
        unit_ids = desk.filtered_unit_ids(session, fiscal_year, filters)
    if not unit_ids:
        flash("没有可导出的单位。", "error")
        return redirect(back)
    everyone = not ticked and not filters.active
    job = jobs.start_forms(session, fiscal_year, current_user.id, None if everyone else unit_ids)
    return redirect(url_for("finance.job", job_id=job.id))


def _own_job(job_id: int) -> ExportJob:
    """The job if the signed-in user asked for it (or is an admin); 404 otherwise."""
    job = get_session().get(ExportJob, job_id)
    if job is None or (job.requested_by_id != current_user.id and current_user.role != "admin"):
        abort(404)
    return job


@bp.get("/finance/jobs/<int:job_id>")
@access("finance")
def job(job_id: int):
    """A job's progress (refreshing itself every 2 s while it runs), its error, or its download link."""
    export_job = _own_job(job_id)
    fiscal_year = get_session().get(FiscalYear, export_job.year_id)
    return render_template(
        "finance/job.html", job=export_job, year=fiscal_year.year, label=jobs.KIND_LABELS.get(export_job.kind, "")
    )


@bp.get("/finance/jobs/<int:job_id>/download")
@access("finance")
def job_download(job_id: int):
    """The finished job's file (404 until it is done)."""
    export_job = _own_job(job_id)
    path = Path(export_job.file_path) if export_job.status == "done" and export_job.file_path else None
    if path is None or not path.is_file():
        abort(404)
    mimetype = ZIP_MIMETYPE if path.suffix == ".zip" else XLSX_MIMETYPE
    return send_file(path, mimetype=mimetype, as_attachment=True, download_name=export_job.download_name or path.name)


def _download(exported):
    return send_file(
        io.BytesIO(exported.data), mimetype=XLSX_MIMETYPE, as_attachment=True, download_name=exported.filename
    )
