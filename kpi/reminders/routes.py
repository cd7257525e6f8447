"""The 待办 home page, the notification centre (通知), the reminder banner, and each year's reminder rules (admin)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm

from kpi.accounts.access import access
from kpi.core.time import beijing_today
from kpi.db import get_session
from kpi.domain.calendar import WorkingCalendar
from kpi.domain.reminder_rules import RulesError, kind_label, schedule, stage_label
from kpi.reminders import notify, service
from kpi.reminders.todo import todo_page

bp = Blueprint("reminders", __name__)

WINDOW_KINDS = ("monitoring", "self_evaluation")


class CsrfForm(FlaskForm):
    """Carries the CSRF token; the fields are read by name and validated by the domain rules."""


@bp.get("/")
@access("login")
def todo():
    """待办: what is due for the signed-in person, the first page after signing in."""
    today = beijing_today()
    return render_template("reminders/todo.html", page=todo_page(get_session(), current_user, today))


@bp.app_context_processor
def reminder_context():
    """`open_reminders()` for the banner and `unread_notifications()` for the 通知 link.

    Functions, so a page that shows neither runs no query; together they run one
    query, once per request, and nothing for anonymous users.
    """

    def banner():
        if "kpi_banner" not in g:
            g.kpi_banner = service.banner_for(get_session(), current_user)
        return g.kpi_banner

    def open_reminders():
        return banner().reminders if current_user.is_authenticated else []

    def unread_notifications():
        return banner().unread if current_user.is_authenticated else 0

    return {"open_reminders": open_reminders, "unread_notifications": unread_notifications}


@bp.get("/notifications")
@access("login")
def notifications():
    """The signed-in user's notifications, unread first."""
    items = notify.notifications_of(get_session(), current_user.id)
    return render_template("reminders/notifications.html", items=items, form=CsrfForm())


@bp.post("/notifications/<int:notification_id>/read")
@access("login")
def mark_read(notification_id: int):
    """Mark one of one's own notifications read (another's is 404); `open` then follows its link."""
    if not CsrfForm().validate():
        abort(400)
    session = get_session()
    note = notify.mark_read(session, current_user.id, notification_id)
    if note is None:
        abort(404)
    session.commit()
    link = note.link or ""
    if request.form.get("open") and link.startswith("/") and not link.startswith("//"):
        return redirect(link)
    return redirect(url_for("reminders.notifications"))


@bp.post("/notifications/read-all")
@access("login")
def mark_all_read():
    """Mark all of one's notifications read."""
    if not CsrfForm().validate():
        abort(400)
    session = get_session()
    count = notify.mark_all_read(session, current_user.id)
    session.commit()
    flash(f"已将 {count} 条通知标为已读。" if count else "没有未读通知。", "success")
    return redirect(url_for("reminders.notifications"))


@bp.route("/admin/years/<int:year>/reminders", methods=["GET", "POST"])
@access("admin")
def settings(year: int):
    """The year's reminder rules, with the defaults of docs/rules/reminders.md §2 and the dates they give."""
    session = get_session()
    fiscal_year = service.year_or_none(session, year)
    if fiscal_year is None:
        abort(404)
    form, errors = CsrfForm(), {}
    rules, warning = service.rules_of(fiscal_year)
    values = _form_values(rules.to_settings())
    if request.method == "POST":
        if not form.validate():
            abort(400)
        reset = request.form.get("action") == "reset"
        posted = None if reset else _posted_rules()
        try:
            service.save_rules(session, fiscal_year, posted, user=current_user)
            session.commit()
        except RulesError as error:
            session.rollback()
            errors, values = error.errors, _form_values(posted)
            flash(f"有 {len(errors)} 处填写有误，请按提示修改；提醒规则未保存。", "error")
        else:
            flash("已恢复默认提醒规则。" if reset else "已保存提醒规则。", "success")
            return redirect(url_for("reminders.settings", year=year))
    elif warning:
        flash(warning, "warning")
    calendar = WorkingCalendar()
    dates = [] if errors else _schedule_rows(year, rules, calendar)
    unknown = sorted(calendar.fallback_years)
    return render_template(
        "reminders/settings.html",
        year=year,
        form=form,
        values=values,
        errors=errors,
        dates=dates,
        unknown_years=unknown,
    ), 400 if errors else 200


def _posted_rules() -> dict:
    """The form as the rules' settings shape (text values; the domain validates them)."""
    form = request.form
    data: dict = {}
    for kind in WINDOW_KINDS:
        data[kind] = {
            "enabled": f"{kind}-enabled" in form,
            "opens": form.get(f"{kind}-opens", ""),
            "due": form.get(f"{kind}-due", ""),
            "escalations": form.get(f"{kind}-escalations", ""),
        }
    data["quarterly"] = {
        "enabled": "quarterly-enabled" in form,
        "due_working_days": form.get("quarterly-due_working_days", ""),
        "escalations": form.get("quarterly-escalations", ""),
    }
    data["overdue_catch_up_days"] = form.get("overdue_catch_up_days", "")
    return data


def _form_values(data: dict) -> dict:
    """Flat field name → text, for redisplay (escalation lists as “5,2”)."""
    values = {"overdue_catch_up_days": str(data.get("overdue_catch_up_days", ""))}
    for kind in ("monitoring", "quarterly", "self_evaluation"):
        for key, value in data.get(kind, {}).items():
            if isinstance(value, (list, tuple)):
                value = ",".join(str(item) for item in value)
            values[f"{kind}-{key}"] = value if isinstance(value, bool) else str(value)
    return values


def _schedule_rows(year: int, rules, calendar: WorkingCalendar) -> list[dict]:
    rows = []
    for stages in schedule(year, rules, calendar):
        for due in stages:
            rows.append(
                {
                    "report": kind_label(due.kind, due.period),
                    "stage": stage_label(due.stage),
                    "raise_on": due.raise_on,
                    "due_on": due.due_on,
                }
            )
    return rows
