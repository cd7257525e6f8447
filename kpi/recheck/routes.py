"""自评表复核 (finance bureau): upload units' filled-in 自评表, see each table's differences, download them.

Nothing is stored but the result workbook, under KPI_EXPORT_DIR/复核/<user id>-<random>.xlsx, which
only its owner (or an admin) can download. A file that cannot be read is listed with its reason
(row and column); the others are still checked.
"""

from __future__ import annotations

import re
import secrets
from pathlib import Path

from flask import Blueprint, abort, current_app, render_template, send_file
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import SelectChoice, SelectField

from kpi.accounts.access import access
from kpi.domain.scoring_presets import PRESET_NAMES, preset, preset_label
from kpi.recheck.compare import check_table
from kpi.recheck.reader import ReadError, read_self_evaluation
from kpi.recheck.schemes import DEFAULT_PRESET
from kpi.recheck.workbook import build_recheck_workbook, recheck_workbook_name

bp = Blueprint("recheck", __name__)

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_FILES, MAX_FILE_BYTES = 20, 5 * 1024 * 1024
FOLDER = "复核"
_RESULT_NAME = re.compile(r"(\d+)-[0-9a-f]{32}\.xlsx")


class RecheckForm(FlaskForm):
    files = MultipleFileField("自评表文件（.xlsx，可多选）")
    preset = SelectField(
        "计分方案",
        choices=[SelectChoice(name, preset_label(name)) for name in PRESET_NAMES],
        default=DEFAULT_PRESET,
        invalid_choice_message="请从列表中选择计分方案",
    )


@bp.route("/finance/recheck", methods=["GET", "POST"])
@access("finance")
def page():
    """The upload form; posted files are read, scored afresh and compared, one table at a time."""
    form = RecheckForm()
    if not form.is_submitted():
        return render_template("recheck/page.html", form=form)
    if not form.validate():
        return render_template("recheck/page.html", form=form, problems=_form_problems(form)), 400
    uploads = [upload for upload in form.files.data or [] if getattr(upload, "filename", "")]
    if not uploads:
        return render_template("recheck/page.html", form=form, problems=["请选择至少一个自评表文件（.xlsx）。"]), 400
    if len(uploads) > MAX_FILES:
        problem = f"一次最多复核 {MAX_FILES} 个文件，本次选择了 {len(uploads)} 个。"
        return render_template("recheck/page.html", form=form, problems=[problem]), 400
    settings = preset(form.preset.data)
    checks, problems = [], []
    for upload in uploads:
        name = Path(upload.filename).name
        data = upload.read(MAX_FILE_BYTES + 1)
        if not name.lower().endswith(".xlsx"):
            problems.append(f"{name}：只能上传 .xlsx 文件")
            continue
        if len(data) > MAX_FILE_BYTES:
            problems.append(f"{name}：文件超过 5 MB")
            continue
        try:
            tables = read_self_evaluation(data)
        except ReadError as error:
            problems.append(f"{name}：{error}")
            continue
        checks += [(name, check_table(table, settings)) for table in tables]
    download = _keep(checks, form.preset.data) if checks else None
    status = 200 if checks else 422
    return render_template("recheck/page.html", form=form, checks=checks, problems=problems, download=download), status


@bp.get("/finance/recheck/<name>")
@access("finance")
def download(name: str):
    """A result workbook, to whoever made it (or an admin)."""
    match = _RESULT_NAME.fullmatch(name)
    if match is None or (int(match.group(1)) != current_user.id and current_user.role != "admin"):
        abort(404)
    path = _folder() / name
    if not path.is_file():
        abort(404)
    return send_file(path, mimetype=XLSX_MIMETYPE, as_attachment=True, download_name=recheck_workbook_name(None))


def _keep(checks, preset: str) -> str:
    folder = _folder()
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{current_user.id}-{secrets.token_hex(16)}.xlsx"
    (folder / name).write_bytes(build_recheck_workbook(checks, preset))
    return name


def _folder() -> Path:
    return Path(current_app.config["KPI_EXPORT_DIR"]) / FOLDER


def _form_problems(form: RecheckForm) -> list[str]:
    return [
        f"{getattr(form, field).label.text}：{message}"
        for field, messages in form.errors.items()
        for message in messages
    ]
