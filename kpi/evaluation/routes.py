"""The self-evaluation (绩效自评) of one unit and year: fill, score, review, download; the year's scoring settings."""

from __future__ import annotations

import io

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from flask_wtf import FlaskForm

from kpi.accounts.access import access
from kpi.budget import service as budget
from kpi.db import get_session
from kpi.evaluation import service, views
from kpi.evaluation import settings as scoring
from kpi.evaluation.sheet import scoring_settings
from kpi.forms import ReportForm
from kpi.review import apply_review
from kpi.workflow import locked_message

bp = Blueprint("evaluation", __name__)

REPORT_URL = "/units/<int:unit_id>/<int:year>/self-evaluation"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TEMPLATE = "evaluation/report.html"


class CsrfForm(FlaskForm):
    """Carries the CSRF token; the settings fields are read by name and validated by the service."""


@bp.get(REPORT_URL)
@access("unit:view")
def report(unit_id: int, year: int):
    """Every table scored, with its working; inputs for those who may change something now."""
    result = _result_or_404(unit_id, year)
    form = ReportForm(version=result.version)
    return render_template(TEMPLATE, **views.report_page(result, form, current_user))


@bp.post(REPORT_URL)
@access("unit:enter")
def save(unit_id: int, year: int):
    """Save a draft or submit. Errors come back beside their fields with every typed value kept."""
    session = get_session()
    result = _result_or_404(unit_id, year)
    if not result.editable:
        flash(locked_message(result.status, service.WHAT), "error")
        return _back(unit_id, year)
    form = ReportForm()
    typed = request.form.to_dict()
    if not form.validate():
        return render_template(TEMPLATE, **views.report_page(result, form, current_user, typed=typed)), 400
    submitting = form.action.data == "submit"
    try:
        data = service.validate_input(result, typed, submitting=submitting)
        service.save(
            session, result, data, user=current_user, expected_version=_version(form), reason=form.reason.data or None
        )
        if submitting:
            service.transition(
                session, service.reload(session, result), "submit", user=current_user, expected_version=None
            )
        session.commit()
    except service.ReportError as error:
        return _refused(session, result, form, typed, error)
    flash("已送审，等待审核人审核。" if submitting else "已保存草稿。", "success")
    return _back(unit_id, year)


@bp.post(REPORT_URL + "/ratios")
@access("unit:review")
def ratios(unit_id: int, year: int):
    """The reviewer picks each qualitative score inside its band while the report is submitted."""
    session = get_session()
    result = _result_or_404(unit_id, year)
    form = ReportForm()
    typed = request.form.to_dict()
    if not form.validate():
        abort(400)
    try:
        data = service.parse_input(result, typed, ratios_only=True)
        service.save_ratios(
            session, result, data, user=current_user, expected_version=_version(form), reason=form.reason.data or None
        )
        session.commit()
    except service.ReportError as error:
        return _refused(session, result, form, typed, error)
    flash("已保存定性指标得分。", "success")
    return _back(unit_id, year)


@bp.post(REPORT_URL + "/review/<any(approve, return, reopen):action>")
@access("unit:review")
def review(unit_id: int, year: int, action: str):
    """Approve, return (with a reason) or reopen (with a reason) the self-evaluation."""
    apply_review(get_session(), service.transition, _result_or_404(unit_id, year), action)
    return _back(unit_id, year)


@bp.get(REPORT_URL + "/workbook")
@access("unit:view")
def workbook(unit_id: int, year: int):
    """Download the 绩效自评表 workbook (a copy is kept under KPI_EXPORT_DIR)."""
    result = _result_or_404(unit_id, year)
    exported = service.export_result(result, current_app.config["KPI_EXPORT_DIR"])
    return send_file(
        io.BytesIO(exported.data), mimetype=XLSX_MIMETYPE, as_attachment=True, download_name=exported.filename
    )


@bp.route("/admin/years/<int:year>/scoring", methods=["GET", "POST"])
@access("admin")
def settings(year: int):
    """The year's scoring settings (docs/rules/scoring.md §12 defaults): weights, grade cut-offs, rule variants."""
    session = get_session()
    fiscal_year = budget.find_year(session, year)
    if fiscal_year is None:
        abort(404)
    current, warning = scoring_settings(fiscal_year)
    form = CsrfForm()
    if request.method != "POST":  # GET, and HEAD as GET
        return render_template(
            "evaluation/settings.html", form=form, **views.settings_page(year, current, warning=warning)
        )
    if not form.validate():
        abort(400)
    action = request.form.get("action")
    reset = action == "reset"
    try:
        if action == "scheme":  # a named scheme (kpi.domain.scoring_presets), as it is
            chosen = scoring.scheme_settings(request.form.get("scheme") or "")
        else:
            chosen = None if reset else scoring.parse_form(request.form)
        scoring.save_settings(session, fiscal_year, chosen, user=current_user)
        session.commit()
    except scoring.SettingsRejected as rejected:
        session.rollback()
        flash(f"有 {len(rejected.errors)} 处填写有误，请按提示修改；计分设置未保存。", "error")
        page = views.settings_page(year, current, request.form.to_dict(), rejected.errors)
        return render_template("evaluation/settings.html", form=form, **page), 400
    flash("已恢复默认计分设置。" if reset else "已保存计分设置，各单位自评得分按新设置重新计算。", "success")
    return redirect(url_for("evaluation.settings", year=year))


def _result_or_404(unit_id: int, year: int):
    result = service.find(get_session(), unit_id, year)
    if result is None:
        abort(404)
    return result


def _version(form) -> int:
    return form.version.data if form.version.data is not None else 0


def _back(unit_id: int, year: int):
    return redirect(url_for("evaluation.report", unit_id=unit_id, year=year))


def _refused(session, result, form, typed: dict, error: service.ReportError):
    """The page again after a refused save: faults beside their fields, or the newer values on a conflict."""
    session.rollback()
    if isinstance(error, service.InputRejected):
        flash(error.message, "error")
        page = views.report_page(result, form, current_user, typed=typed, errors=error.errors)
        return render_template(TEMPLATE, **page), 400
    if isinstance(error, service.Conflict):
        fresh = service.reload(session, result)
        try:
            changes = service.pending_changes(fresh, service.parse_input(fresh, typed))
        except service.InputRejected:
            changes = []
        form.version.data = fresh.version
        page = views.report_page(fresh, form, current_user, typed=typed, conflict=error, changes=changes)
        return render_template(TEMPLATE, **page), 409
    flash(error.message, "error")
    return _back(result.unit.id, result.year.year)
