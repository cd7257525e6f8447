"""Quarterly results through Excel: download the fill-in workbook, upload it, preview, confirm.

An upload is checked and previewed first; nothing is written until the user
confirms. Between the two steps the file waits on the server (never in the
browser) under a random token bound to the user and the quarter, for at most
two hours (kpi.results.pending, which also bounds what waits). Confirming reads it again and validates it against the data as
it is *then*, and saves with the version seen at preview time, so a save made
by someone else in between is a Conflict, not a silent overwrite.
"""

from __future__ import annotations

import io
import logging
from pathlib import Path

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import HiddenField
from wtforms.validators import DataRequired

from kpi.accounts.access import access
from kpi.budget import service as budget
from kpi.budget.models import Unit
from kpi.db import get_session
from kpi.reports.storage import keep_copy
from kpi.results import pending
from kpi.results.service import Conflict, Locked, pending_changes, save
from kpi.results.sheet import QUARTER_LABELS, STATUS_LABELS, QuarterSheet, load_sheet
from kpi.results.workbook import build_fill_in_workbook
from kpi.results.workbook_upload import MAX_UPLOAD_BYTES, UploadRejected, read_upload

log = logging.getLogger(__name__)
bp = Blueprint("results_excel", __name__)

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NO_CHANGES = "上传的文件与当前数据一致，没有需要导入的修改。"


class UploadForm(FlaskForm):
    file = FileField(
        "填报表文件（.xlsx）",
        validators=[
            FileRequired("请选择要上传的填报表文件"),
            FileAllowed(["xlsx"], "只能上传 .xlsx 文件（本系统下载的填报表）"),
        ],
    )


class ConfirmForm(FlaskForm):
    token = HiddenField(validators=[DataRequired()])


@bp.get("/units/<int:unit_id>/<int:year>/quarters/<int:quarter>/workbook")
@access("unit:view")
def workbook(unit_id: int, year: int, quarter: int):
    """Download the quarter's fill-in workbook, prefilled with the current figures."""
    sheet = _sheet_or_404(unit_id, year, quarter)
    data = build_fill_in_workbook(sheet)
    name = f"{sheet.unit.name}-{sheet.label}-填报表.xlsx"
    keep_copy(data, current_app.config["KPI_EXPORT_DIR"], sheet.year.year, sheet.unit.name, name)
    return send_file(io.BytesIO(data), mimetype=XLSX_MIMETYPE, as_attachment=True, download_name=name)


@bp.route("/units/<int:unit_id>/<int:year>/quarters/<int:quarter>/upload", methods=["GET", "POST"])
@access("unit:enter")
def upload(unit_id: int, year: int, quarter: int):
    """The upload form; a posted file is checked and its changes previewed (nothing is written)."""
    sheet = _sheet_or_404(unit_id, year, quarter)
    form = UploadForm()
    if not sheet.editable:
        return _upload_page(sheet, form, locked=_locked_text(sheet)), 409
    if form.validate_on_submit():
        data = form.file.data.read(MAX_UPLOAD_BYTES + 1)
        try:
            result = read_upload(data, sheet)
        except UploadRejected as rejected:
            return _upload_page(sheet, form, problems=rejected.details), 422
        return _preview(sheet, result, data)
    if request.method == "POST":  # refused by the form (no file, not .xlsx): a 4xx, like every refusal
        return _upload_page(sheet, form), 400
    return _upload_page(sheet, form)


@bp.post("/units/<int:unit_id>/<int:year>/quarters/<int:quarter>/upload/confirm")
@access("unit:enter")
def confirm(unit_id: int, year: int, quarter: int):
    """Import a previewed upload: validated again against the current data, then saved."""
    sheet = _sheet_or_404(unit_id, year, quarter)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    token = form.token.data
    waiting = pending.load(_pending_dir(), token, _owner(sheet))
    if waiting is None:
        flash("待确认的上传已过期或无效，请重新上传填报表。", "error")
        return redirect(url_for(".upload", unit_id=unit_id, year=year, quarter=quarter))
    data, expected_version = waiting
    if not sheet.editable:
        pending.discard(_pending_dir(), token)
        return _upload_page(sheet, UploadForm(), locked=_locked_text(sheet)), 409
    try:
        result = read_upload(data, sheet)
    except UploadRejected as rejected:
        pending.discard(_pending_dir(), token)
        return _upload_page(sheet, UploadForm(), problems=rejected.details), 422
    changes = pending_changes(sheet, result.data)
    if not changes:
        pending.discard(_pending_dir(), token)
        flash(NO_CHANGES, "info")
        return redirect(_quarter_url(sheet))
    session = get_session()
    try:
        save(
            session,
            sheet,
            result.data,
            user=current_user,
            expected_version=expected_version,
            reason="上传 Excel 填报表导入",
        )
        session.commit()
    except Conflict as conflict:
        session.rollback()
        return _preview_after_conflict(unit_id, year, quarter, token, data, conflict.message)
    except Locked as locked:
        session.rollback()
        pending.discard(_pending_dir(), token)
        return _upload_page(sheet, UploadForm(), locked=locked.message), 409
    except Exception:
        session.rollback()
        raise
    pending.discard(_pending_dir(), token)
    flash(f"已导入 {len(changes)} 处修改。", "success")
    return redirect(_quarter_url(sheet))


@bp.post("/units/<int:unit_id>/<int:year>/quarters/<int:quarter>/upload/cancel")
@access("unit:enter")
def cancel(unit_id: int, year: int, quarter: int):
    """Drop a previewed upload: its file is removed from the server at once."""
    sheet = _sheet_or_404(unit_id, year, quarter)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    if pending.discard_if_owned(_pending_dir(), form.token.data, _owner(sheet)):
        flash("已取消导入，上传的文件已从服务器删除。", "info")
    return redirect(url_for(".upload", unit_id=unit_id, year=year, quarter=quarter))


def _sheet_or_404(unit_id: int, year: int, quarter: int) -> QuarterSheet:
    if quarter not in QUARTER_LABELS:
        abort(404)
    session = get_session()
    unit = session.get(Unit, unit_id)
    fiscal_year = budget.find_year(session, year)
    if unit is None or fiscal_year is None:
        abort(404)
    sheet = load_sheet(session, unit, fiscal_year, quarter)
    if not sheet.indicators and not sheet.lines:
        abort(404)  # the unit has no budget for that year
    return sheet


def _quarter_url(sheet: QuarterSheet) -> str:
    return url_for("results.quarter", unit_id=sheet.unit.id, year=sheet.year.year, quarter=sheet.quarter)


def _locked_text(sheet: QuarterSheet) -> str:
    return (
        f"本季度状态为“{STATUS_LABELS[sheet.status]}”，已锁定，不能导入修改；如需修改，请审核人退回或重新打开后再上传。"
    )


def _upload_page(sheet: QuarterSheet, form: UploadForm, **context):
    return render_template(
        "results_excel/upload.html", sheet=sheet, form=form, quarter_url=_quarter_url(sheet), **context
    )


def _preview(sheet: QuarterSheet, result, data: bytes, *, message: str | None = None, token: str | None = None):
    changes = pending_changes(sheet, result.data)
    if not changes:
        if token:
            pending.discard(_pending_dir(), token)
        return _upload_page(sheet, UploadForm(), message=NO_CHANGES)
    try:
        token = pending.store(_pending_dir(), data, _owner(sheet), sheet.version, token)
    except pending.PendingFull as full:
        return _upload_page(sheet, UploadForm(), refused=full.message), 429
    stale = result.info.version != sheet.version
    return render_template(
        "results_excel/preview.html",
        sheet=sheet,
        changes=changes,
        message=message,
        stale=stale,
        form=ConfirmForm(token=token),
        quarter_url=_quarter_url(sheet),
    )


def _preview_after_conflict(unit_id: int, year: int, quarter: int, token: str, data: bytes, message: str):
    """Someone saved meanwhile: show the changes against the newer data, to be confirmed again."""
    fresh = _sheet_or_404(unit_id, year, quarter)
    if not fresh.editable:
        pending.discard(_pending_dir(), token)
        return _upload_page(fresh, UploadForm(), locked=_locked_text(fresh)), 409
    try:
        result = read_upload(data, fresh)
    except UploadRejected as rejected:
        pending.discard(_pending_dir(), token)
        return _upload_page(fresh, UploadForm(), problems=rejected.details), 422
    return _preview(fresh, result, data, message=message, token=token), 409


def _pending_dir() -> Path:
    return Path(current_app.config["KPI_UPLOAD_DIR"])


def _owner(sheet: QuarterSheet) -> pending.Owner:
    return pending.Owner(current_user.id, sheet.unit.id, sheet.year.year, sheet.quarter)
