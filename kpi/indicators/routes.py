"""Read-only indicator pages: the unit's target tables grouped by level."""
from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for

from kpi.db import get_session
from kpi.indicators import views

bp = Blueprint("indicators", __name__)


@bp.get("/")
def home():
    """Open the first unit's newest year; show a welcome page on an empty database."""
    units = views.unit_years(get_session())
    if not units:
        return render_template("indicators/empty.html")
    unit, years = units[0]
    return redirect(url_for("indicators.table", unit_id=unit.id, year=years[-1]))


@bp.get("/units")
def units():
    """Every unit with the years it has indicators for."""
    return render_template("indicators/units.html", units=views.unit_years(get_session()))


@bp.get("/units/<int:unit_id>/<int:year>/indicators")
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
