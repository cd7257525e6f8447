"""预算数 page: a draft year's budget amounts typed in the browser (kpi/indicators/budget_amounts.py)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm

from kpi.accounts.access import access
from kpi.budget import service as budget
from kpi.budget.models import Unit
from kpi.core.error_summary import error_links
from kpi.db import get_session
from kpi.indicators.budget_amounts import (
    FIELDS,
    NOT_DRAFT,
    Amounts,
    AmountsConflict,
    AmountsRejected,
    editable,
    read_amounts,
    save_amounts,
)

bp = Blueprint("budget_amounts", __name__)
TEMPLATE = "indicators/budget.html"


class AmountsForm(FlaskForm):
    """Carries the CSRF token; the amounts are read by name (b<line id>-initial|adjusted)."""


def _unit_year(unit_id: int, year: int):
    session = get_session()
    unit = session.get(Unit, unit_id)
    fiscal_year = budget.find_year(session, year)
    if unit is None or fiscal_year is None:
        abort(404)
    return session, unit, fiscal_year


def _page(session, unit, fiscal_year, *, typed=None, errors=None, status=200):
    lines = budget.budget_lines(session, unit, fiscal_year)
    draft = editable(session, unit, fiscal_year)
    errors = errors or {}
    summary = error_links(
        {("line", line_id, name): message for (line_id, name), message in errors.items()},
        order=[("line", line.id) for line in lines],
        labels={("line", line.id): line.name for line in lines},
        fields=FIELDS,
        target=lambda key: f"b{key[1]}-{key[2]}",
    )
    rows = [
        {
            "line": line,
            "was": Amounts.of(line).shown,
            "fields": {
                name: (typed or {}).get(f"b{line.id}-{name}", text) for name, text in Amounts.of(line).texts.items()
            },
            "errors": {name: message for (line_id, name), message in errors.items() if line_id == line.id},
        }
        for line in lines
    ]
    page = {
        "unit": unit,
        "year": fiscal_year,
        "rows": rows,
        "form": AmountsForm(),
        "editable": draft and current_user.can("enter", unit.id),
        "draft": draft,
        "error_links": summary,
        "not_draft": NOT_DRAFT,
    }
    return render_template(TEMPLATE, **page), status


@bp.get("/units/<int:unit_id>/<int:year>/budget")
@access("unit:view")
def amounts(unit_id: int, year: int):
    return _page(*_unit_year(unit_id, year))


@bp.post("/units/<int:unit_id>/<int:year>/budget")
@access("unit:enter")
def save(unit_id: int, year: int):
    session, unit, fiscal_year = _unit_year(unit_id, year)
    typed = {key: value for key, value in request.form.items() if key.startswith("b")}
    if not AmountsForm().validate():
        flash("页面已过期，请刷新后重试。", "error")
        return _page(session, unit, fiscal_year, typed=typed, status=400)
    if not editable(session, unit, fiscal_year):
        flash(NOT_DRAFT, "error")
        return _page(session, unit, fiscal_year, status=409)
    lines = budget.budget_lines(session, unit, fiscal_year)
    try:
        changed = save_amounts(session, unit, lines, read_amounts(lines, request.form), actor=current_user)
        session.commit()
    except AmountsRejected as rejected:
        session.rollback()
        return _page(session, unit, fiscal_year, typed=typed, errors=rejected.errors, status=400)
    except AmountsConflict as conflict:
        session.rollback()
        flash(str(conflict), "error")
        return _page(session, unit, fiscal_year, status=409)
    flash(f"已保存预算数：{'、'.join(changed)}。" if changed else "没有需要保存的修改。", "success")
    return redirect(url_for("budget_amounts.amounts", unit_id=unit.id, year=fiscal_year.year))
