"""Read-only indicator pages: the unit's target tables grouped by level."""
from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user

from kpi.accounts.access import access
from kpi.db import get_session
from kpi.indicators import views

bp = Blueprint("indicators", __name__)


@bp.get("/")
@access("login")
def home():
    """A unit's own users go to their unit's newest year; others to the unit list."""
    units = views.visible_unit_years(get_session(), current_user)
    if not units:
        return render_template("indicators/empty.html")
    if current_user.unit_id is None and len(units) > 1:
        return redirect(url_for("indicators.units"))
    unit, years = units[0]
    return redirect(url_for("indicators.table", unit_id=unit.id, year=years[-1]))


@bp.get("/units")
@access("login")
def units():
    """Every unit the user may see, with the years it has indicators for."""
    return render_template("indicators/units.html", units=views.visible_unit_years(get_session(), current_user))


@bp.get("/units/<int:unit_id>/<int:year>/indicators")
@access("unit:view")
def table(unit_id: int, year: int):
    """The 单位整体 table, or a project's own table with ?project=<id>."""
    project_id = request.args.get("project", type=int)
    page = views.indicator_page(get_session(), unit_id, year, project_id)
    if page is None:
        abort(404)
    return render_template("indicators/table.html", page=page)


@bp.app_context_processor
def indicator_labels():
    """Chinese labels for the stored codes, shared by every template."""
    return {"labels": {"kind": views.KIND_LABELS, "aggregation": views.AGGREGATION_LABELS, "direction": views.DIRECTION_LABELS}}
