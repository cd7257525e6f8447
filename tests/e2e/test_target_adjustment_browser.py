"""Can a 目标调整 go from staff through the reviewer to the finance bureau in a real browser,
and does every report page show its approval history?

With KPI_SCREENSHOT_DIR set, the walk also saves the README's screenshots there.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.e2e.conftest import login

pytestmark = pytest.mark.e2e

UNIT, YEAR = 2, 2023
ADJUSTMENTS = f"/units/{UNIT}/{YEAR}/adjustments"
QUARTER = f"/units/{UNIT}/{YEAR}/quarters/1"
INDICATOR = "投诉调解辅助服务"


def shoot(page, name: str) -> None:
    folder = os.environ.get("KPI_SCREENSHOT_DIR")
    if folder:
        page.screenshot(path=str(Path(folder) / name), full_page=False)


def as_user(browser, base: str, username: str):
    page = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 768}).new_page()
    login(page, base, username)
    return page


def test_an_adjustment_is_proposed_checked_and_approved(live_server, browser):
    staff = as_user(browser, live_server, "szcc_staff")
    staff.goto(live_server + ADJUSTMENTS)
    shoot(staff, "target-tables.png")
    staff.get_by_role("link", name="申请调整").first.click()
    staff.get_by_label(f"{INDICATOR} 调整后指标值", exact=True).fill("≥17000宗")
    staff.get_by_label("调整原因").fill("受理渠道调整，投诉量下降")
    staff.get_by_label("调整依据").fill("深财预〔2023〕88号")
    staff.get_by_role("button", name="保存并提交初审").click()
    assert staff.locator("[data-status]").inner_text() == "待初审"
    url = staff.url

    reviewer = as_user(browser, live_server, "szcc_reviewer")
    reviewer.goto(url)
    reviewer.get_by_role("button", name="通过初审").click()
    assert reviewer.locator("[data-status]").inner_text() == "待批复"

    finance = as_user(browser, live_server, "finance")
    finance.goto(live_server + "/adjustments/pending")
    finance.get_by_role("link", name="第", exact=False).first.click()
    shoot(finance, "adjustment.png")
    finance.get_by_role("button", name="批复").click()
    assert finance.locator("[data-status]").inner_text() == "已批复"

    staff.goto(live_server + f"/units/{UNIT}/{YEAR}/indicators")
    row = staff.locator("tr", has_text=INDICATOR).first
    assert "≥17000宗" in row.inner_text() and "≥19000宗" in row.inner_text()  # 调整后 beside 年初


def test_the_quarter_page_shows_its_approval_history(live_server, browser):
    staff = as_user(browser, live_server, "szcc_staff")
    staff.goto(live_server + QUARTER)
    staff.get_by_label("投诉工单审核辅助服务 本季度完成值", exact=True).fill("5200")  # not a 同一指标 row
    staff.get_by_role("button", name="送审").click()
    staff.get_by_role("button", name="确认送审").click()  # the 送审 confirmation (issue 17)
    reviewer = as_user(browser, live_server, "szcc_reviewer")
    reviewer.goto(live_server + QUARTER)
    reviewer.get_by_label("退回原因").first.fill("请附平台导出的投诉数")
    reviewer.get_by_role("button", name="退回").first.click()
    staff.goto(live_server + QUARTER)
    staff.get_by_role("button", name="送审").click()
    staff.get_by_role("button", name="确认送审").click()  # the 送审 confirmation (issue 17)
    reviewer.goto(live_server + QUARTER)
    reviewer.get_by_role("button", name="审核通过").first.click()
    reviewer.get_by_label("重新打开的原因").first.fill("财政局要求补充说明")
    reviewer.get_by_role("button", name="重新打开").first.click()

    staff.goto(live_server + QUARTER)
    history = staff.locator("section.history")
    steps = history.locator("tbody tr td:nth-child(2)").all_inner_texts()
    assert steps == ["提交", "退回", "提交", "审核通过", "重新打开"]
    assert "请附平台导出的投诉数" in history.inner_text()
    assert staff.locator(".page-head .status").inner_text() == "已重新打开"
    history.scroll_into_view_if_needed()
    shoot(staff, "approval-history.png")
