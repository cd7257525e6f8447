"""Indicator pages: the unit's target tables grouped by level, and an indicator's settings."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from kpi.accounts.access import access
from kpi.budget.models import Unit
from kpi.core.ids import id_arg
from kpi.core.labels import QUARTER_LABELS
from kpi.db import get_session
from kpi.indicators import views
from kpi.indicators.forms import IndicatorForm
from kpi.indicators.service import SETTING_LABELS, IndicatorConflict, TargetFixed, update_settings
from kpi.indicators.tables import is_approved
from kpi.workflow import STATUS_LABELS

bp = Blueprint("indicators", __name__)


@bp.get("/start")
@access("login")
def home():
    """本单位指标: a unit's own users go to their unit's newest year's target table; 财政局 and
    管理员 to the finance desk. (The home page, /, is the 待办 page: kpi.reminders.)"""
    if current_user.can("finance"):
        return redirect(url_for("finance.home"))
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
    return render_template(
        "indicators/units.html",
        rows=views.unit_overview(get_session(), current_user),
        quarters=QUARTER_LABELS,
        status_labels=STATUS_LABELS,
    )


@bp.get("/units/<int:unit_id>/<int:year>/indicators")
@access("unit:view")
def table(unit_id: int, year: int):
    """The 单位整体 table, or a project's own table with ?project=<id>."""
    project_id = request.args.get("project", type=id_arg)
    page = views.indicator_page(get_session(), unit_id, year, project_id)
    if page is None:
        abort(404)
    return render_template("indicators/table.html", page=page)


@bp.app_context_processor
def indicator_labels():
    """Chinese labels for the stored codes, shared by every template."""
    return {
        "labels": {
            "kind": views.KIND_LABELS,
            "aggregation": views.AGGREGATION_LABELS,
            "direction": views.DIRECTION_LABELS,
        }
    }


@bp.route("/units/<int:unit_id>/indicators/<int:indicator_id>/edit", methods=["GET", "POST"])
@access("unit:enter")
def edit(unit_id: int, indicator_id: int):
    """Change an indicator's target, aggregation rule, points and quarterly plan (audited)."""
    session = get_session()
    indicator = views.indicator_of_unit(session, unit_id, indicator_id)
    if indicator is None:
        abort(404)
    form = IndicatorForm(obj=indicator if request.method != "POST" else None)
    if request.method != "POST":  # GET, and HEAD as GET
        form.version.data = indicator.version
    if form.validate_on_submit():
        changes = {name: getattr(form, name).data for name in SETTING_LABELS}
        changes["target_text"] = changes["target_text"].strip()
        try:
            changed = update_settings(
                session,
                indicator,
                changes,
                user=current_user,
                expected_version=form.version.data or 0,
                reason=form.reason.data.strip(),
            )
            session.commit()
        except IndicatorConflict:
            session.rollback()
            flash("该指标已被他人修改，请刷新页面查看最新设置后再修改。", "error")
        except TargetFixed as fixed:
            session.rollback()  # nothing is saved, not even the fields that could change
            flash(fixed.message, "error")
            for name in fixed.fields:
                getattr(form, name).errors.append("已批复，不能直接修改；请通过绩效目标调整申请")
        else:
            flash("已保存：" + "、".join(changed) if changed else "没有需要保存的修改。", "success")
            year = views.year_of(session, indicator)
            return redirect(
                url_for(
                    "indicators.table",
                    unit_id=unit_id,
                    year=year,
                    project=indicator.budget_line_id if indicator.scope == "project" else None,
                )
            )
    return render_template(
        "indicators/edit.html",
        form=form,
        indicator=indicator,
        unit_id=unit_id,
        unit=session.get(Unit, unit_id),
        approved=is_approved(session, indicator),
        year=views.year_of(session, indicator),
    )
