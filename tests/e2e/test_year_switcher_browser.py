"""After 2023 is rolled into 2024, does the year switcher of a unit page lead, in a real browser,
to the same page for 2024, and do an admin's clicks on the 年度结转 page copy the year?"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def test_the_switcher_goes_from_2023_to_the_same_page_for_2024(runner, signed_in, page, tmp_path):
    result = runner.invoke(args=["kpi", "roll-year", "--from", "2023", "--to", "2024"])
    assert result.exit_code == 0, result.output
    base = signed_in("szcc_staff")

    for path, check in (
        ("quarters", lambda: page.get_by_role("heading", level=1).inner_text()),
        ("indicators", lambda: page.locator("h1").inner_text()),
    ):
        page.goto(f"{base}/units/2/2023/{path}")
        switcher = page.get_by_role("navigation", name="年度")
        assert switcher.get_by_role("link", name="2023 年").get_attribute("aria-current") == "page"
        assert "2023" in check()
        switcher.get_by_role("link", name="2024 年").click()
        page.wait_for_url(f"**/units/2/2024/{path}")
        assert "2024" in check()
        switched = page.get_by_role("navigation", name="年度")
        assert switched.get_by_role("link", name="2024 年").get_attribute("aria-current") == "page"

    expect(page.locator("table.indicators tbody tr")).to_have_count(67)  # the copied drafts
    page.screenshot(path=str(tmp_path / "year-switcher.png"), full_page=True)
    page.get_by_role("navigation", name="年度").get_by_role("link", name="2023 年").click()
    page.wait_for_url("**/units/2/2023/indicators")


def test_an_admin_rolls_the_year_in_the_browser_and_a_second_time_is_refused(signed_in, page, tmp_path):
    base = signed_in("admin")
    page.goto(base + "/admin/years/roll")
    assert page.get_by_label("来源年度", exact=True).input_value() == "2023"
    assert page.get_by_label("目标年度", exact=True).input_value() == "2024"
    page.get_by_label("单位", exact=True).select_option("深圳市消费者委员会秘书处")
    page.get_by_role("button", name="复制为草稿").click()
    page.wait_for_load_state()
    results = page.locator(".roll-results")
    assert (
        "深圳市消费者委员会秘书处：已复制 67 个单位整体指标、4 个项目（13 个指标）为 2024 年草稿"
        in results.inner_text()
    )

    page.get_by_role("button", name="复制为草稿").click()
    page.wait_for_load_state()
    assert "未复制，未写入任何数据" in page.get_by_role("alert").inner_text()
    page.screenshot(path=str(tmp_path / "roll-year-refused.png"), full_page=True)

    page.get_by_label("覆盖已有草稿").check()
    page.get_by_role("button", name="复制为草稿").click()
    page.wait_for_load_state()
    assert "已替换原有 80 个指标" in page.locator(".roll-results").inner_text()
    page.get_by_role("link", name="查看 2024 年草稿").click()
    page.wait_for_url("**/units/2/2024/indicators")
    expect(page.locator("table.indicators tbody tr")).to_have_count(67)
