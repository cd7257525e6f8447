"""The Excel round trip through the web: download, fill in, upload, preview, confirm."""

from __future__ import annotations

import io
import re
from decimal import Decimal
from urllib.parse import unquote

import pytest

from kpi.domain.entries import Band
from tests import pages
from tests.conftest import csrf_from
from tests.results_excel.helpers import (
    BUDGET,
    COUNT,
    QUALITATIVE,
    RATE,
    UNIT_NAME,
    edit_workbook,
    line_named,
    move,
    quarter_sheet,
    store,
    stored_reports,
    stored_results,
    unit_indicator,
)

BASE = "/units/2/2023/quarters"
NO_CHANGES = "上传的文件与当前数据一致，没有需要导入的修改。"
CONFIRM_FORM = "//main//form[contains(@action, '/upload/confirm')]"


def download(client, quarter=1) -> bytes:
    response = client.get(f"{BASE}/{quarter}/workbook")
    assert response.status_code == 200, response.status_code
    return response.data


def upload(client, data: bytes, quarter=1, name="填报表.xlsx"):
    token = csrf_from(client.get(f"{BASE}/{quarter}/upload").get_data(as_text=True))
    return client.post(
        f"{BASE}/{quarter}/upload",
        data={"csrf_token": token, "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def confirm(client, preview_html: str, quarter=1):
    token = re.search(r'name="token" type="hidden" value="([0-9a-f]+)"', preview_html).group(1)
    return client.post(f"{BASE}/{quarter}/upload/confirm", data={"csrf_token": csrf_from(preview_html), "token": token})


def filled_in(client, session) -> bytes:
    sheet = quarter_sheet(session)
    return edit_workbook(
        download(client),
        {
            unit_indicator(sheet, COUNT).id: {"value": 4500, "note": "=1+1"},
            unit_indicator(sheet, RATE).id: {"numerator": 450, "denominator": 900},
            unit_indicator(sheet, QUALITATIVE).id: {"band": "达成", "assessment": "职工普遍满意"},
        },
        {line_named(sheet, "基本支出").id: 300.5},
    )


def changes(page) -> list[tuple[str, str, str]]:
    """The preview's table of changes, each as (indicator / budget line, field, new value)."""
    return [
        (subject, field, new) for subject, field, _old, new in pages.rows(page, "//main//table[@class='grid changes']")
    ]


def problems(page) -> list[list[str]]:
    """The upload page's table of faults, each as [sheet, row, column, indicator / budget line, fault]."""
    return pages.rows(page, "//main//table[@class='grid narrow problems']")


def problems_heading(page) -> str:
    return pages.text(pages.one(page, "//main//section[.//table[contains(@class, 'problems')]]/h2"))


def locked_notice(page) -> str:
    """The upload page's refusal of a locked quarter (its 不能导入 notice), as its text."""
    notice = pages.one(page, "//main//section[@class='notice error']")
    assert pages.texts(notice, "./h2") == ["不能导入"]
    return pages.text(pages.one(notice, "./p"))


def offers_no_import(page) -> bool:
    """No 确认导入 anywhere on the page, and no form to confirm an import."""
    return "确认导入" not in pages.text(page) and not page.xpath(CONFIRM_FORM)


@pytest.fixture
def staff(excel_app, client, auth):
    auth.login("szcc_staff")
    return client


def test_the_workbook_downloads_with_a_chinese_filename_and_a_kept_copy(excel_app, staff):
    response = staff.get(f"{BASE}/1/workbook")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    disposition = unquote(response.headers["Content-Disposition"])
    assert f"{UNIT_NAME}-2023年一季度-填报表.xlsx" in disposition and "UTF-8''" in disposition
    kept = excel_app.config["KPI_EXPORT_DIR"] / "2023" / UNIT_NAME / f"{UNIT_NAME}-2023年一季度-填报表.xlsx"
    assert kept.read_bytes() == response.data


def test_a_filled_in_workbook_is_previewed_then_imported_on_confirmation(staff, db_session):
    preview = upload(staff, filled_in(staff, db_session))
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200
    page = pages.parse(html)
    assert pages.heading(page).endswith(" · 确认导入")
    assert pages.texts(page, CONFIRM_FORM + "//button[@class='primary']") == ["确认导入"]
    assert pages.texts(page, "//main//section/h2/span[@class='count']") == ["共 7 处"]
    changed = changes(page)
    assert (
        len(changed) == 7
        and (COUNT, "完成值", "4,500") in changed
        and ("基本支出", "执行数（万元）", "300.5") in changed
    )
    assert stored_reports(db_session) == 0  # the preview writes nothing

    done = confirm(staff, html)
    assert done.status_code == 302 and "/quarters/1" in done.headers["Location"]
    sheet = quarter_sheet(db_session)
    count = sheet.current(unit_indicator(sheet, COUNT).id)
    assert count.value == Decimal("4500") and count.note == "=1+1"
    rate = sheet.current(unit_indicator(sheet, RATE).id)
    assert (rate.numerator, rate.denominator) == (450, 900)
    assert sheet.current(unit_indicator(sheet, QUALITATIVE).id).band is Band.ACHIEVED
    assert sheet.spent(line_named(sheet, "基本支出").id) == Decimal("300.5")
    with staff.session_transaction() as session:
        assert ("success", "已导入 7 处修改。") in session["_flashes"]


def test_uploading_the_same_file_again_finds_nothing_to_import(staff, db_session):
    data = filled_in(staff, db_session)
    confirm(staff, upload(staff, data).get_data(as_text=True))
    again = pages.parse(upload(staff, data))
    assert pages.flashes(again, "info") == [NO_CHANGES]
    assert offers_no_import(again)


def test_a_freshly_downloaded_workbook_has_nothing_to_import(staff, db_session):
    store(db_session, 1, {COUNT: {"value": "10"}})
    assert pages.flashes(upload(staff, download(staff)), "info") == [NO_CHANGES]


def test_a_faulty_upload_lists_rows_and_columns_and_writes_nothing(staff, db_session):
    sheet = quarter_sheet(db_session)
    data = edit_workbook(
        download(staff),
        {
            unit_indicator(sheet, COUNT).id: {"value": -5},
            unit_indicator(sheet, QUALITATIVE).id: {"band": "很好"},
            unit_indicator(sheet, RATE).id: {"value": 50},
        },
    )
    response = upload(staff, data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    page = pages.parse(html)
    assert problems_heading(page) == "文件未导入：发现 2 处问题，未写入任何数据"
    faults = [(column, subject, fault) for _sheet, _row, column, subject, fault in problems(page)]
    assert faults == [
        ("本季度完成值", COUNT, "不能为负数"),
        ("完成等级", QUALITATIVE, "请选择：达成 / 部分达成 / 未达成"),
    ]
    assert offers_no_import(page)
    assert stored_reports(db_session) == 0 and stored_results(db_session) == 0


def test_a_workbook_of_another_quarter_is_refused(staff, db_session):
    response = upload(staff, download(staff, 2), quarter=1)
    assert response.status_code == 422
    ((*_where, fault),) = problems(response)
    assert fault.startswith(f"该文件属于 {UNIT_NAME} 2023 年二季度，与当前页面")


def test_a_file_that_is_not_xlsx_is_refused_by_the_form(staff):
    response = upload(staff, b"a,b,c", name="results.csv")
    beside_the_field = "//main//form//div[contains(@class, 'field')][.//input[@name='file']]//*[@class='error-text']"
    assert pages.texts(response, beside_the_field) == ["只能上传 .xlsx 文件（本系统下载的填报表）"]


def test_a_save_made_between_preview_and_confirmation_is_a_conflict_shown_again(staff, db_session):
    html = upload(staff, filled_in(staff, db_session)).get_data(as_text=True)
    store(db_session, 1, {BUDGET: {"note": "他人保存"}})  # someone else saves meanwhile
    conflict = confirm(staff, html)
    text = conflict.get_data(as_text=True)
    assert conflict.status_code == 409
    assert pages.flashes(text, "warning")[0].startswith("其他人已在您打开页面后保存了本季度数据")
    sheet = quarter_sheet(db_session)
    assert sheet.current(unit_indicator(sheet, COUNT).id).value is None  # nothing of this upload written
    assert confirm(staff, text).status_code == 302  # confirming the refreshed preview imports it
    sheet = quarter_sheet(db_session)
    assert sheet.current(unit_indicator(sheet, COUNT).id).value == Decimal("4500")


def test_a_locked_quarter_accepts_no_upload(staff, db_session):
    html = upload(staff, filled_in(staff, db_session)).get_data(as_text=True)
    move(db_session, 1, "submit")
    response = confirm(staff, html)
    assert response.status_code == 409 and "已锁定" in locked_notice(response)
    sheet = quarter_sheet(db_session)
    assert sheet.current(unit_indicator(sheet, COUNT).id).value is None
    page = staff.get(f"{BASE}/1/upload")
    assert page.status_code == 409 and "本季度状态为“已送审”" in locked_notice(page)


def test_a_pending_upload_belongs_to_the_user_who_made_it(excel_app, staff, auth, db_session):
    html = upload(staff, filled_in(staff, db_session)).get_data(as_text=True)
    auth.logout()
    auth.login("admin")
    token = re.search(r'name="token" type="hidden" value="([0-9a-f]+)"', html).group(1)
    form = csrf_from(staff.get(f"{BASE}/1/upload").get_data(as_text=True))
    response = staff.post(f"{BASE}/1/upload/confirm", data={"csrf_token": form, "token": token})
    assert response.status_code == 302 and response.headers["Location"].endswith("/quarters/1/upload")
    assert stored_reports(db_session) == 0


@pytest.mark.parametrize("token", ["../../secret_key", "ABC", "0" * 31, ""])
def test_a_malformed_token_is_refused(staff, token):
    form = csrf_from(staff.get(f"{BASE}/1/upload").get_data(as_text=True))
    response = staff.post(f"{BASE}/1/upload/confirm", data={"csrf_token": form, "token": token})
    assert response.status_code in (302, 400)


@pytest.mark.parametrize(
    "path",
    [
        f"{BASE}/5/workbook",
        f"{BASE}/0/upload",
        "/units/2/2099/quarters/1/workbook",
        "/units/999/2023/quarters/1/workbook",
    ],
)
def test_unknown_quarters_years_and_units_are_not_found(excel_app, client, auth, path):
    auth.login("admin")
    assert client.get(path).status_code == 404


def test_a_reviewer_may_download_but_not_upload(excel_app, client, auth):
    auth.login("szcc_reviewer")
    assert client.get(f"{BASE}/1/workbook").status_code == 200
    assert client.get(f"{BASE}/1/upload").status_code == 403


def test_signed_out_visitors_are_sent_to_log_in(excel_app, client):
    assert client.get(f"{BASE}/1/workbook").status_code == 302


def test_a_pending_upload_expires(excel_app, staff, db_session):
    html = upload(staff, filled_in(staff, db_session)).get_data(as_text=True)
    (record,) = excel_app.config["KPI_UPLOAD_DIR"].glob("*.json")
    record.write_text(re.sub(r'"created": [0-9.e+]+', '"created": 0', record.read_text("utf-8")), "utf-8")
    response = confirm(staff, html)
    assert response.status_code == 302 and response.headers["Location"].endswith("/quarters/1/upload")
    assert stored_reports(db_session) == 0
    assert list(excel_app.config["KPI_UPLOAD_DIR"].iterdir()) == []
