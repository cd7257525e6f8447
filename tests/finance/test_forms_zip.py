"""Does the forms zip hold each chosen unit's official 自评表, safely named, and leave nothing behind when it fails?"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlmodel import Session

from kpi import db
from kpi.budget import service as budget
from kpi.evaluation import service as evaluation
from kpi.evaluation.workbook import NOTES_SHEET, UNIT_SHEET
from kpi.finance import forms_zip
from kpi.finance.forms_zip import NOTES_NAME, export_forms_zip, forms_zip_name, member_name
from kpi.reports import contributions
from tests.finance.gen import SEED_UNIT, SEED_UNIT_ID, YEAR, gen_unit


@pytest.fixture
def export_dir(tmp_path) -> Path:
    return tmp_path / "exports"


def folder_of(export_dir: Path) -> Path:
    return export_dir / str(YEAR) / "汇总"


def export(app, unit_ids, export_dir, **options) -> Path:
    with app.app_context(), Session(db.engine()) as session:
        return export_forms_zip(session, budget.get_year(session, YEAR), unit_ids, export_dir, **options)


def members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def unit_name_in(data: bytes) -> str:
    """The 单位名称 of a 自评表 workbook (row 4, beside its label), checking it is one."""
    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames[0] == UNIT_SHEET and wb.sheetnames[-1] == NOTES_SHEET
    sheet = wb[UNIT_SHEET]
    assert sheet.cell(row=4, column=1).value == "单位名称"
    return sheet.cell(row=4, column=2).value


def unit_id(app, name: str) -> int:
    with app.app_context(), Session(db.engine()) as session:
        return budget.get_unit(session, name).id


def test_every_unit_of_the_year_gets_its_own_official_form_in_the_desks_order(app, export_dir):
    gen_unit(app, "乙单位")
    gen_unit(app, "甲单位")
    path = export(app, None, export_dir)
    assert path == folder_of(export_dir) / forms_zip_name(YEAR, 3)
    assert path.name == f"{YEAR}年单位自评表（3个单位）.zip"
    files = members(path)
    forms = [name for name in files if name != NOTES_NAME]
    expected = sorted([SEED_UNIT, "乙单位", "甲单位"])  # the finance desk's order: by name
    assert [unit_name_in(files[name]) for name in forms] == expected
    assert forms == [f"{name}-{YEAR}年绩效自评表.xlsx" for name in expected]
    notes = files[NOTES_NAME].decode("utf-8-sig")
    assert "所选单位 3 个，其中 3 个单位的自评表在本压缩包内" in notes
    assert f"| {SEED_UNIT} | {SEED_UNIT}-{YEAR}年绩效自评表.xlsx" in notes
    assert "甲单位-2023年绩效自评表.xlsx | 未设绩效指标" in notes  # a budget line only
    assert list(folder_of(export_dir).iterdir()) == [path]  # no temporary file left


def test_the_seed_units_member_is_the_workbook_the_evaluation_page_downloads(app, export_dir, tmp_path):
    files = members(export(app, [SEED_UNIT_ID], export_dir))
    with app.app_context(), Session(db.engine()) as session:
        result = evaluation.find(session, SEED_UNIT_ID, YEAR)
        expected = load_workbook(io.BytesIO(evaluation.export_result(result, tmp_path / "single").data))
    got = load_workbook(io.BytesIO(files[f"{SEED_UNIT}-{YEAR}年绩效自评表.xlsx"]))
    assert got.sheetnames == expected.sheetnames and len(got.sheetnames) > 2  # the unit, its projects, 计分说明
    for name in got.sheetnames:
        assert [row for row in got[name].iter_rows(values_only=True)] == [
            row for row in expected[name].iter_rows(values_only=True)
        ]


def test_only_the_chosen_units_are_in_the_zip(app, export_dir):
    chosen = gen_unit(app, "丙单位")
    gen_unit(app, "丁单位")
    path = export(app, [chosen, chosen], export_dir)  # a unit chosen twice is one form
    assert path.name == forms_zip_name(YEAR, 1)
    files = members(path)
    assert sorted(files) == sorted([NOTES_NAME, f"丙单位-{YEAR}年绩效自评表.xlsx"])
    assert unit_name_in(files[f"丙单位-{YEAR}年绩效自评表.xlsx"]) == "丙单位"


@pytest.mark.parametrize(
    "unit_ids, message",
    [
        ([SEED_UNIT_ID, 987654], "单位不存在：987654"),
        ([], "请至少选择一个单位"),
        (["2"], "单位编号无效"),
    ],
)
def test_unknown_ids_and_empty_selections_are_refused_before_any_file_is_made(app, export_dir, unit_ids, message):
    with pytest.raises(ValueError, match=message):
        export(app, unit_ids, export_dir)
    assert not export_dir.exists()


def test_a_unit_without_anything_in_the_year_is_refused_by_name(app, export_dir):
    parent_only = unit_id(app, "深圳市市场监督管理局")  # a 主管部门, with no indicators or budget of its own
    with pytest.raises(ValueError, match=f"在{YEAR}年度没有绩效指标或预算.*深圳市市场监督管理局"):
        export(app, [SEED_UNIT_ID, parent_only], export_dir)
    assert not export_dir.exists()


def test_a_unit_with_nothing_to_evaluate_is_listed_not_dropped(app, export_dir):
    empty = gen_unit(app, "甲单位")
    real = contributions.provided(contributions.SELF_EVALUATION_FORM)
    contributions.provide(  # the evaluation feature finds nothing to evaluate for 甲单位
        contributions.SELF_EVALUATION_FORM, lambda s, uid, year: None if uid == empty else real(s, uid, year)
    )
    try:
        files = members(export(app, None, export_dir))
    finally:
        contributions.provide(contributions.SELF_EVALUATION_FORM, real)
    assert sorted(files) == sorted([NOTES_NAME, f"{SEED_UNIT}-{YEAR}年绩效自评表.xlsx"])
    notes = files[NOTES_NAME].decode("utf-8-sig")
    assert "其中 1 个单位的自评表在本压缩包内，1 个无自评表" in notes
    assert "| 甲单位 | — | 无可评价内容" in notes


def test_progress_counts_units_from_zero(app, export_dir):
    gen_unit(app, "甲单位")
    gen_unit(app, "乙单位")
    calls = []
    export(app, None, export_dir, progress=lambda done, total: calls.append((done, total)))
    assert calls == [(0, 3), (1, 3), (2, 3), (3, 3)]


class Stop(Exception):
    pass


def test_a_failure_half_way_leaves_no_file_behind(app, export_dir):
    gen_unit(app, "甲单位")

    def progress(done, total):
        if done == 2:
            assert len(list(folder_of(export_dir).iterdir())) == 1  # the temporary file, being written
            raise Stop

    with pytest.raises(Stop):
        export(app, None, export_dir, progress=progress)
    assert list(folder_of(export_dir).iterdir()) == []


def test_an_export_folder_that_cannot_be_written_is_an_os_error(app, tmp_path):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the export folder should be")
    with pytest.raises(OSError):
        export(app, None, blocked)
    assert blocked.read_text() == "a file where the export folder should be"


def test_a_zip_that_cannot_be_put_in_place_leaves_no_temporary_file(app, export_dir, monkeypatch):
    def refuse(source, target):
        raise PermissionError(13, "Permission denied", str(target))

    monkeypatch.setattr(forms_zip.os, "replace", refuse)
    with pytest.raises(PermissionError):
        export(app, None, export_dir)
    assert list(folder_of(export_dir).iterdir()) == []


def test_a_second_export_replaces_the_first_atomically(app, export_dir):
    first = export(app, [SEED_UNIT_ID], export_dir)
    second = export(app, [SEED_UNIT_ID], export_dir)
    assert first == second and list(folder_of(export_dir).iterdir()) == [second]
    assert zipfile.ZipFile(second).testzip() is None


HOSTILE = ["甲/乙", "甲:乙", "..", r"..\..\丙", '丁*?<>|"', "CON", "己" * 180]
CONTROL = "戊\x01\x1f单位"


def test_hostile_unit_names_give_safe_and_distinct_member_names(app, export_dir, tmp_path):
    for name in HOSTILE:
        gen_unit(app, name)
    path = export(app, None, export_dir)
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        assert len(names) == len(set(names)) == len(HOSTILE) + 2
        assert len({name.casefold() for name in names}) == len(names)
        for name in names:
            assert not any(ch in name for ch in '/\\:*?"<>|') and not name.startswith(".")
            assert len(name.encode()) <= 255
        archive.extractall(tmp_path / "out")
        assert {p.name for p in (tmp_path / "out").iterdir()} == set(names)  # all of them, nowhere else
        units = {unit_name_in(archive.read(name)) for name in names if name != NOTES_NAME}
    assert units == {SEED_UNIT, *HOSTILE}
    assert sum(name[:5] == f"{name[:4]}-" and name[:4].isdigit() for name in names) == 1  # 甲/乙 and 甲:乙 collide


def test_a_name_a_workbook_cannot_hold_is_listed_with_the_reason_and_the_rest_go_on(app, export_dir):
    gen_unit(app, CONTROL)
    files = members(export(app, None, export_dir))
    assert f"{SEED_UNIT}-{YEAR}年绩效自评表.xlsx" in files
    notes = files[NOTES_NAME].decode("utf-8-sig")
    for name in files:
        assert all(ord(ch) >= 0x20 for ch in name)
    assert "\x01" not in notes and "戊  单位" in notes
    if len(files) == 2:  # openpyxl refuses control characters in the workbook's title
        assert "| 戊  单位 | — | 自评表生成失败" in notes


@pytest.mark.parametrize(
    "name, taken, expected",
    [
        ("甲-2023年绩效自评表.xlsx", set(), "甲-2023年绩效自评表.xlsx"),
        ("甲/乙.xlsx", {"甲_乙.xlsx"}, "0007-甲_乙.xlsx"),
        ("A.xlsx", {"a.xlsx"}, "0007-A.xlsx"),
        ("甲.xlsx", {"甲.xlsx", "0007-甲.xlsx"}, "0007-2-甲.xlsx"),
        ("长" * 100 + "-2023年绩效自评表.xlsx", set(), "长" * 58 + "…-2023年绩效自评表.xlsx"),
    ],
)
def test_member_names(name, taken, expected):
    used = set(taken)
    assert member_name(name, 7, used) == expected and expected.casefold() in used


def test_the_callers_session_keeps_its_objects_and_lets_the_units_go(app, export_dir):
    for index in range(3):
        gen_unit(app, f"单位{index}")
    with app.app_context(), Session(db.engine()) as session:
        fiscal_year = budget.get_year(session, YEAR)
        export_forms_zip(session, fiscal_year, None, export_dir)
        assert list(session) == [fiscal_year]
        assert fiscal_year.year == YEAR
