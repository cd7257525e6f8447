"""Can staff fill a quarter in a real browser, and a reviewer approve it?"""

from __future__ import annotations

import pytest

from tests.e2e.conftest import login

pytestmark = pytest.mark.e2e

QUARTER = "/units/2/2023/quarters/1"


def test_fill_with_a_wrong_value_fix_it_submit_and_approve(live_server, browser, page, tmp_path):
    login(page, live_server, "szcc_staff")
    page.goto(live_server + QUARTER)
    mediation = page.get_by_label("投诉工单审核辅助服务 本季度完成值", exact=True)
    mediation.fill("-20")
    page.get_by_label("投诉处理总成功率 分子", exact=True).fill("480")
    page.get_by_label("投诉处理总成功率 分母", exact=True).fill("900")
    page.get_by_label("办公设备购置的验收情况 完成等级", exact=True).select_option(label="达成")
    page.get_by_label("基本支出 本季度执行数", exact=True).fill("310.25")
    page.get_by_role("button", name="保存草稿").click()

    alert = page.locator("tr", has=mediation).locator(".error-text")
    assert alert.inner_text() == "不能为负数"
    assert page.get_by_label("投诉处理总成功率 分子", exact=True).input_value() == "480"
    assert page.get_by_label("基本支出 本季度执行数", exact=True).input_value() == "310.25"
    page.screenshot(path=str(tmp_path / "error.png"), full_page=False)

    page.get_by_label("投诉工单审核辅助服务 本季度完成值", exact=True).fill("5200")
    page.get_by_role("button", name="送审").click()
    page.get_by_role("button", name="确认送审").click()  # the 送审 confirmation (issue 17)
    assert "已送审，等待审核人审核" in page.locator(".flash").first.inner_text()
    assert page.get_by_label("投诉工单审核辅助服务 本季度完成值", exact=True).is_disabled()

    reviewer = browser.new_context(locale="zh-CN").new_page()
    login(reviewer, live_server, "szcc_reviewer")
    reviewer.goto(live_server + QUARTER)
    assert reviewer.get_by_label("投诉工单审核辅助服务 本季度完成值", exact=True).input_value() == "5200"
    reviewer.get_by_role("button", name="审核通过").first.click()
    assert "已审核通过" in reviewer.locator(".flash").first.inner_text()
    assert "审核通过" in reviewer.locator(".status").first.inner_text()
    reviewer.context.close()
