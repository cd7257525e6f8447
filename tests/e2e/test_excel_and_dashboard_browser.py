"""Can staff take the Excel round trip in a browser, and then see it on the dashboard?"""

from __future__ import annotations

import openpyxl
import pytest

from kpi.results.workbook import ENTRY_SHEET, HEADER_ROW, ID_HEADER, INPUT_HEADERS
from tests.e2e.conftest import login

pytestmark = pytest.mark.e2e

QUARTER = "/units/2/2023/quarters/1"


def fill_workbook(path, values: dict[str, str]) -> None:
    """Type values into the downloaded workbook's 本季度完成值 cells, by 三级指标 name."""
    wb = openpyxl.load_workbook(path)
    ws = wb[ENTRY_SHEET]
    headers = [cell.value for cell in ws[HEADER_ROW]]
    name_col, value_col = headers.index("三级指标") + 1, headers.index(INPUT_HEADERS["value"]) + 1
    assert headers[0] == ID_HEADER
    done = set()
    for row in range(HEADER_ROW + 1, ws.max_row + 1):
        name = ws.cell(row=row, column=name_col).value
        if name in values and name not in done:  # first occurrence: the unit-wide table
            ws.cell(row=row, column=value_col).value = values[name]
            done.add(name)
    assert done == set(values)
    wb.save(path)


def test_download_fill_upload_preview_confirm_then_dashboard(live_server, page, tmp_path):
    login(page, live_server, "szcc_staff")
    page.goto(live_server + QUARTER)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="下载填报表（Excel）").click()
    path = tmp_path / "quarter.xlsx"
    download_info.value.save_as(path)

    fill_workbook(path, {"投诉工单审核辅助服务": -3})
    page.get_by_role("link", name="上传填报表").click()
    page.locator("input[type=file]").set_input_files(str(path))
    page.get_by_role("button", name="上传并预览").click()
    problems = page.locator("table.problems")
    assert "不能为负数" in problems.inner_text()
    assert "本季度完成值" in problems.inner_text()

    fill_workbook(path, {"投诉工单审核辅助服务": 6100, "志愿者活动数量": 12})
    page.locator("input[type=file]").set_input_files(str(path))
    page.get_by_role("button", name="上传并预览").click()
    preview = page.locator("main").inner_text()
    assert "6,100" in preview and "确认导入" in preview
    page.get_by_role("button", name="确认导入").click()
    assert "已导入 2 处修改" in page.locator(".flash").first.inner_text()
    assert page.get_by_label("投诉工单审核辅助服务 本季度完成值", exact=True).input_value() == "6100"

    page.goto(live_server + "/units/2/2023/dashboard")
    assert page.locator("svg[role=img]").count() >= 3
    assert "进度看板" in page.title() or "进度看板" in page.locator("h1").inner_text()
    page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)
