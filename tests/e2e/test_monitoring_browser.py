"""Can staff fill the mid-year monitoring report in a real browser, a reviewer approve it, and the workbook download?"""

from __future__ import annotations

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.e2e.conftest import login
from tests.monitoring.conftest import REPORT_URL, attach_monitoring
from tests.progress.gen import gen_quarter

pytestmark = pytest.mark.e2e

BUDGETS = {"基本支出": "1276", "市场监督管理事务": "1371", "信息化类": "273", "综合管理类": "17", "修缮维护类": "2"}
# July spending that keeps each project on course (green: 执行率 ≥ 80% of 时间进度, no deviation).
ON_COURSE_JULY = {"市场监督管理事务": "650", "信息化类": "130", "综合管理类": "8", "修缮维护类": "1"}


@pytest.fixture
def app(make_app, sqlite_url, tmp_path):
    built = attach_monitoring(make_app(sqlite_url))
    built.config["KPI_EXPORT_DIR"] = tmp_path / "exports"
    gen_quarter(built, 1, {"投诉调解辅助服务": {"value": "5000"}}, spending={"基本支出": "300"})
    gen_quarter(built, 2, {"投诉调解辅助服务": {"value": "4500"}}, spending={"基本支出": "320"})
    return built


def field(page, label: str):
    return page.get_by_label(label, exact=True)


def test_fill_leave_a_deviation_unexplained_fix_it_submit_approve_and_download(live_server, browser, page, tmp_path):
    # 投诉调解辅助服务 is also 市场监督管理事务's own indicator (同一指标, issue 17): it is entered
    # once, on the project's row, and the unit table's row (#ind-25) shows that row's values.
    twin = "市场监督管理事务·投诉调解辅助服务"
    login(page, live_server, "szcc_staff")
    page.goto(live_server + REPORT_URL)
    assert field(page, f"{twin} 全年预计完成值").input_value() == "16285"  # the trend, a whole number
    expect(page.locator("#ind-25 input")).to_have_count(0)
    field(page, f"{twin} 7月完成值").fill("1500")
    field(page, "志愿者活动数量 7月完成值").fill("12")
    field(page, "志愿者活动数量 全年预计完成值").fill("40")
    field(page, "基本支出 7月执行数").fill("110")
    for line, amount in ON_COURSE_JULY.items():
        field(page, f"{line} 7月执行数").fill(amount)
    for line, amount in BUDGETS.items():
        field(page, f"{line} 全年预计执行数").fill(amount)
    page.get_by_role("button", name="保存草稿").click()
    assert "已保存草稿" in page.locator(".flash").first.inner_text()

    mediation, project_row = page.locator("#ind-25"), page.locator("#ind-1")
    assert mediation.locator("td.deviation").inner_text().startswith("是")  # 11,000 → 18,857 < 19,000
    assert "1,500宗" in mediation.inner_text() and "18,857宗" in mediation.inner_text()
    assert field(page, f"{twin} 全年预计完成值").input_value() == "18857"
    page.get_by_role("button", name="送审").click()
    page.get_by_role("button", name="确认送审").click()  # the 送审 confirmation (issue 17)
    assert "有偏差，请说明原因" in project_row.inner_text()
    assert "有偏差，请选择偏差原因类别" in project_row.inner_text()
    assert field(page, f"{twin} 7月完成值").input_value() == "1500"
    page.screenshot(path=str(tmp_path / "monitoring-error.png"))

    field(page, f"{twin} 偏差原因类别").select_option("人员保障")
    field(page, f"{twin} 原因说明").fill("上半年调解员流失，=SUM(A1)")
    field(page, f"{twin} 完成目标可能性").select_option("有可能")
    field(page, f"{twin} 纠偏措施").fill("补充招聘调解员")
    page.get_by_label("年度总体目标进展及总体情况（最多 2000 字）").fill("上半年总体进展正常。")
    page.get_by_role("button", name="送审").click()
    page.get_by_role("button", name="确认送审").click()  # the 送审 confirmation (issue 17)
    assert "已送审，等待审核人审核" in page.locator(".flash").first.inner_text()
    assert field(page, f"{twin} 原因说明").is_disabled()
    assert "上半年调解员流失，=SUM(A1)" in mediation.inner_text()

    reviewer = browser.new_context(locale="zh-CN").new_page()
    login(reviewer, live_server, "szcc_reviewer")
    reviewer.goto(live_server + REPORT_URL)
    reviewer.get_by_role("button", name="审核通过").first.click()
    assert "已审核通过" in reviewer.locator(".flash").first.inner_text()
    with reviewer.expect_download() as download_info:
        reviewer.get_by_role("link", name="下载绩效运行监控表（Excel）").click()
    path = tmp_path / "monitoring.xlsx"
    download_info.value.save_as(path)
    reviewer.context.close()

    ws = load_workbook(path)["绩效运行监控表"]
    row = next(r for r in range(1, ws.max_row + 1) if ws.cell(row=r, column=3).value == "投诉调解辅助服务")
    assert ws.cell(row=row, column=5).value == 11000
    # The official columns: the cause as a tick under 人员保障 (docs/rules/layouts.md §3).
    assert [ws.cell(row=row, column=c).value for c in range(7, 16)] == [
        None,
        None,
        "√",
        None,
        None,
        "上半年调解员流失，=SUM(A1)",
        "有可能",
        "补充招聘调解员",
        None,
    ]
