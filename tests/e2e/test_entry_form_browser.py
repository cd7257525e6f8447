"""Can people finish a long entry form in a real browser (issue 17)? The error summary links to its
fields and the focus starts at the first; 送审 asks first and lists what is still empty; the
filter hides rows and keeps what was typed; the reviewer's actions are at the top; every unit page
has the one navigation bar."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import login

pytestmark = pytest.mark.e2e

UNIT = "深圳市消费者委员会秘书处"
QUARTER = "/units/2/2023/quarters/1"
ORDER = ["绩效目标", "季度填报", "进度跟踪", "进度看板", "运行监控", "绩效自评", "目标调整"]
UNIT_PAGES = {
    "/units/2/2023/indicators": ("绩效目标", ["首页", UNIT, "2023年", "绩效目标"]),
    "/units/2/2023/quarters": ("季度填报", ["首页", UNIT, "2023年", "季度填报"]),
    QUARTER: ("季度填报", ["首页", UNIT, "2023年", "季度填报", "一季度"]),
    "/units/2/2023/progress": ("进度跟踪", ["首页", UNIT, "2023年", "进度跟踪"]),
    "/units/2/2023/dashboard": ("进度看板", ["首页", UNIT, "2023年", "进度看板"]),
    "/units/2/2023/monitoring": ("运行监控", ["首页", UNIT, "2023年", "运行监控"]),
    "/units/2/2023/self-evaluation": ("绩效自评", ["首页", UNIT, "2023年", "绩效自评"]),
    "/units/2/2023/adjustments": ("目标调整", ["首页", UNIT, "2023年", "目标调整"]),
    "/units/2/indicators/25/edit": ("绩效目标", ["首页", UNIT, "2023年", "绩效目标", "指标设置"]),
    "/units/2/indicators/25/history": ("绩效目标", ["首页", UNIT, "2023年", "绩效目标", "修改记录"]),
    "/units/2/2023/budget": ("绩效目标", ["首页", UNIT, "2023年", "绩效目标", "预算数"]),
}
SHOWN_ROWS = "sel => [...document.querySelectorAll(sel)].filter(r => !r.hidden).map(r => r.dataset.name)"


def test_the_error_summary_links_each_fault_to_its_field_and_the_focus_starts_at_the_first(live_server, page):
    login(page, live_server, "szcc_staff")
    page.goto(live_server + QUARTER)
    page.get_by_label("志愿者培训数量 本季度完成值", exact=True).fill("-3")
    page.get_by_label("315活动次数 本季度完成值", exact=True).fill("很多")
    page.get_by_label("基本支出 本季度执行数", exact=True).fill("三百")
    page.get_by_role("button", name="保存草稿").click()

    summary = page.locator("#error-summary")
    assert "有 3 处填写有误" in summary.locator("h2").inner_text()
    expect(page.locator(".flash-error")).to_have_count(0)  # the summary says it, once
    links = summary.get_by_role("link")
    texts = links.all_inner_texts()
    assert [text.split("：")[0] for text in texts] == [
        "志愿者培训数量 · 本季度完成值",
        "315活动次数 · 本季度完成值",
        "基本支出 · 本季度执行数",
    ]
    first = page.get_by_label("志愿者培训数量 本季度完成值", exact=True)
    beside = page.locator("#" + first.get_attribute("aria-describedby")).inner_text()
    assert texts[0] == f"志愿者培训数量 · 本季度完成值：{beside}"
    # The focus starts at the first field at fault.
    expect(page.get_by_label("志愿者培训数量 本季度完成值", exact=True)).to_be_focused()

    links.nth(2).click()
    expect(page.get_by_label("基本支出 本季度执行数", exact=True)).to_be_focused()
    links.nth(1).click()
    expect(page.get_by_label("315活动次数 本季度完成值", exact=True)).to_be_focused()
    assert page.get_by_label("315活动次数 本季度完成值", exact=True).input_value() == "很多"


def test_the_error_summary_links_work_without_scripts(live_server, browser):
    context = browser.new_context(locale="zh-CN", java_script_enabled=False)
    page = context.new_page()
    login(page, live_server, "szcc_staff")
    page.goto(live_server + QUARTER)
    page.get_by_label("志愿者培训数量 本季度完成值", exact=True).fill("-3")
    page.get_by_role("button", name="保存草稿").click()
    link = page.locator("#error-summary a")
    target = link.get_attribute("href")
    assert page.locator(target).get_attribute("aria-label") == "志愿者培训数量 本季度完成值"
    context.close()


def test_submit_asks_first_and_lists_the_inputs_still_empty(live_server, page):
    login(page, live_server, "szcc_staff")
    page.goto(live_server + QUARTER)
    page.get_by_label("志愿者培训数量 本季度完成值", exact=True).fill("5")
    page.get_by_role("button", name="送审").click()

    dialog = page.locator("dialog.confirm-submit")
    expect(dialog).to_be_visible()
    empty = dialog.locator(".confirm-empty li").all_inner_texts()
    assert "志愿者活动数量" in empty and "基本支出 本季度执行数" in empty
    assert "志愿者培训数量" not in empty
    assert f"以下 {len(empty)} 项尚未填写" in dialog.inner_text()

    dialog.get_by_role("button", name="取消").click()
    expect(dialog).to_be_hidden()
    page.reload()
    assert page.get_by_label("志愿者培训数量 本季度完成值", exact=True).input_value() == ""  # nothing was sent
    assert "已送审" not in page.locator(".page-head").inner_text()

    page.get_by_label("志愿者培训数量 本季度完成值", exact=True).fill("5")
    page.get_by_role("button", name="送审").click()
    dialog.get_by_role("button", name="确认送审").click()
    page.wait_for_load_state()
    assert "已送审，等待审核人审核" in page.locator(".flash").first.inner_text()
    assert page.get_by_label("志愿者培训数量 本季度完成值", exact=True).input_value() == "5"


def test_the_filter_hides_rows_by_name_and_level_and_keeps_what_was_typed(live_server, page):
    login(page, live_server, "szcc_staff")
    page.goto(live_server + QUARTER)
    rows = ".quarter-form tr[data-l1]"
    total = page.locator(rows).count()
    page.get_by_label("志愿者培训数量 本季度完成值", exact=True).fill("7")
    box = page.locator(".row-filter")
    assert box.locator(".filter-count").inner_text() == f"共 {total} 项"

    box.get_by_label("三级指标名称").fill("投诉")
    shown = page.evaluate(SHOWN_ROWS, rows)
    assert shown and all("投诉" in name for name in shown)
    assert box.locator(".filter-count").inner_text() == f"显示 {len(shown)} / {total} 项"
    assert not page.get_by_label("志愿者培训数量 本季度完成值", exact=True).is_visible()
    # The merged 一级/二级 cells follow the rows still shown.
    first = page.locator(rows + ":not([hidden])").first
    assert first.locator("th.level1").inner_text() == "产出指标"

    box.get_by_label("三级指标名称").fill("")
    box.get_by_label("一级/二级指标").select_option(label="满意度指标")
    shown = page.evaluate(SHOWN_ROWS, rows)
    assert "投诉处理消费者满意度" in shown and "志愿者培训数量" not in shown
    assert page.locator(rows + ":not([hidden]) th.level1").first.inner_text() == "满意度指标"

    box.get_by_label("一级/二级指标").select_option(label="全部")
    field = page.get_by_label("志愿者培训数量 本季度完成值", exact=True)
    assert field.is_visible() and field.input_value() == "7"
    page.get_by_role("button", name="保存草稿").click()
    assert page.get_by_label("志愿者培训数量 本季度完成值", exact=True).input_value() == "7"


@pytest.mark.parametrize(
    ("url", "rows"),
    [
        ("/units/2/2023/progress", "table.progress tr[data-l1]"),
        ("/units/2/2023/indicators", "table.indicators tr[data-l1]"),
        ("/units/2/2023/adjustments/new", "table.adjustment tr[data-l1]"),
    ],
)
def test_the_progress_and_target_tables_filter_by_name_and_level(live_server, page, url, rows):
    login(page, live_server, "szcc_staff")
    page.goto(live_server + url)
    total = page.locator(rows).count()
    box = page.locator(".row-filter")
    box.get_by_label("三级指标名称").fill("项目完成时间")
    shown = page.evaluate(SHOWN_ROWS, rows)
    assert shown and set(shown) == {"项目完成时间"} and len(shown) < total
    assert box.locator(".filter-count").inner_text() == f"显示 {len(shown)} / {total} 项"
    box.get_by_label("三级指标名称").fill("")
    box.get_by_label("一级/二级指标").select_option(label="\u3000时效指标")
    assert set(page.evaluate(SHOWN_ROWS, rows)) == {"项目完成时间"}


def test_the_reviewer_finds_the_actions_at_the_top_and_approve_is_the_positive_one(live_server, browser, page):
    login(page, live_server, "szcc_staff")
    page.goto(live_server + QUARTER)
    page.get_by_role("button", name="送审").click()
    page.locator("dialog.confirm-submit").get_by_role("button", name="确认送审").click()
    page.wait_for_load_state()

    reviewer = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 768}).new_page()
    login(reviewer, live_server, "szcc_reviewer")
    reviewer.goto(live_server + QUARTER)
    top = reviewer.locator("section.review-top")
    assert top.is_visible() and top.bounding_box()["y"] < 768  # on the first screen
    expect(reviewer.locator("section.review-bottom")).to_have_count(1)
    assert reviewer.evaluate(
        "() => !!(document.querySelector('.review-top').compareDocumentPosition("
        "document.querySelector('form.quarter-form')) & Node.DOCUMENT_POSITION_FOLLOWING)"
    )
    approve, send_back = top.get_by_role("button", name="审核通过"), top.get_by_role("button", name="退回")
    assert approve.evaluate("b => getComputedStyle(b).backgroundColor") == "rgb(21, 128, 61)"  # green
    assert send_back.evaluate("b => getComputedStyle(b).color") == "rgb(146, 64, 14)"  # amber, the caution
    approve.click()
    assert "已审核通过" in reviewer.locator(".flash").first.inner_text()
    reviewer.context.close()


@pytest.mark.parametrize("url", list(UNIT_PAGES))
def test_every_unit_page_has_the_one_navigation_bar_and_its_breadcrumbs(live_server, page, url):
    current, crumbs = UNIT_PAGES[url]
    login(page, live_server, "szcc_staff")
    page.goto(live_server + url)
    bar = page.get_by_role("navigation", name="本单位")
    expect(bar).to_have_count(1)
    assert bar.get_by_role("link").all_inner_texts() == ORDER
    assert bar.locator("[aria-current=page]").all_inner_texts() == [current]
    trail = page.get_by_role("navigation", name="当前位置")
    assert trail.locator("li").all_inner_texts() == crumbs
    assert trail.locator("[aria-current=page]").inner_text() == crumbs[-1]
    assert page.locator("nav.tabs[aria-label=页面]").count() == 0  # no second bar of pages
    who = page.locator(".topbar .who span").inner_text()
    assert who == "张敏（填报人）"  # the role once
    assert re.search(r"2023年", trail.inner_text())


def test_the_monitoring_report_has_the_same_error_summary(live_server, page):
    login(page, live_server, "szcc_staff")
    page.goto(live_server + "/units/2/2023/monitoring")
    page.get_by_label("志愿者培训数量 7月完成值", exact=True).fill("-5")
    page.get_by_label("基本支出 7月执行数", exact=True).fill("很多")
    page.get_by_role("button", name="保存草稿").click()

    links = page.locator("#error-summary").get_by_role("link")
    # all_inner_texts() reads the page as it is: wait for the answer to the save to be shown
    # (on a loaded machine it was read before the new page had its summary).
    expect(links).to_have_count(2)
    assert [text.split("：")[0] for text in links.all_inner_texts()] == [
        "基本支出 · 7月执行数",
        "志愿者培训数量 · 7月完成值",
    ]
    expect(page.get_by_label("基本支出 7月执行数", exact=True)).to_be_focused()
    links.nth(1).click()
    expect(page.get_by_label("志愿者培训数量 7月完成值", exact=True)).to_be_focused()
