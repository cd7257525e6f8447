"""Quarterly entry (季度填报) and its review, for one unit, year and quarter."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from kpi.accounts.access import access
from kpi.db import get_session
from kpi.domain.entries import FIELDS
from kpi.results import service, views
from kpi.results.forms import QuarterForm, ReviewForm

bp = Blueprint("results", __name__)

QUARTER_URL = "/units/<int:unit_id>/<int:year>/quarters/<int:quarter>"


@bp.get("/units/<int:unit_id>/<int:year>/quarters")
@access("unit:view")
def quarters(unit_id: int, year: int):
    """The four quarters of a year with their status."""
    overview = views.quarters_overview(get_session(), unit_id, year)
    if overview is None:
        abort(404)
    return render_template("results/quarters.html", overview=overview)


@bp.get(QUARTER_URL)
@access("unit:view")
def quarter(unit_id: int, year: int, quarter: int):
    """The entry form (read-only unless the user may enter and the quarter is open)."""
    sheet = _sheet_or_404(unit_id, year, quarter)
    form = QuarterForm(version=sheet.version)
    return render_template("results/quarter.html", **views.quarter_page(sheet, form, current_user))


@bp.post(QUARTER_URL)
@access("unit:enter")
def save_quarter(unit_id: int, year: int, quarter: int):
    """Save draft or submit. Errors come back beside their fields with every typed value kept."""
    session = get_session()
    sheet = _sheet_or_404(unit_id, year, quarter)
    form = QuarterForm()
    raw_entries, raw_spending = _raw_inputs(sheet)
    page = dict(typed=(raw_entries, raw_spending))
    if not form.validate():
        return render_template("results/quarter.html", **views.quarter_page(sheet, form, current_user, **page)), 400
    expected = form.version.data if form.version.data is not None else 0
    try:
        data = service.validate_input(sheet, raw_entries, raw_spending)
        service.save(session, sheet, data, user=current_user, expected_version=expected, reason=form.reason.data or None)
        if form.action.data == "submit":
            fresh = views.reload(session, sheet)
            service.transition(session, fresh, "submit", user=current_user, expected_version=None)
        session.commit()
    except service.InputRejected as rejected:
        session.rollback()
        flash(rejected.message, "error")
        return render_template("results/quarter.html", **views.quarter_page(sheet, form, current_user, errors=rejected.errors, **page)), 400
    except service.Conflict as conflict:
        session.rollback()
        fresh = views.reload(session, sheet)
        changes = service.pending_changes(fresh, service.validate_input(fresh, raw_entries, raw_spending))
        form.version.data = fresh.version
        return render_template("results/quarter.html", **views.quarter_page(fresh, form, current_user, conflict=conflict,
                                                                            changes=changes, **page)), 409
    except service.ResultsError as error:
        session.rollback()
        flash(error.message, "error")
        return redirect(url_for("results.quarter", unit_id=unit_id, year=year, quarter=quarter))
    flash("已送审，等待审核人审核。" if form.action.data == "submit" else "已保存草稿。", "success")
    return redirect(url_for("results.quarter", unit_id=unit_id, year=year, quarter=quarter))


@bp.post(QUARTER_URL + "/review/<any(approve, return, reopen):action>")
@access("unit:review")
def review(unit_id: int, year: int, quarter: int, action: str):
    """Approve, return (with a reason) or reopen (with a reason) the quarter."""
    session = get_session()
    sheet = _sheet_or_404(unit_id, year, quarter)
    form = ReviewForm()
    if not form.validate():
        abort(400)
    try:
        service.transition(session, sheet, action, user=current_user,
                           expected_version=form.version.data, reason=form.reason.data)
        session.commit()
    except service.Conflict as conflict:
        session.rollback()
        flash(conflict.message, "error")
    except service.ResultsError as error:
        session.rollback()
        flash(error.message, "error")
    else:
        flash(f"已{service.ACTION_LABELS[action]}。", "success")
    return redirect(url_for("results.quarter", unit_id=unit_id, year=year, quarter=quarter))


@bp.get("/units/<int:unit_id>/indicators/<int:indicator_id>/history")
@access("unit:view")
def indicator_history(unit_id: int, indicator_id: int):
    """The audit trail of one indicator: every change, who, when, old → new, why."""
    page = views.indicator_history(get_session(), unit_id, indicator_id)
    if page is None:
        abort(404)
    return render_template("results/history.html", **page)


def _sheet_or_404(unit_id: int, year: int, quarter: int):
    sheet = views.sheet(get_session(), unit_id, year, quarter)
    if sheet is None:
        abort(404)
    return sheet


def _raw_inputs(sheet):
    """The posted inputs by indicator and budget line (names `i<id>-<field>`, `b<id>-spent`)."""
    form = request.form
    raw_entries = {}
    for indicator in sheet.indicators:
        values = {name: form.get(f"i{indicator.id}-{name}") for name in FIELDS}
        if any(value is not None for value in values.values()):
            raw_entries[indicator.id] = {name: value for name, value in values.items() if value is not None}
    raw_spending = {line.id: form[f"b{line.id}-spent"] for line in sheet.lines if f"b{line.id}-spent" in form}
    return raw_entries, raw_spending
