"""年度结转 in the browser (admin), and the year switcher every unit page shows (issue 17)."""

from __future__ import annotations

from flask import Blueprint, current_app, g, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException

from kpi.accounts.access import access
from kpi.db import get_session
from kpi.indicators import views
from kpi.indicators.rollover import RolloverRejected, carry_year_settings, parse_year, roll_year

bp = Blueprint("rollover", __name__)
TEMPLATE = "indicators/roll_year.html"
REPLACE_HINT = "如需覆盖请勾选“覆盖已有草稿”"


class RollYearForm(FlaskForm):
    """Carries the CSRF token; the years, unit and replace flag are read by name and checked by
    the rollover service, the one validation path the command shares."""


@bp.route("/admin/years/roll", methods=["GET", "POST"])
@access("admin")
def roll_year_page():
    """Copy each unit's target tables of one year into a later year as drafts (年度结转)."""
    session = get_session()
    form = RollYearForm()
    units = views.unit_years(session)
    years = sorted({year for _, unit_years in units for year in unit_years})
    latest = years[-1] if years else None
    values = {
        "from": str(latest or ""),
        "to": str(latest + 1) if latest else "",
        "unit": "",
        "replace": False,
    }
    page = {"form": form, "units": [unit.name for unit, _ in units], "years": years}
    if request.method != "POST":  # GET, and HEAD as GET
        return render_template(TEMPLATE, values=values, **page)
    values = {
        "from": request.form.get("from", "").strip(),
        "to": request.form.get("to", "").strip(),
        "unit": request.form.get("unit", "").strip(),
        "replace": request.form.get("replace") == "on",
    }
    if not form.validate():
        return render_template(TEMPLATE, values=values, problems=["页面已过期，请刷新后重试"], **page), 400
    try:
        results = roll_year(
            session,
            source_year=parse_year(values["from"], "来源年度"),
            target_year=parse_year(values["to"], "目标年度"),
            unit_name=values["unit"] or None,
            replace=values["replace"],
            actor=current_user,
            replace_hint=REPLACE_HINT,
        )
        years = {"source_year": int(values["from"]), "target_year": int(values["to"])}
        settings = carry_year_settings(session, **years, actor=current_user)
        session.commit()
    except RolloverRejected as rejected:
        session.rollback()
        return render_template(TEMPLATE, values=values, problems=rejected.problems, **page), 400
    except IntegrityError:  # another copy into the same year committed first
        session.rollback()
        problems = ["目标年度的指标表刚被其他操作写入，本次未复制、未写入任何数据；请刷新后重试"]
        return render_template(TEMPLATE, values=values, problems=problems, **page), 409
    target = int(values["to"])
    links = {unit.name: unit.id for unit, _ in views.unit_years(session)}
    done = [(result.line, links.get(result.unit)) for result in results]
    if settings:
        done.append((settings, None))
    return render_template(TEMPLATE, values=values, results=done, target=target, **page)


@bp.app_context_processor
def year_switcher_context():
    """`unit_years(unit_id)` and `year_url(year)` for kpi/templates/_year_switcher.html.

    Functions, so that a page without the switcher runs no query.
    """
    return {"unit_years": unit_years, "year_url": year_url}


def unit_years(unit_id: int) -> list[int]:
    """The years the unit has target tables for, oldest first (once per request)."""
    cache = g.setdefault("kpi_unit_years", {})
    if unit_id not in cache:
        cache[unit_id] = views.years_of_unit(get_session(), unit_id)
    return cache[unit_id]


def year_url(year: int) -> str | None:
    """This page for `year`: the same endpoint with the year in its URL replaced.

    None on a page whose URL has no year (not a unit page). The query string is dropped (a
    project's id belongs to one year), and a URL that answers only POST (a review button's)
    goes to the unit's target table instead.
    """
    args = dict(request.view_args or {})
    if request.endpoint is None or "year" not in args or "unit_id" not in args:
        return None
    args["year"] = year
    url = url_for(request.endpoint, **args)
    if not _serves_get(url):
        return url_for("indicators.table", unit_id=args["unit_id"], year=year)
    return url


def _serves_get(url: str) -> bool:
    """Whether GET `url` reaches a page (a POST-only form's URL is often also its page's)."""
    adapter = current_app.url_map.bind_to_environ(request.environ)
    try:
        adapter.match(url.split("?", 1)[0][len(request.script_root) :], method="GET")
    except HTTPException:
        return False
    return True
