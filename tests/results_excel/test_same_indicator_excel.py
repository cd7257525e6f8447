"""Is a unit-table row that is a project's indicator (同一指标) left out of every other way in?

The fill-in workbook shows the project's figure in grey, locked cells; an upload or an
import-results file that changes it is refused, naming the project, and writes nothing.
"""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from kpi.reports import style
from kpi.results.service import save, validate_input
from kpi.results.workbook import ENTRY_SHEET, build_fill_in_workbook, input_column
from kpi.results.workbook_upload import UploadRejected, read_upload
from tests.results_excel.helpers import TESTER, UNIT_NAME, edit_workbook, quarter_sheet, row_of, stored_results
from tests.results_excel.test_import_results_command import HEADER, gen_results_xlsx, run

NAME, PROJECT = "投诉调解辅助服务", "市场监督管理事务"
REFUSAL = f"本指标与项目「{PROJECT}」的同名指标为同一指标，请在该项目中填报"


def rows(sheet):
    unit_row = next(i for i in sheet.indicators if i.name == NAME and i.scope == "unit")
    return unit_row, sheet.source_of(unit_row)


def enter_on_project(session, value: str) -> None:
    sheet = quarter_sheet(session)
    _, project_row = rows(sheet)
    save(
        session,
        sheet,
        validate_input(sheet, {project_row.id: {"value": value}}, {}),
        user=TESTER,
        expected_version=None,
    )
    session.commit()


def test_the_workbook_shows_the_projects_figure_in_grey_locked_cells(db_session):
    enter_on_project(db_session, "5200")
    sheet = quarter_sheet(db_session)
    unit_row, project_row = rows(sheet)
    ws = load_workbook(io.BytesIO(build_fill_in_workbook(sheet)))[ENTRY_SHEET]
    line = row_of(ws, unit_row.id)
    value = ws.cell(row=line, column=input_column("value"))
    assert value.value == 5200 and value.style == style.NOT_APPLICABLE and value.protection.locked
    assert ws.cell(row=line, column=input_column("note")).style == style.NOT_APPLICABLE
    assert any(REFUSAL in str(cell.value) for cell in ws[line])
    mine = ws.cell(row=row_of(ws, project_row.id), column=input_column("value"))
    assert mine.value == 5200 and mine.style != style.NOT_APPLICABLE


def test_an_unchanged_workbook_uploads_with_nothing_to_change_on_the_linked_row(db_session):
    enter_on_project(db_session, "5200")
    sheet = quarter_sheet(db_session)
    unit_row, _ = rows(sheet)
    upload = read_upload(build_fill_in_workbook(sheet), sheet)
    assert unit_row.id not in upload.data.entries


def test_a_workbook_changing_the_linked_row_is_refused_naming_the_project_and_writes_nothing(db_session):
    sheet = quarter_sheet(db_session)
    unit_row, project_row = rows(sheet)
    data = edit_workbook(build_fill_in_workbook(sheet), {unit_row.id: {"value": 5200}, project_row.id: {"value": 100}})
    with pytest.raises(UploadRejected) as refused:
        read_upload(data, sheet)
    assert any(REFUSAL in problem for problem in refused.value.problems), refused.value.problems
    assert stored_results(db_session) == 0


def test_import_results_refuses_a_figure_for_the_linked_row_and_writes_nothing(cli, db_session, tmp_path):
    rows_ = [
        [UNIT_NAME, 2023, "Q1", NAME, 5200, None],  # no 项目: the unit table's row
        [UNIT_NAME, 2023, "Q1", "志愿者活动数量", 10, None],
    ]
    result = run(cli, gen_results_xlsx(tmp_path / "results.xlsx", rows_))
    assert result.exit_code != 0
    assert REFUSAL in result.output and "第 2 行" in result.output
    assert stored_results(db_session) == 0


def test_import_results_takes_the_figure_on_the_projects_row_and_the_unit_row_shows_it(cli, db_session, tmp_path):
    rows_ = [[UNIT_NAME, 2023, "Q1", NAME, 5200, None, PROJECT]]
    result = run(cli, gen_results_xlsx(tmp_path / "results.xlsx", rows_, header=[*HEADER, "项目"]))
    assert result.exit_code == 0, result.output
    sheet = quarter_sheet(db_session)
    unit_row, project_row = rows(sheet)
    assert sheet.current(unit_row.id).value == sheet.current(project_row.id).value == 5200
    assert stored_results(db_session) == 1
