"""Does the first page show the seeded indicator table, grouped by level, in Chinese?"""

from __future__ import annotations

import re

from lxml.html import HtmlElement

from tests import pages

TABLE = "//main//section[starts-with(normalize-space(h2), '年度绩效指标')]/table[contains(@class, 'indicators')]"
BUDGET = "//main//section[normalize-space(h2)='预算安排（万元）']/table[contains(@class, 'budget')]"
TABS = "//main//nav[@class='tabs']"


def follow_home(client, auth):
    """本单位指标 (/start) opens the unit's newest target table (/ is the 待办 page)."""
    auth.login("szcc_staff")
    response = client.get("/start")
    assert response.status_code == 302
    return client.get(response.headers["Location"])


def indicator_row(page, name):
    """The row of indicator `name` in the indicator table (its name cell's own text, without the 设置 link)."""
    return pages.one(page, f"{TABLE}/tbody/tr[td[@class='name'][normalize-space(text()[1])='{name}']]")


def merged(page, level, name):
    """The rowspan of the merged cell of level `level` (level1, level2) called `name`: one such cell."""
    return pages.one(page, f"{TABLE}/tbody/tr/th[@class='{level}'][normalize-space()='{name}']").get("rowspan")


def absent(page, words):
    """`words` are nowhere on the whole page: not in its text, an attribute or a comment."""
    root = page if isinstance(page, HtmlElement) else pages.parse(page)
    assert words not in pages.text(root), words
    assert root.xpath("//@*[contains(., $w)] | //comment()[contains(., $w)]", w=words) == [], words


def test_home_opens_the_seeded_units_2023_table(client, auth):
    page = follow_home(client, auth)
    assert page.status_code == 200
    page = pages.parse(page)
    assert page.tag == "html" and page.get("lang") == "zh-CN"
    assert pages.heading(page) == "深圳市消费者委员会秘书处 · 2023 年度绩效目标"
    assert pages.texts(
        page, "//main//section/h2[starts-with(normalize-space(), '年度绩效指标')]/span[@class='count']"
    ) == ["共 67 项"]
    assert pages.text(pages.one(page, "//main//div[@class='page-head']/p[@class='meta']")).startswith(
        "主管部门：深圳市市场监督管理局 · "
    )
    assert pages.texts(indicator_row(page, "投诉调解辅助服务"), "./td[contains(@class, 'target')]") == ["≥19000宗"]
    assert len(page.xpath(f"{TABLE}/tbody/tr[@data-kind]")) == 67


def test_levels_are_merged_cells_over_their_rows(client, auth):
    page = pages.parse(follow_home(client, auth))
    assert merged(page, "level1", "产出指标") == "55"
    assert merged(page, "level2", "数量指标") == "44"
    assert merged(page, "level2", "服务对象满意度指标") == "4"
    assert len(page.xpath(f"{TABLE}/tbody/tr[@data-l1='产出指标']")) == 55


def test_budget_block_and_goal_are_shown(client, auth):
    page = pages.parse(follow_home(client, auth))
    goal = pages.one(page, "//main//section[@class='goal']")
    assert pages.text(pages.one(goal, "./h2")) == "年度总体目标"
    assert pages.text(pages.one(goal, "./p")).startswith("通过为消费者提供消费信息和咨询服务")
    initial = {row[0]: row[2] for row in pages.rows(page, BUDGET)}  # 任务名称 → 年初预算数
    for name, amount in [("基本支出", "1,276.00"), ("市场监督管理事务", "1,371.00"), ("信息化类", "273.00")]:
        assert initial[name] == amount, name


def test_project_tab_shows_that_projects_own_targets(client, auth):
    link = pages.links(follow_home(client, auth), TABS)["修缮维护类"]
    assert re.fullmatch(r"/units/2/2023/indicators\?project=\d+", link), link
    page = client.get(link)
    assert page.status_code == 200
    body = pages.parse(page)
    assert pages.texts(body, f"{TABS}/a[@aria-current='page']") == ["修缮维护类"]
    assert indicator_row(body, "办公场所维修次数") is not None
    absent(body, "投诉调解辅助服务")


def test_unknown_unit_year_or_project_is_a_chinese_404(client, auth):
    auth.login("finance")
    for url in ["/units/999/2023/indicators", "/units/1/1999/indicators", "/units/2/2023/indicators?project=9999"]:
        response = client.get(url)
        assert response.status_code == 404
        page = pages.parse(response)
        assert pages.heading(page) == "出错了（404）", url
        assert pages.texts(page, "//main//section[contains(@class, 'notice')]/p[1]") == ["页面不存在，或您无权查看。"]


def test_units_page_lists_the_unit(client, auth):
    auth.login("finance")
    page = pages.parse(client.get("/units"))
    years = {row[0]: row[1] for row in pages.rows(page)}  # 预算单位 → 年度
    assert years["深圳市消费者委员会秘书处"] == "2023 年"
    assert pages.links(page, "//main//table/tbody/tr[td[1]='深圳市消费者委员会秘书处']/td[2]") == {
        "2023 年": "/units/2/2023/indicators"
    }


def test_an_empty_database_still_requires_login(make_app, tmp_path):
    from kpi.db import make_engine
    from kpi.migrate import upgrade_to_head

    url = f"sqlite:///{tmp_path / 'blank.sqlite3'}"
    engine = make_engine(url)
    upgrade_to_head(engine)
    engine.dispose()
    client = make_app(url).test_client()
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_health_check_answers_without_login(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_data(as_text=True) == "ok"
