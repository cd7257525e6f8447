"""绩效目标调整 pages: a unit's adjustments, proposing one, each review step, finance's queue.

Who may do what is the route's access rule: staff propose and submit (unit:enter), the
unit's reviewer checks or returns (unit:review), finance approves or returns
(unit:approve, finance's only write). The service checks the state each step needs.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from kpi.accounts.access import access
from kpi.adjustments import service, views
from kpi.adjustments.forms import ProposalForm, StepForm
from kpi.adjustments.models import STATUS_LABELS
from kpi.adjustments.schemas import ProposalRejected, validate_proposal
from kpi.adjustments.summary import TABLE_ID, proposal_error_links
from kpi.core.ids import MAX_ID, id_arg  # ids beyond PostgreSQL's INTEGER raise in the driver: not found
from kpi.db import get_session
from kpi.indicators.service import group_by_level

bp = Blueprint("adjustments", __name__)

ADJUSTMENT_URL = "/units/<int:unit_id>/adjustments/<int:adjustment_id>"


@bp.get("/units/<int:unit_id>/<int:year>/adjustments")
@access("unit:view")
def unit_list(unit_id: int, year: int):
    """The unit's target tables with their approval state, and its adjustments of the year."""
    page = views.unit_page(get_session(), unit_id, year)
    if page is None:
        abort(404)
    return render_template("adjustments/list.html", **page, status_labels=STATUS_LABELS)


@bp.route("/units/<int:unit_id>/<int:year>/adjustments/new", methods=["GET", "POST"])
@access("unit:enter")
def new(unit_id: int, year: int):
    """Propose new targets/points for an approved table (?project=<id>; none: the unit-wide table)."""
    session = get_session()
    context = views.table_context(session, unit_id, year, _id_arg("project"))
    if context is None:
        abort(404)
    form = ProposalForm()
    if request.method != "POST":  # GET, and HEAD as GET
        if context.state is None or not context.state.is_approved:
            flash(service.NOT_APPROVED, "error")
        return _form_page(context, form, None, focus=_id_arg("indicator"))
    return _save(session, context, form, None)


@bp.route(ADJUSTMENT_URL + "/edit", methods=["GET", "POST"])
@access("unit:enter")
def edit(unit_id: int, adjustment_id: int):
    """Change a draft or returned adjustment."""
    session = get_session()
    adjustment = _adjustment_or_404(unit_id, adjustment_id)
    context = views.context_of(session, adjustment)
    if request.method != "POST":  # GET, and HEAD as GET
        if adjustment.status not in service.EDITABLE:
            flash(f"该调整申请当前状态为“{STATUS_LABELS[adjustment.status]}”，不能修改。", "error")
            return redirect(url_for("adjustments.detail", unit_id=unit_id, adjustment_id=adjustment_id))
        form = ProposalForm(version=adjustment.version, reason=adjustment.reason, basis=adjustment.basis)
        typed = {
            row.item.indicator_id: {"target": row.item.new_target_text or "", "points": row.item.new_points}
            for row in views.detail_page(session, adjustment)["items"]
        }
        return _form_page(context, form, adjustment, typed=typed)
    return _save(session, context, ProposalForm(), adjustment)


def _save(session, context, form, adjustment):
    """Validate and save (then submit, for 保存并提交初审); faults come back with every typed value kept."""
    raw = {
        row.id: {"target": request.form.get(f"i{row.id}-target"), "points": request.form.get(f"i{row.id}-points")}
        for row in context.indicators
    }
    if not form.validate():
        return _form_page(context, form, adjustment, typed=raw), 400
    try:
        proposal = validate_proposal(context.indicators, raw, form.reason.data, form.basis.data)
        saved = service.propose(
            session,
            context.state,
            proposal,
            user=current_user,
            adjustment=adjustment,
            expected_version=form.version.data,
        )
        if form.action.data == "submit":
            service.submit(session, saved, user=current_user, expected_version=saved.version)
        session.commit()
    except ProposalRejected as rejected:
        session.rollback()
        flash(rejected.message, "error")
        return _form_page(context, form, adjustment, typed=raw, errors=rejected.errors), 400
    except service.AdjustmentError as error:
        session.rollback()
        flash(error.message, "error")
        return _form_page(context, form, adjustment, typed=raw), 409
    flash("已提交，等待本单位审核人初审。" if form.action.data == "submit" else "已保存调整申请草稿。", "success")
    return redirect(url_for("adjustments.detail", unit_id=saved.unit_id, adjustment_id=saved.id))


def _form_page(context, form, adjustment, *, typed=None, errors=None, focus=None):
    if adjustment is not None and form.version.data is None:
        form.version.data = adjustment.version
    for name in ("reason", "basis"):  # checked with the items, shown beside their own field
        if errors and name in errors:
            getattr(form, name).errors = [*getattr(form, name).errors, errors[name]]
    return render_template(
        "adjustments/form.html",
        context=context,
        groups=group_by_level(context.indicators),
        error_links=proposal_error_links(context.indicators, errors or {}, form),
        table_id=TABLE_ID,
        form=form,
        adjustment=adjustment,
        typed=typed or {},
        errors=errors or {},
        focus=focus,
    )


@bp.get(ADJUSTMENT_URL)
@access("unit:view")
def detail(unit_id: int, adjustment_id: int):
    """The adjustment: each indicator's 年初/现行/调整后 values, its history, and the next step's buttons."""
    adjustment = _adjustment_or_404(unit_id, adjustment_id)
    page = views.detail_page(get_session(), adjustment)
    return render_template("adjustments/detail.html", **page, status_labels=STATUS_LABELS, step_form=StepForm())


@bp.post(ADJUSTMENT_URL + "/submit")
@access("unit:enter")
def submit(unit_id: int, adjustment_id: int):
    return _step(unit_id, adjustment_id, service.submit, "已提交，等待本单位审核人初审。")


@bp.post(ADJUSTMENT_URL + "/review/check")
@access("unit:review")
def check(unit_id: int, adjustment_id: int):
    return _step(unit_id, adjustment_id, service.check, "已通过初审，等待财政局批复。")


@bp.post(ADJUSTMENT_URL + "/review/return")
@access("unit:review")
def review_return(unit_id: int, adjustment_id: int):
    return _step(unit_id, adjustment_id, service.return_, "已退回填报人。", by="review")


@bp.post(ADJUSTMENT_URL + "/approval/approve")
@access("unit:approve")
def approve(unit_id: int, adjustment_id: int):
    return _step(unit_id, adjustment_id, service.approve, "已批复：调整后的指标值和分值自即日起用于进度和评分。")


@bp.post(ADJUSTMENT_URL + "/approval/return")
@access("unit:approve")
def approval_return(unit_id: int, adjustment_id: int):
    return _step(unit_id, adjustment_id, service.return_, "已退回单位。", by="finance")


def _step(unit_id: int, adjustment_id: int, step, done: str, **options):
    """Apply one step from the posted StepForm and commit; a refusal is rolled back and flashed."""
    session = get_session()
    adjustment = _adjustment_or_404(unit_id, adjustment_id)
    form = StepForm()
    if not form.validate():
        flash("请求无效或原因过长（最多 2000 字），请刷新页面后重试。", "error")
        return redirect(url_for("adjustments.detail", unit_id=unit_id, adjustment_id=adjustment_id))
    if "by" in options:
        options["reason"] = form.reason.data
    try:
        step(session, adjustment, user=current_user, expected_version=form.version.data, **options)
        session.commit()
    except service.AdjustmentError as error:
        session.rollback()
        flash(error.message, "error")
    else:
        flash(done, "success")
    return redirect(url_for("adjustments.detail", unit_id=unit_id, adjustment_id=adjustment_id))


@bp.get("/adjustments/pending")
@access("finance")
def pending():
    """Finance's queue: every unit's adjustments that passed the reviewer's check (待批复)."""
    return render_template("adjustments/pending.html", rows=views.pending_for_finance(get_session()))


@bp.get("/units/<int:unit_id>/indicators/<int:indicator_id>/versions")
@access("unit:view")
def versions(unit_id: int, indicator_id: int):
    """Every approved version of one indicator's target and points: 年初 first, then each adjustment."""
    page = views.versions_page(get_session(), unit_id, indicator_id)
    if page is None:
        abort(404)
    return render_template("adjustments/versions.html", **page)


def _adjustment_or_404(unit_id: int, adjustment_id: int):
    adjustment = views.adjustment_of_unit(get_session(), unit_id, adjustment_id) if adjustment_id <= MAX_ID else None
    if adjustment is None:
        abort(404)
    return adjustment


def _id_arg(name: str) -> int | None:
    """A positive id from the query string, or None; an id out of range is not found."""
    text = request.args.get(name)
    if not text:
        return None
    try:
        value = id_arg(text)
    except ValueError:
        abort(404)
    if value == 0:
        abort(404)
    return value
