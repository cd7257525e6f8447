"""Do the progress page and the dashboard show statuses, charts and budget execution to the right people?"""

from __future__ import annotations

import re

from lxml.html import HtmlElement

from kpi.accounts.service import create_user
from kpi.budget import service as budget
from kpi.db import make_engine, transaction
from tests import pages
from tests.progress.gen import gen_quarter

PROGRESS = "/units/2/2023/progress"
DASHBOARD = "/units/2/2023/dashboard"
META = "//main//div[@class='page-head']/p[@class='meta']"
QUARTERS = "//main//nav[@class='quarters']"
UNIT_TABLE = "//main//section[starts-with(normalize-space(h2), '单位整体')]/table[contains(@class, 'progress')]"
BUDGET = "//main//section[normalize-space(h2)='预算执行（万元）']/table"
CHARTS = "//main//section[@class='charts']/figure/svg"
SVG = "http://www.w3.org/2000/svg"


def enter_first_half(app):
    gen_quarter(
        app,
        1,
        {
            "投诉调解辅助服务": {"value": "5000"},
            "投诉工单审核辅助服务": {"value": "1200"},
            "干部职工满意度": {"band": "未达成"},
        },
        spending={"市场监督管理事务": "300", "信息化类": "10"},
        submit=True,
    )
    gen_quarter(app, 2, {"投诉调解辅助服务": {"value": "4500"}, "项目完成时间": {"achieved_on": "2023-06-30"}})


def html_of(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def unit_row(page, name):
    """The row of indicator `name` in the 单位整体 table (its name cell's first line, before the project)."""
    return pages.one(page, f"{UNIT_TABLE}/tbody/tr[td[@class='name'][normalize-space(text()[1])='{name}']]")


def cell(page, name, header):
    """The text of the cell under `header` on the row of indicator `name` in the 单位整体 table (its
    一级 and 二级 are merged header cells, on the first row of their run only: the row's td cells
    are the columns from 三级指标 on)."""
    headers = pages.texts(page, f"{UNIT_TABLE}/thead/tr/th")
    return pages.texts(unit_row(page, name), "./td")[headers.index(header) - headers.index("三级指标")]


def chip(html, name):
    """The status chip on the row of indicator `name` in the 单位整体 table: (status, title, text)."""
    span = pages.one(unit_row(html, name), "./td/span[contains(concat(' ', @class, ' '), ' chip ')]")
    status = re.fullmatch(r"chip chip-(\w+)", span.get("class"))
    assert status, span.get("class")
    return status.group(1), span.get("title"), pages.text(span)


def absent(page, words):
    """`words` are nowhere on the whole page: not in its text, an attribute or a comment."""
    root = page if isinstance(page, HtmlElement) else pages.parse(page)
    assert words not in pages.text(root), words
    assert root.xpath("//@*[contains(., $w)] | //comment()[contains(., $w)]", w=words) == [], words


def tiles(page):
    """The dashboard's tiles: each label → the figure below it."""
    section = pages.one(page, "//main//section[@class='tiles']")
    return {
        pages.text(pages.one(tile, "./span[@class='tile-label']")): pages.text(pages.one(tile, "./strong"))
        for tile in section.xpath("./div[contains(@class, 'tile')]")
    }


def test_progress_page_shows_each_indicators_quarters_status_and_working(app, client, auth):
    enter_first_half(app)
    auth.login("szcc_staff")
    page = pages.parse(html_of(client, PROGRESS))
    assert pages.heading(page) == "深圳市消费者委员会秘书处 · 2023 年度绩效目标进度跟踪"
    assert pages.text(pages.one(page, META)) == "截至 2023 年二季度末（6 个月，时间进度 50.00%）"
    headers = pages.texts(page, f"{UNIT_TABLE}/thead/tr/th")
    for header in ("三级指标", "指标值", "一季度", "四季度", "累计/最新", "完成率", "应完成", "状态", "全年预测"):
        assert header in headers, header
    status, why, text = chip(page, "投诉调解辅助服务")
    assert (status, text) == ("green", "绿") and "9,500" in why
    assert chip(page, "投诉工单审核辅助服务")[::2] == ("red", "红")  # 1,200 of 7,000 at half time
    assert chip(page, "干部职工满意度")[::2] == ("red", "红")
    assert chip(page, "志愿者活动数量")[::2] == ("none", "未填报")
    assert cell(page, "投诉调解辅助服务", "累计/最新") == "9,500宗"
    assert cell(page, "投诉调解辅助服务", "全年预测") == "19,000宗"
    assert pages.texts(unit_row(page, "投诉调解辅助服务"), "./td[@class='why']/details/summary") == ["依据"]
    # the 单位整体 table and the projects' own tables
    assert len(page.xpath("//main//table[contains(@class, 'progress')]/tbody/tr[@data-aggregation]")) == 80
    # The levels merged as on the published table: each run of 一级 and of 二级 is one cell.
    level1 = page.xpath(f"{UNIT_TABLE}/tbody/tr/th[@class='level1']")
    assert [pages.text(th) for th in level1] == ["产出指标", "效益指标", "满意度指标"]
    assert sum(int(th.get("rowspan")) for th in level1) == 67
    level2 = page.xpath(f"{UNIT_TABLE}/tbody/tr/th[@class='level2']")
    assert sum(int(th.get("rowspan")) for th in level2) == 67 and len(level2) > len(level1)


def test_progress_page_shows_budget_execution_against_time_progress(app, client, auth):
    enter_first_half(app)
    auth.login("szcc_staff")
    page = pages.parse(html_of(client, PROGRESS))
    lines = {row[0]: row[1:] for row in pages.rows(page, BUDGET)}
    # 全年预算数、执行数、执行率、时间进度
    assert lines["市场监督管理事务"][:4] == ["1,371.00", "300.00", "21.88%", "50.00%"]
    assert pages.texts(page, f"{BUDGET}/tbody/tr[contains(@class, 'total')]/td[1]") == ["项目支出合计", "合计"]
    warning = pages.one(page, f"{BUDGET}/tbody/tr[td[1]='信息化类']/td/span[contains(@class, 'chip')]")
    assert (warning.get("class"), pages.text(warning)) == ("chip chip-red", "红")  # 10 of 273 at half time


def test_quarter_selector_links_every_quarter_and_shows_its_report_status(app, client, auth):
    enter_first_half(app)
    auth.login("szcc_staff")
    page = pages.parse(html_of(client, PROGRESS + "?quarter=1"))
    assert pages.text(pages.one(page, META)) == "截至 2023 年一季度末（3 个月，时间进度 25.00%）"
    current = pages.one(page, f"{QUARTERS}/a[@aria-current='true']")
    assert (pages.text(current), current.get("class"), current.get("href")) == (
        "一季度（已送审）",
        "current",
        PROGRESS + "?quarter=1",
    )
    assert pages.links(page, QUARTERS) == {
        "一季度（已送审）": PROGRESS + "?quarter=1",
        "二季度（草稿）": PROGRESS + "?quarter=2",
        "三季度（未填报）": PROGRESS + "?quarter=3",
        "四季度（未填报）": PROGRESS + "?quarter=4",
    }
    status, why, _text = chip(page, "投诉调解辅助服务")
    assert status == "green" and "5,000" in why


def test_bad_quarter_unknown_unit_or_year_is_a_chinese_404(client, auth):
    auth.login("finance")
    for url in [
        PROGRESS + "?quarter=5",
        PROGRESS + "?quarter=x",
        "/units/999/2023/progress",
        "/units/2/1999/progress",
        "/units/1/2023/dashboard",
        "/units/2/1999/dashboard",
    ]:
        response = client.get(url)
        assert response.status_code == 404, url
        page = pages.parse(response)
        assert pages.heading(page) == "出错了（404）", url
        assert pages.texts(page, "//main//section[contains(@class, 'notice')]/p[1]") == ["页面不存在，或您无权查看。"]


def test_staff_of_another_unit_gets_404_for_both_pages(client, auth, sqlite_url):
    engine = make_engine(sqlite_url)
    with transaction(engine) as session:
        budget.get_or_create_unit(session, "深圳市其他单位")
        create_user(
            session, {"username": "other_staff", "password": "Other#Pass1", "role": "staff", "unit": "深圳市其他单位"}
        )
    engine.dispose()
    auth.login("other_staff", "Other#Pass1")
    for url in (PROGRESS, DASHBOARD):
        response = client.get(url)
        assert response.status_code == 404
        absent(response, "投诉调解辅助服务")


def test_signed_out_visitors_are_sent_to_the_login_page(client):
    assert client.get(PROGRESS).status_code == 302
    assert client.get(DASHBOARD).status_code == 302


def test_finance_bureau_and_reviewer_read_both_pages(client, auth):
    for user in ("finance", "szcc_reviewer"):
        auth.login(user)
        assert client.get(PROGRESS).status_code == 200
        assert client.get(DASHBOARD).status_code == 200
        auth.logout()


def test_dashboard_shows_tiles_three_accessible_charts_and_the_lagging_table(app, client, auth):
    enter_first_half(app)
    auth.login("szcc_staff")
    html = html_of(client, DASHBOARD)
    page = pages.parse(html)
    charts = page.xpath(CHARTS)
    assert len(charts) == 3 and len(page.xpath("//svg")) == 3
    for chart in charts:
        assert (chart.get("xmlns"), chart.get("class"), chart.get("role")) == (SVG, "chart", "img")
        assert chart.get("aria-label")
    assert "<script" not in html  # the markup as sent: no script of any kind, not even a stray tag
    assert page.xpath("//script | //@*[starts-with(name(), 'on')]") == []
    assert pages.texts(page, f"{CHARTS}/title") == [
        "各一级指标平均完成率",
        "各预算项目执行率与时间进度",
        "指标状态分布",
    ]
    # green: 投诉调解辅助服务, 项目完成时间 and 项目支出金额 (310 万元 within 1,663)
    assert tiles(page)["绿色指标"] == "3"
    assert tiles(page)["红色指标"] == "2"
    assert tiles(page)["总体执行率"] == "10.55%"  # 310 ÷ 2,939
    lagging = pages.texts(
        page, "//main//section[starts-with(normalize-space(h2), '进度滞后的指标')]//tbody/tr/td[@class='name']"
    )
    assert lagging == ["干部职工满意度", "投诉工单审核辅助服务"]


def test_pages_without_any_report_say_so(client, auth):
    auth.login("szcc_staff")
    assert pages.text(pages.one(html_of(client, PROGRESS), META)) == "尚无季度填报数据"
    page = pages.parse(html_of(client, DASHBOARD))
    lagging = pages.one(page, "//main//section[starts-with(normalize-space(h2), '进度滞后的指标')]")
    assert pages.texts(lagging, "./p[@class='muted']") == ["没有黄色或红色的指标。"] and not lagging.xpath(".//table")
    assert "指标状态分布" in pages.texts(page, f"{CHARTS}/title")


def test_a_page_viewed_again_shows_a_figure_saved_in_between(app, client, auth):
    """Nothing is remembered between views: a new figure, or another as-of quarter, shows at once."""
    enter_first_half(app)
    auth.login("szcc_staff")
    first = pages.parse(html_of(client, PROGRESS))
    assert cell(first, "投诉调解辅助服务", "累计/最新") == "9,500宗"
    gen_quarter(app, 2, {"投诉调解辅助服务": {"value": "6500"}})
    again = pages.parse(html_of(client, PROGRESS))
    assert cell(again, "投诉调解辅助服务", "累计/最新") == "11,500宗"
    absent(again, "9,500宗")
    assert chip(again, "投诉调解辅助服务")[0] == "green"
    as_of_first = pages.parse(html_of(client, PROGRESS + "?quarter=1"))
    assert cell(as_of_first, "投诉调解辅助服务", "累计/最新") == "5,000宗"
    absent(as_of_first, "11,500宗")
