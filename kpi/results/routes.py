"""Quarterly entry (季度填报) and its review, for one unit, year and quarter."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from kpi.accounts.access import access
from kpi.db import get_session
from kpi.domain.entries import FIELDS
from kpi.forms import ReportForm
from kpi.results import service, views
from kpi.review import apply_review

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
    form = ReportForm(version=sheet.version)
    return render_template("results/quarter.html", **views.quarter_page(sheet, form, current_user))


@bp.post(QUARTER_URL)
@access("unit:enter")
def save_quarter(unit_id: int, year: int, quarter: int):
    """Save draft or submit. Errors come back beside their fields with every typed value kept."""
    session = get_session()
    sheet = _sheet_or_404(unit_id, year, quarter)
    form = ReportForm()
    raw_entries, raw_spending = _raw_inputs(sheet)
    seen = views.posted_seen(request.form)
    page = dict(typed=(raw_entries, raw_spending), seen=seen)
    if not form.validate():
        return render_template("results/quarter.html", **views.quarter_page(sheet, form, current_user, **page)), 400
    expected = form.version.data if form.version.data is not None else 0
    try:
        data = service.validate_input(sheet, raw_entries, raw_spending)
        data.seen = seen
        service.save(
            session, sheet, data, user=current_user, expected_version=expected, reason=form.reason.data or None
        )
        if form.action.data == "submit":
            fresh = views.reload(session, sheet)
            service.transition(session, fresh, "submit", user=current_user, expected_version=None)
        session.commit()
    except service.InputRejected as rejected:
        session.rollback()
        flash(rejected.message, "error")
        return render_template(
            "results/quarter.html", **views.quarter_page(sheet, form, current_user, errors=rejected.errors, **page)
        ), 400
    except service.Conflict as conflict:
        session.rollback()
        return _conflict_page(session, sheet, form, conflict, raw_entries, raw_spending, seen)
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
    apply_review(get_session(), service.transition, _sheet_or_404(unit_id, year, quarter), action)
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


def _conflict_page(session, sheet, form, conflict, raw_entries: dict, raw_spending: dict, seen: dict):
    """409: the latest values beside the user's, for them to confirm and save again.

    The page moves on to the latest version. It keeps what the user typed in the rows they
    changed and shows the latest values elsewhere, so that saving again keeps the others' work
    in rows this user never touched; after a RowConflict only the clashing rows are listed."""
    fresh = views.reload(session, sheet)
    data = service.validate_input(fresh, raw_entries, raw_spending)
    data.seen = seen
    mine = service.rows_changed(data)
    changes = service.pending_changes(fresh, data)
    if isinstance(conflict, service.RowConflict):
        clashing = set(conflict.rows)
        changes = [
            change
            for change in changes
            if (("indicator" if change.entity == "indicator" else "line"), change.entity_id) in clashing
        ]
    typed = (
        {key: values for key, values in raw_entries.items() if ("indicator", key) in mine},
        {key: value for key, value in raw_spending.items() if ("line", key) in mine},
    )
    form.version.data = fresh.version
    page = views.quarter_page(fresh, form, current_user, conflict=conflict, changes=changes, typed=typed)
    return render_template("results/quarter.html", **page), 409


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
