"""Can the admin create an account and reset a password in a real browser, and does a reset
password have to be changed before anything else? (issue #17)"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import login

pytestmark = pytest.mark.e2e

UNIT_NAME = "深圳市消费者委员会秘书处"
INDICATORS = "/units/2/2023/indicators"


def new_page(browser):
    return browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 768}).new_page()


def test_the_admin_creates_an_account_that_then_signs_in(live_server, browser):
    admin = new_page(browser)
    login(admin, live_server, "admin")
    admin.goto(live_server + "/admin/users")
    admin.get_by_role("link", name="新建用户").click()
    admin.get_by_label("用户名", exact=True).fill("chen_staff")
    admin.get_by_label("姓名（显示名称）").fill("陈静")
    admin.get_by_label("角色").select_option(label="填报人（staff）")
    admin.get_by_label("初始密码").fill("weak")
    admin.get_by_label("确认密码").fill("weak")
    admin.get_by_role("button", name="创建用户").click()
    # Refused beside each field, with what was typed kept.
    expect(admin.get_by_text("填报人必须指定所属单位")).to_be_visible()
    expect(admin.get_by_text("密码至少 8 位")).to_be_visible()
    assert admin.get_by_label("用户名", exact=True).input_value() == "chen_staff"
    assert admin.get_by_label("姓名（显示名称）").input_value() == "陈静"

    admin.get_by_label("所属单位（填报人、审核人必填）").select_option(label=UNIT_NAME)
    admin.get_by_label("初始密码").fill("Chen#2024start")
    admin.get_by_label("确认密码").fill("Chen#2024start")
    admin.get_by_label("首次登录时须修改密码").uncheck()
    admin.get_by_role("button", name="创建用户").click()
    expect(admin.get_by_text("已创建用户 chen_staff（填报人）。")).to_be_visible()

    admin.goto(live_server + "/admin/users")
    admin.get_by_role("searchbox").fill("陈静")
    admin.get_by_role("button", name="查找").click()
    assert admin.get_by_role("link", name="chen_staff").is_visible()
    assert admin.get_by_role("cell", name=UNIT_NAME).is_visible()

    newcomer = new_page(browser)
    login(newcomer, live_server, "chen_staff", "Chen#2024start")
    assert "/login" not in newcomer.url
    expect(newcomer.get_by_text("陈静").first).to_be_visible()
    newcomer.goto(live_server + INDICATORS)
    assert newcomer.url.endswith(INDICATORS)


def test_a_reset_password_must_be_changed_at_the_next_sign_in(live_server, browser):
    staff = new_page(browser)
    login(staff, live_server, "szcc_staff")
    staff.goto(live_server + INDICATORS)
    assert staff.url.endswith(INDICATORS)

    admin = new_page(browser)
    login(admin, live_server, "admin")
    admin.goto(live_server + "/admin/users?q=szcc_staff")
    admin.get_by_role("link", name="szcc_staff").click()
    admin.get_by_label("临时密码").fill("Reset#2024tmp")
    admin.get_by_label("确认密码").fill("Reset#2024tmp")
    admin.get_by_role("button", name="重置密码").click()
    expect(admin.get_by_text("已重置 szcc_staff 的密码；该用户下次登录时须修改密码。")).to_be_visible()

    staff.reload()  # the open session ended with the reset
    assert "/login" in staff.url
    login(staff, live_server, "szcc_staff", "Reset#2024tmp")
    assert staff.url.endswith("/account/password")
    expect(staff.get_by_text("管理员为您设置了临时密码").first).to_be_visible()

    # No way round it: a typed URL, a link in the header.
    staff.goto(live_server + INDICATORS)
    assert staff.url.endswith("/account/password")
    staff.locator("header nav a").first.click()
    staff.wait_for_load_state()
    assert staff.url.endswith("/account/password")

    staff.get_by_label("当前密码").fill("Reset#2024tmp")
    staff.get_by_label("新密码", exact=True).fill("Reset#2024tmp")
    staff.get_by_label("确认新密码").fill("Reset#2024tmp")
    staff.get_by_role("button", name="保存").click()
    expect(staff.get_by_text("新密码不能与当前密码相同")).to_be_visible()

    staff.get_by_label("当前密码").fill("Reset#2024tmp")
    staff.get_by_label("新密码", exact=True).fill("Mine#2024own")
    staff.get_by_label("确认新密码").fill("Mine#2024own")
    staff.get_by_role("button", name="保存").click()
    expect(staff.get_by_text("密码已修改。")).to_be_visible()
    staff.goto(live_server + INDICATORS)
    assert staff.url.endswith(INDICATORS)

    admin.reload()
    expect(admin.get_by_text("下次登录须修改密码")).to_have_count(0)
