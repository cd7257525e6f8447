"""Can a person open the system in a real browser and read the unit's targets?"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def test_browser_shows_the_grouped_table_and_switches_to_a_project(signed_in, page, tmp_path):
    base = signed_in("szcc_staff")
    assert page.locator("h1").inner_text() == "待办"  # signing in lands on what is due
    page.goto(base + "/start")  # 本单位指标: the unit's newest table
    assert page.title().startswith("深圳市消费者委员会秘书处 2023 年绩效目标")
    expect(page.locator("table.indicators tbody tr")).to_have_count(67)
    assert page.get_by_role("rowheader", name="数量指标").is_visible()
    row = page.locator("tr", has_text="投诉调解辅助服务")
    assert "≥19000宗" in row.inner_text()
    assert "市场监督管理事务" in row.inner_text()
    page.screenshot(path=str(tmp_path / "indicators.png"), full_page=True)

    page.get_by_role("link", name="信息化类").click()
    page.wait_for_url("**project=*")
    assert page.get_by_role("link", name="信息化类").get_attribute("aria-current") == "page"
    assert page.locator("tr", has_text="重新构建及升级平台数量").count() == 1
    assert page.locator("tr", has_text="投诉调解辅助服务").count() == 0
