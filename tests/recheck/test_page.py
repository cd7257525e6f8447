"""Does the 自评表复核 page re-check several uploaded files, list the unreadable ones, and keep the result to its owner?"""

from __future__ import annotations

import io

from openpyxl import Workbook, load_workbook

from kpi.accounts.service import create_user
from kpi.db import transaction
from tests import pages
from tests.conftest import AuthActions, csrf_from
from tests.recheck.test_check_selfeval import official_form, published

PAGE = "/finance/recheck"
DOWNLOAD = "下载复核结果（Excel）"


def problems(page) -> list[str]:
    """The files the page could not re-check, each with its reason (the error box's list)."""
    box = f"//main//div[{pages.has_class('flash-error')}]"
    assert pages.texts(page, box + "/p") == ["以下文件未能复核："]
    return pages.texts(page, box + "/ul/li")


def checked_rows(page, file_name: str) -> list[list[str]]:
    """The re-checked rows of ``file_name``: 行号、三级指标、分值、年度指标值、实际完成值、表中得分、复核得分、计分说明."""
    section = (
        f"//main//section[@class='recheck'][p[@class='meta'][starts-with(normalize-space(), '文件：{file_name}')]]"
    )
    return pages.rows(page, section + "/table")


def post(client, files, preset="default", token=None):
    token = token if token is not None else csrf_from(client.get(PAGE).get_data(as_text=True))
    data = {"csrf_token": token, "preset": preset, "files": [(io.BytesIO(body), name) for name, body in files]}
    return client.post(PAGE, data=data, content_type="multipart/form-data")


def broken_form() -> bytes:
    wb = Workbook()
    wb.active.append(["三级指标", "年度指标值", "分值", "得分"])
    wb.active.append(["培训场次", "12场", "十", "10"])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_several_files_are_checked_and_the_unreadable_one_is_named_with_its_row(client, auth, tmp_path):
    auth.login("finance")
    good = official_form(tmp_path, published("11")).read_bytes()
    response = post(client, [("永德.xlsx", good), ("坏表.xlsx", broken_form()), ("说明.txt", b"hello")])
    page = pages.parse(response)
    assert response.status_code == 200
    rows = checked_rows(page, "永德.xlsx")
    assert "学生受资助人数" in [row[1] for row in rows] and "需人工判断" in [row[6] for row in rows]
    listed = problems(page)
    assert "坏表.xlsx：第 2 行（分值，C列）：“十”不是数字" in listed
    assert "说明.txt：只能上传 .xlsx 文件" in listed
    link = pages.links(page)[DOWNLOAD]
    assert link.startswith("/finance/recheck/")
    download = client.get(link)
    assert download.status_code == 200
    sheet = load_workbook(io.BytesIO(download.data)).worksheets[0]
    assert [cell.value for cell in sheet[3]][:3] == ["行号", "三级指标", "分值"]
    assert sheet["B4"].value == "学生受资助人数" and sheet["F4"].data_type == "n"
    assert "计分方案：默认（财预〔2020〕10号）（default）" in sheet["A2"].value  # the scheme in words


def test_the_schemes_are_offered_by_their_chinese_titles(client, auth):
    auth.login("finance")
    page = pages.parse(client.get(PAGE))
    options = {o.get("value"): o.text_content() for o in page.xpath("//main//select[@name='preset']/option")}
    assert options["printed-points"] == "按表列分值（printed-points）"
    assert options["default"] == "默认（财预〔2020〕10号）（default）"
    assert page.xpath("//main//select[@name='preset']/option[@selected]/@value") == ["printed-points"]


def test_nothing_readable_is_a_422_with_every_reason_and_no_download(client, auth):
    auth.login("finance")
    response = post(client, [("坏表.xlsx", broken_form())])
    page = pages.parse(response)
    assert response.status_code == 422 and any("“十”不是数字" in problem for problem in problems(page))
    assert "下载复核结果" not in pages.text(page)
    assert page.xpath("//a[starts-with(@href, '/finance/recheck/')]") == []  # no link to a result either


def test_no_file_and_no_csrf_token_are_refused(client, auth):
    auth.login("finance")
    assert post(client, []).status_code == 400
    assert problems(post(client, [])) == ["请选择至少一个自评表文件（.xlsx）。"]
    assert post(client, [("x.xlsx", b"x")], token="").status_code == 400


def test_a_result_is_downloaded_only_by_whoever_made_it(app, client, auth, tmp_path):
    auth.login("finance")
    page = post(client, [("永德.xlsx", official_form(tmp_path, published("11")).read_bytes())])
    link = pages.links(page)[DOWNLOAD]
    assert link.startswith("/finance/recheck/")
    with transaction(app.extensions["kpi_engine"]) as session:
        create_user(session, {"username": "finance2", "password": "Finance#Pass2", "role": "finance"})
    other = app.test_client()
    AuthActions(other).login("finance2", "Finance#Pass2")
    assert other.get(link).status_code == 404
    assert other.get("/finance/recheck/../../etc/passwd").status_code == 404
