"""Do hostile files get a clear Chinese refusal or a safe import, through the web and the CLI?

Never a 500, never a partial write, never a formula stored where a value belongs.
"""

from __future__ import annotations

import io
import re
import tracemalloc

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from sqlmodel import Session

from kpi.results.workbook import ENTRY_SHEET, input_column
from tests import pages
from tests.conftest import AuthActions, csrf_from
from tests.hostile import files
from tests.hostile.conftest import fingerprint
from tests.results_excel.helpers import (
    COUNT,
    UNIT_NAME,
    edit_workbook,
    quarter_sheet,
    row_of,
    unit_indicator,
)
from tests.results_excel.test_import_results_command import HEADER, gen_results_xlsx

BASE = "/units/2/2023/quarters/1"


@pytest.fixture(scope="module")
def staff(module_app):
    client = module_app.test_client()
    AuthActions(client).login("szcc_staff")
    return client


@pytest.fixture(scope="module")
def fill_in(staff) -> bytes:
    return staff.get(f"{BASE}/workbook").data


def upload(client, data: bytes, name="填报表.xlsx"):
    token = csrf_from(client.get(f"{BASE}/upload").get_data(as_text=True))
    return client.post(
        f"{BASE}/upload",
        data={"csrf_token": token, "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def confirm(client, preview_html: str):
    token = re.search(r'name="token" type="hidden" value="([0-9a-f]+)"', preview_html).group(1)
    return client.post(f"{BASE}/upload/confirm", data={"csrf_token": csrf_from(preview_html), "token": token})


def cell_ref(data: bytes, indicator_id: int, field: str) -> str:
    ws = load_workbook(io.BytesIO(data))[ENTRY_SHEET]
    return f"{get_column_letter(input_column(field))}{row_of(ws, indicator_id)}"


def count_id(module_app) -> int:
    with Session(module_app.extensions["kpi_engine"]) as session:
        return unit_indicator(quarter_sheet(session), COUNT).id


PROBLEMS = "//main//table[" + pages.has_class("problems") + "]"
NOT_IMPORTED = "文件未导入：发现 1 处问题，未写入任何数据"


def problems(page) -> list[list[str]]:
    """The upload page's table of problems (results_excel/upload.html): 工作表、行、列、指标 / 预算项目、问题."""
    assert pages.texts(page, PROBLEMS + "/ancestor::section[1]/h2") == [NOT_IMPORTED]
    return pages.rows(page, PROBLEMS)


def error_page(page) -> tuple[str, str]:
    """The heading and the message of the error page (error.html)."""
    notice = pages.one(page, "//main/section[" + pages.has_class("notice") + "]")
    return pages.heading(page), pages.text(notice.xpath("./p")[0])


def no_preview(page) -> None:
    """Nothing was offered for import: no list of changes, no 确认导入 button."""
    assert (
        page.xpath("//main//table[" + pages.has_class("changes") + "] | //button[normalize-space()='确认导入']") == []
    )


HOSTILE = {
    "not_xlsx": lambda valid: b"%PDF-1.4 definitely not a workbook",
    "truncated": lambda valid: valid[: len(valid) // 2],
    "zip_bomb": lambda valid: files.zip_bomb(),
    "million_rows": lambda valid: files.with_million_rows(valid, ENTRY_SHEET),
    "macro": files.with_macro,
    "old_xls": lambda valid: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 4096,
}
# What the problems table says of each (a pattern for the whole 问题 cell).
REFUSALS = {
    "not_xlsx": re.escape("文件不是有效的 Excel（.xlsx）文件"),
    "truncated": re.escape("文件不是有效的 Excel（.xlsx）文件，或文件已损坏"),
    "zip_bomb": r"文件解压后过大：约 \d+ MB，超过 \d+ MB 的上限",
    "million_rows": r"文件过大：超过 \d+ MB 的上限",
    "macro": re.escape("文件包含宏（.xlsm），出于安全原因不予读取，请另存为不含宏的 .xlsx 后再上传"),
    "old_xls": re.escape("文件不是有效的 Excel（.xlsx）文件：可能是旧版 .xls 或设置了打开密码的文件，") + ".+",
}


@pytest.mark.parametrize("kind", HOSTILE)
def test_a_hostile_upload_is_refused_in_chinese_and_writes_nothing(module_app, staff, fill_in, kind):
    engine = module_app.extensions["kpi_engine"]
    before = fingerprint(engine)
    response = upload(staff, HOSTILE[kind](fill_in))
    assert 400 <= response.status_code < 500, response.status_code
    page = pages.parse(response)
    ((sheet, row, column, subject, message),) = problems(page)
    assert (sheet, row, column, subject) == (ENTRY_SHEET, "", "", ""), (sheet, row, column, subject)
    assert re.fullmatch(REFUSALS[kind], message), message
    no_preview(page)
    assert fingerprint(engine) == before


def test_an_uploaded_note_over_2000_characters_is_refused_with_its_row_and_writes_nothing(module_app, staff, fill_in):
    before = fingerprint(module_app.extensions["kpi_engine"])
    response = upload(staff, edit_workbook(fill_in, {count_id(module_app): {"value": 10, "note": "长" * 2001}}))
    assert response.status_code == 422
    row = row_of(load_workbook(io.BytesIO(fill_in))[ENTRY_SHEET], count_id(module_app))
    page = pages.parse(response)
    assert problems(page) == [[ENTRY_SHEET, str(row), "说明", COUNT, "说明过长（最多 2000 字）"]]
    no_preview(page)
    assert fingerprint(module_app.extensions["kpi_engine"]) == before


def test_a_macro_workbook_by_its_own_name_is_refused_by_the_form(module_app, staff, fill_in):
    before = fingerprint(module_app.extensions["kpi_engine"])
    response = upload(staff, files.with_macro(fill_in), name="填报表.xlsm")
    assert response.status_code == 400
    page = pages.parse(response)
    assert pages.field_errors(page, "file") == ["只能上传 .xlsx 文件（本系统下载的填报表）"]
    assert page.xpath(PROBLEMS) == []
    no_preview(page)
    assert fingerprint(module_app.extensions["kpi_engine"]) == before


def test_an_upload_over_the_size_limit_gets_the_friendly_413_page(make_app, sqlite_url):
    app = make_app(sqlite_url, MAX_CONTENT_LENGTH=64 * 1024)
    client = app.test_client()
    AuthActions(client).login("szcc_staff")
    response = upload(client, b"\0" * (128 * 1024))
    assert response.status_code == 413
    assert error_page(pages.parse(response)) == ("出错了（413）", "上传的文件过大。")


def test_an_external_link_is_not_followed_and_the_file_reads_as_usual(module_app, staff, fill_in):
    response = upload(staff, files.with_external_link(fill_in))
    assert response.status_code == 200
    page = pages.parse(response)
    assert pages.flashes(page, "info") == ["上传的文件与当前数据一致，没有需要导入的修改。"]
    assert page.xpath(PROBLEMS) == []
    no_preview(page)


def test_a_formula_cell_imports_its_cached_value_never_the_formula(module_app, staff, fill_in):
    indicator = count_id(module_app)
    note, value = cell_ref(fill_in, indicator, "note"), cell_ref(fill_in, indicator, "value")
    data = files.with_cell(
        fill_in, ENTRY_SHEET, note, files.formula_cell(note, 'HYPERLINK("http://x","点")', "备注4321")
    )
    data = files.with_cell(data, ENTRY_SHEET, value, files.formula_cell(value, "SUM(1,2)", "4321"))
    preview = upload(staff, data)
    assert preview.status_code == 200
    assert confirm(staff, preview.get_data(as_text=True)).status_code == 302
    with Session(module_app.extensions["kpi_engine"]) as session:
        entry = quarter_sheet(session).current(indicator)
    assert (entry.value, entry.note) == (4321, "备注4321")


def test_a_formula_saved_without_its_value_is_refused_by_its_cell_and_keeps_the_stored_figure(module_app, staff):
    """The attack: a formula with no cached value read as blank and cleared a stored 50 to （空）."""
    indicator = count_id(module_app)
    stored = staff.get(f"{BASE}/workbook").data
    preview = upload(staff, edit_workbook(stored, {indicator: {"value": 50}}))
    assert confirm(staff, preview.get_data(as_text=True)).status_code == 302
    current = staff.get(f"{BASE}/workbook").data
    value = cell_ref(current, indicator, "value")
    before = fingerprint(module_app.extensions["kpi_engine"])
    response = upload(
        staff, files.with_cell(current, ENTRY_SHEET, value, files.formula_cell(value, "SUM(20,30)", None))
    )
    assert response.status_code == 422
    row = row_of(load_workbook(io.BytesIO(current))[ENTRY_SHEET], indicator)
    ((sheet, row_shown, column, subject, message),) = problems(pages.parse(response))
    assert (sheet, row_shown, column, subject) == (ENTRY_SHEET, str(row), "本季度完成值", COUNT)
    assert message.startswith(f"单元格 {value} 是公式，但文件里没有保存它的计算结果"), message
    assert fingerprint(module_app.extensions["kpi_engine"]) == before
    with Session(module_app.extensions["kpi_engine"]) as session:
        assert quarter_sheet(session).current(indicator).value == 50


HEAVY_PARTS = {
    "styles": (files.with_styles_bloat, "单元格格式超过 65000 个"),
    "shared_strings": (lambda data: files.with_shared_strings_bloat(data, 400_000), "共享文本超过 300000 个"),
    "doctype": (files.with_doctype, "含有 DTD 声明"),
}


@pytest.mark.parametrize("kind", HEAVY_PARTS)
def test_a_part_that_would_cost_gigabytes_to_parse_is_refused_before_openpyxl_reads_it(
    module_app, staff, fill_in, kind
):
    """The attack: a 2 MB upload whose styles.xml held 1,000,000 <xf> took 2.1 GB to read."""
    build, message = HEAVY_PARTS[kind]
    data = build(fill_in)
    before = fingerprint(module_app.extensions["kpi_engine"])
    tracemalloc.start()
    try:
        response = upload(staff, data)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert response.status_code == 422, response.status_code
    ((sheet, row, column, subject, problem),) = problems(pages.parse(response))
    assert (sheet, row, column, subject) == (ENTRY_SHEET, "", "", "")
    assert problem.startswith("文件结构异常：") and message in problem, problem
    assert peak < 4 * len(data) + 32 * 1024 * 1024, f"{peak / 1e6:.0f} MB at peak"  # the upload's bytes, not a parse
    assert fingerprint(module_app.extensions["kpi_engine"]) == before


# --- the CLI (kpi import-results) ---------------------------------------------------------------


def import_results(module_app, path):
    return module_app.test_cli_runner().invoke(args=["kpi", "import-results", str(path)])


@pytest.mark.parametrize("kind", ["not_xlsx", "truncated", "zip_bomb", "million_rows", "macro", "external_link"])
def test_the_cli_refuses_a_hostile_results_file_in_chinese_and_writes_nothing(module_app, tmp_path, kind):
    valid = gen_results_xlsx(tmp_path / "valid.xlsx", [[UNIT_NAME, 2023, "Q1", COUNT, 5200, "说明"]]).read_bytes()
    build = {
        **HOSTILE,
        "million_rows": lambda v: files.with_million_rows(v, "指标完成情况"),
        "external_link": files.with_external_link,
    }[kind]
    path = tmp_path / ("source.xlsm" if kind == "macro" else "source.xlsx")
    path.write_bytes(build(valid))
    engine = module_app.extensions["kpi_engine"]
    before = fingerprint(engine)
    result = import_results(module_app, path)
    if kind == "external_link":
        assert result.exit_code == 0, result.output  # the link is dropped (keep_links=False), the data is fine
        return
    assert result.exit_code != 0 and isinstance(result.exception, SystemExit), result.output
    assert "错误：" in result.output and "Traceback" not in result.output
    assert fingerprint(engine) == before


def test_the_cli_accepts_a_csv_saved_by_chinese_excel_in_gbk(module_app, tmp_path):
    rows = [",".join(HEADER), f"{UNIT_NAME},2023,Q2,{COUNT},6100,二季度集中调解"]
    path = tmp_path / "results.csv"
    path.write_bytes("\r\n".join(rows).encode("gbk"))
    result = import_results(module_app, path)
    assert result.exit_code == 0, result.output
    with Session(module_app.extensions["kpi_engine"]) as session:
        entry = quarter_sheet(session, 2).current(count_id(module_app))
    assert entry is not None and entry.note == "二季度集中调解"


def test_the_cli_refuses_a_note_over_2000_characters_and_writes_nothing(module_app, tmp_path):
    path = gen_results_xlsx(tmp_path / "long.xlsx", [[UNIT_NAME, 2023, "Q3", COUNT, 100, "长" * 2001]])
    engine = module_app.extensions["kpi_engine"]
    before = fingerprint(engine)
    result = import_results(module_app, path)
    assert result.exit_code != 0 and "过长" in result.output, result.output
    assert fingerprint(engine) == before
