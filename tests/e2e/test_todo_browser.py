"""Does each role land on its 待办 page in a real browser, with due dates and links that work?"""

from __future__ import annotations

import pytest

from tests.e2e.conftest import login

pytestmark = pytest.mark.e2e


def test_staff_land_on_what_their_unit_owes_and_follow_a_link_to_it(signed_in, page, tmp_path):
    signed_in("szcc_staff")
    assert page.locator("h1").inner_text() == "待办"
    assert "示例数据为 2023 年度" in page.locator(".todo-notice").inner_text()
    table = page.get_by_role("table", name="待办事项")
    q1 = table.locator("tr", has_text="2023 年一季度填报")
    assert "2023-04-17" in q1.inner_text() and "已逾期" in q1.inner_text()
    assert "overdue" in q1.get_attribute("class")
    # The overdue word is red, so the state never rests on the row's tint alone.
    colour = q1.locator(".overdue-word").evaluate("el => getComputedStyle(el).color")
    assert colour == "rgb(185, 28, 28)"
    assert [row.inner_text().split("\t")[0] for row in table.locator("tbody tr").all()][:2] == [
        "2023 年一季度填报",
        "2023 年二季度填报",
    ]
    page.screenshot(path=str(tmp_path / "todo-staff.png"), full_page=True)
    q1.get_by_role("link", name="2023 年一季度填报").click()
    page.wait_for_url("**/units/2/2023/quarters/1")
    assert "一季度" in page.title()


def test_a_returned_quarter_shows_its_reason_to_staff_and_a_submitted_one_waits_for_the_reviewer(live_server, browser):
    staff = browser.new_context(locale="zh-CN").new_page()
    login(staff, live_server, "szcc_staff")
    staff.goto(live_server + "/units/2/2023/quarters/1")
    staff.get_by_role("button", name="送审").first.click()
    staff.wait_for_load_state()
    dialog_confirm = staff.get_by_role("button", name="确认送审")
    if dialog_confirm.count():  # the 送审 confirmation, where the page asks for one
        dialog_confirm.click()
        staff.wait_for_load_state()

    reviewer = browser.new_context(locale="zh-CN").new_page()
    login(reviewer, live_server, "szcc_reviewer")
    row = reviewer.get_by_role("table", name="待办事项").locator("tr", has_text="2023 年一季度填报")
    assert "待审核" in row.inner_text() and "已逾期" not in row.inner_text()
    row.get_by_role("link").click()
    reviewer.wait_for_url("**/quarters/1")
    reviewer.get_by_label("退回原因").first.fill("投诉调解数据与台账不符")
    reviewer.get_by_role("button", name="退回").first.click()
    reviewer.wait_for_load_state()
    reviewer.context.close()

    staff.goto(live_server + "/")
    row = staff.get_by_role("table", name="待办事项").locator("tr", has_text="2023 年一季度填报")
    assert "已退回" in row.inner_text() and "退回原因：投诉调解数据与台账不符" in row.inner_text()
    staff.context.close()


@pytest.mark.parametrize("username", ["finance", "admin"])
def test_finance_and_admin_see_the_overdue_units_and_admin_the_gaps(signed_in, page, username):
    signed_in(username)
    assert page.locator("h1").inner_text() == "待办"
    overdue = page.get_by_role("table", name="逾期未报")
    assert overdue.locator("tr", has_text="深圳市消费者委员会秘书处").count() >= 5
    assert page.get_by_role("link", name="进入财政局工作台").is_visible()
    assert page.get_by_text("尚待设置").count() == (1 if username == "admin" else 0)
    first = overdue.locator("tbody tr").first
    link = first.get_by_role("link")
    href = link.get_attribute("href")
    link.click()
    page.wait_for_url("**" + href)
