"""The mid-year monitoring report (绩效运行监控) of one unit and year: fill, review, download."""

from __future__ import annotations

import io

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from kpi.accounts.access import access
from kpi.db import get_session
from kpi.forms import ReportForm
from kpi.monitoring import service, views
from kpi.monitoring.validation import parse_input
from kpi.review import apply_review
from kpi.workflow import locked_message

bp = Blueprint("monitoring", __name__)

REPORT_URL = "/units/<int:unit_id>/<int:year>/monitoring"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TEMPLATE = "monitoring/report.html"


@bp.get(REPORT_URL)
@access("unit:view")
def report(unit_id: int, year: int):
    """The report (read-only unless the user may enter and the report is open)."""
    sheet = _sheet_or_404(unit_id, year)
    form = ReportForm(version=sheet.version)
    return render_template(TEMPLATE, **views.report_page(sheet, form, current_user))


@bp.post(REPORT_URL)
@access("unit:enter")
def save(unit_id: int, year: int):
    """Save a draft or submit. Errors come back beside their fields with every typed value kept."""
    session = get_session()
    sheet = _sheet_or_404(unit_id, year)
    if not sheet.editable:
        flash(locked_message(sheet.status, "本报告"), "error")
        return redirect(url_for("monitoring.report", unit_id=unit_id, year=year))
    form = ReportForm()
    typed = _raw_inputs(sheet)
    if not form.validate():
        return render_template(TEMPLATE, **views.report_page(sheet, form, current_user, typed=typed)), 400
    submitting = form.action.data == "submit"
    expected = form.version.data if form.version.data is not None else 0
    try:
        data = service.validate_input(sheet, *typed, submitting=submitting)
        service.save(
            session, sheet, data, user=current_user, expected_version=expected, reason=form.reason.data or None
        )
        fresh = service.reload(session, sheet)
        if submitting:
            service.transition(session, fresh, "submit", user=current_user, expected_version=None)
        session.commit()
    except service.InputRejected as rejected:
        session.rollback()
        flash(rejected.message, "error")
        page = views.report_page(sheet, form, current_user, typed=typed, errors=rejected.errors)
        return render_template(TEMPLATE, **page), 400
    except service.Conflict as conflict:
        session.rollback()
        fresh = service.reload(session, sheet)
        try:
            changes = service.pending_changes(fresh, parse_input(fresh, *typed))
        except service.InputRejected:
            changes = []
        form.version.data = fresh.version
        page = views.report_page(fresh, form, current_user, typed=typed, conflict=conflict, changes=changes)
        return render_template(TEMPLATE, **page), 409
    except service.ReportError as error:
        session.rollback()
        flash(error.message, "error")
        return redirect(url_for("monitoring.report", unit_id=unit_id, year=year))
    flash("已送审，等待审核人审核。" if submitting else "已保存草稿。", "success")
    return redirect(url_for("monitoring.report", unit_id=unit_id, year=year))


@bp.post(REPORT_URL + "/review/<any(approve, return, reopen):action>")
@access("unit:review")
def review(unit_id: int, year: int, action: str):
    """Approve, return (with a reason) or reopen (with a reason) the report."""
    apply_review(get_session(), service.transition, _sheet_or_404(unit_id, year), action)
    return redirect(url_for("monitoring.report", unit_id=unit_id, year=year))


@bp.get(REPORT_URL + "/workbook")
@access("unit:view")
def workbook(unit_id: int, year: int):
    """Download the 绩效运行监控表 (a copy is kept under KPI_EXPORT_DIR)."""
    sheet = _sheet_or_404(unit_id, year)
    exported = service.export_sheet(sheet, current_app.config["KPI_EXPORT_DIR"])
    return send_file(
        io.BytesIO(exported.data), mimetype=XLSX_MIMETYPE, as_attachment=True, download_name=exported.filename
    )


def _sheet_or_404(unit_id: int, year: int):
    loaded = views.sheet(get_session(), unit_id, year)
    if loaded is None or not (loaded.indicators or loaded.budget_lines):
        abort(404)
    return loaded


def _raw_inputs(sheet):
    """The posted inputs: by indicator (`i<id>-<field>`), by budget line (`b<id>-<field>`), the summary."""
    form = request.form
    raw_items = {}
    for indicator in sheet.indicators:
        values = {
            name: form[f"i{indicator.id}-{name}"] for name in views.ITEM_FIELDS if f"i{indicator.id}-{name}" in form
        }
        if values:
            raw_items[indicator.id] = values
    raw_lines = {}
    for line in sheet.budget_lines:
        values = {name: form[f"b{line.id}-{name}"] for name in views.LINE_FIELDS if f"b{line.id}-{name}" in form}
        if values:
            raw_lines[line.id] = values
    return raw_items, raw_lines, form.get("summary")
