"""The official 自评表 of any selection of units, as one zip (单位自评表打包下载).

``export_forms_zip`` writes each unit's 绩效自评表 exactly as kpi.evaluation builds it (lent to
the desk through kpi.reports.contributions: this feature does not import that one), one zip member per unit, then a
说明.txt listing every unit of the selection with the file that holds its form, or why it has
none. The units are those the finance desk lists for the year, in its order (by name).

The work is one unit at a time, whatever the number of units: a unit is scored, its workbook
built and written to the zip, and everything loaded for it is let go (expunged from the session)
before the next one. The zip is written member by member straight to a temporary file beside
its final place, export_dir/<year>/汇总/, and renamed to its final name only once complete; on
any failure the temporary file is removed and nothing is left behind.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import Session, select

from kpi.budget.models import BudgetLine, FiscalYear, Unit
from kpi.core.time import beijing_now
from kpi.finance.service import CONSOLIDATED_FOLDER
from kpi.indicators.models import Indicator
from kpi.reports.contributions import SELF_EVALUATION_FORM, provided
from kpi.reports.storage import safe_name

log = logging.getLogger(__name__)

NOTES_NAME = "说明.txt"
NAME_LIMIT = 70  # characters before ".xlsx": with a number in front, within 255 bytes of UTF-8
KEPT_END = 11  # characters kept from the end of a long name ("-2023年绩效自评表")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
NO_FORM = "无可评价内容（该年度既无绩效指标也无预算），未生成自评表"
BUILD_FAILED = "自评表生成失败：单位名称或填报内容含有 Excel 无法保存的字符，请联系系统管理员"
NO_INDICATORS = "未设绩效指标，自评表仅含预算执行"


@dataclass(frozen=True)
class YearUnit:
    """A unit the finance desk lists for the year: its id and name, as plain values."""

    id: int
    name: str


@dataclass(frozen=True)
class Entry:
    """One line of the 说明.txt: a unit and the member holding its form (None: no form)."""

    number: int
    unit: str
    member: str | None
    note: str = ""


def forms_zip_name(year: int, count: int) -> str:
    """The zip's file name: "2023年单位自评表（12个单位）.zip"."""
    return f"{year}年单位自评表（{count}个单位）.zip"


def year_units(session: Session, fiscal_year: FiscalYear) -> list[YearUnit]:
    """Every unit with indicators or budget lines in the year, by name, as the finance desk lists
    them (kpi.finance.service.unit_statuses): one query, plain rows."""
    in_year = sa.or_(
        Unit.id.in_(select(Indicator.unit_id).where(Indicator.year_id == fiscal_year.id)),
        Unit.id.in_(select(BudgetLine.unit_id).where(BudgetLine.year_id == fiscal_year.id)),
    )
    rows = session.exec(select(Unit.id, Unit.name).where(in_year).order_by(Unit.name, Unit.id))
    return [YearUnit(unit_id, name) for unit_id, name in rows]


def selected_units(session: Session, fiscal_year: FiscalYear, unit_ids: Sequence[int] | None) -> list[YearUnit]:
    """The units to export, in the finance desk's order; every unit of the year for None.

    Raises ValueError (in Chinese, for the page) for an empty selection, for ids that are no
    unit, and for units with nothing in the year."""
    units = year_units(session, fiscal_year)
    year = fiscal_year.year
    if unit_ids is None:
        if not units:
            raise ValueError(f"{year}年度没有任何单位填报绩效指标或预算，无自评表可导出。")
        return units
    wanted = set()
    for unit_id in unit_ids:
        if isinstance(unit_id, bool) or not isinstance(unit_id, int):
            raise ValueError(f"单位编号无效：{unit_id!r}")
        wanted.add(unit_id)
    if not wanted:
        raise ValueError("请至少选择一个单位。")
    chosen = [unit for unit in units if unit.id in wanted]
    missing = wanted - {unit.id for unit in chosen}
    if missing:
        known = dict(session.exec(select(Unit.id, Unit.name).where(Unit.id.in_(missing))).all())
        unknown = sorted(missing - known.keys())
        if unknown:
            raise ValueError(f"单位不存在：{'、'.join(str(unit_id) for unit_id in unknown)}")
        names = "、".join(sorted(known.values()))
        raise ValueError(f"以下单位在{year}年度没有绩效指标或预算，无自评表可导出：{names}")
    return chosen


def export_forms_zip(
    session: Session,
    fiscal_year: FiscalYear,
    unit_ids: Sequence[int] | None,
    export_dir: Path | str,
    *,
    progress: Callable[[int, int], None] | None = None,
    tag: str = "",
) -> Path:
    """Write the 自评表 of ``unit_ids`` (None: every unit of the year) as one zip under
    export_dir/<year>/汇总/ and return its path.

    ``progress(done, total)`` counts units: called with 0 first, then after each unit. Raises
    ValueError (Chinese) for a selection that cannot be exported, before any file is made, and
    OSError when the folder cannot be written; a failure leaves no file behind. ``tag`` goes
    before ".zip" in the file's name: two selections of the same size must not share a file."""
    units = selected_units(session, fiscal_year, unit_ids)
    year = fiscal_year.year
    total = len(units)
    if progress is not None:
        progress(0, total)
    folder = Path(export_dir) / str(year) / safe_name(CONSOLIDATED_FOLDER)
    folder.mkdir(parents=True, exist_ok=True)
    final = folder / safe_name(forms_zip_name(year, total).removesuffix(".zip") + f"{tag}.zip")
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".forms-", suffix=".zip.part")
    try:
        with os.fdopen(handle, "wb") as file, zipfile.ZipFile(file, "w", zipfile.ZIP_STORED) as archive:
            entries = _write_forms(session, archive, units, year, total, progress)
            _write_member(archive, NOTES_NAME, notes_text(year, entries).encode("utf-8-sig"))
        os.replace(temporary, final)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return final


def _write_forms(
    session: Session,
    archive: zipfile.ZipFile,
    units: list[YearUnit],
    year: int,
    total: int,
    progress: Callable[[int, int], None] | None,
) -> list[Entry]:
    """Each unit's form as a member of ``archive``, one unit at a time; the 说明.txt lines."""
    callers = list(session)  # the caller's objects stay in its session (held, so no id is reused)
    kept = {id(instance) for instance in callers}
    used: set[str] = {NOTES_NAME.casefold()}
    entries: list[Entry] = []
    for number, unit in enumerate(units, start=1):
        entries.append(_write_form(session, archive, unit, number, year, used))
        for instance in [instance for instance in session if id(instance) not in kept]:
            session.expunge(instance)  # bounded memory: nothing of this unit outlives it
        if progress is not None:
            progress(number, total)
    return entries


def _write_form(
    session: Session, archive: zipfile.ZipFile, unit: YearUnit, number: int, year: int, used: set[str]
) -> Entry:
    try:
        form = provided(SELF_EVALUATION_FORM)(session, unit.id, year)  # lent by kpi.evaluation
    except ValueError:  # text a workbook cannot hold (openpyxl refuses control characters)
        log.warning("no 自评表 for unit %s in the forms zip", unit.id, exc_info=True)
        return Entry(number, unit.name, None, BUILD_FAILED)
    if form is None:
        return Entry(number, unit.name, None, NO_FORM)
    member = member_name(form.name, number, used)
    _write_member(archive, member, form.data)
    return Entry(number, unit.name, member, "" if form.has_indicators else NO_INDICATORS)


def member_name(name: str, number: int, used: set[str]) -> str:
    """``name`` as a safe zip member name: no folders, no characters Windows refuses, at most
    NAME_LIMIT characters before the extension (the end, "-2023年绩效自评表", is kept), and
    prefixed with the unit's number when another member already has it. Added to ``used``,
    compared without case as Windows and macOS compare names."""
    stem, dot, extension = safe_name(name).rpartition(".")
    if not dot:
        stem, extension = extension, "xlsx"
    if len(stem) > NAME_LIMIT:
        stem = stem[: NAME_LIMIT - KEPT_END - 1] + "…" + stem[-KEPT_END:]
    base = f"{stem}.{extension}"
    candidate, again = base, 1
    while candidate.casefold() in used:
        candidate = f"{number:04d}-{base}" if again == 1 else f"{number:04d}-{again}-{base}"
        again += 1
    used.add(candidate.casefold())
    return candidate


def notes_text(year: int, entries: list[Entry]) -> str:
    """说明.txt: what the zip holds, and one line per unit of the selection (CRLF, for Notepad)."""
    forms = sum(entry.member is not None for entry in entries)
    lines = [
        f"{year}年度单位绩效自评表",
        f"生成时间：{beijing_now():%Y-%m-%d %H:%M}（北京时间）",
        f"所选单位 {len(entries)} 个，其中 {forms} 个单位的自评表在本压缩包内，{len(entries) - forms} 个无自评表。",
        "",
        "清单（序号 | 单位名称 | 文件 | 说明）：",
    ]
    for entry in entries:
        cells = [str(entry.number), _CONTROL.sub(" ", entry.unit), entry.member or "—", entry.note]
        lines.append(" | ".join(cell for cell in cells if cell))
    return "\r\n".join(lines) + "\r\n"


def _write_member(archive: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=beijing_now().timetuple()[:6])
    info.compress_type = zipfile.ZIP_STORED  # an .xlsx is already deflated: storing it is the work
    info.external_attr = 0o644 << 16
    archive.writestr(info, data)
