"""Does the first page show the seeded indicator table, grouped by level, in Chinese?"""

from __future__ import annotations

import re


def follow_home(client, auth):
    """本单位指标 (/start) opens the unit's newest target table (/ is the 待办 page)."""
    auth.login("szcc_staff")
    response = client.get("/start")
    assert response.status_code == 302
    return client.get(response.headers["Location"])


def test_home_opens_the_seeded_units_2023_table(client, auth):
    page = follow_home(client, auth)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '<html lang="zh-CN">' in html
    assert "深圳市消费者委员会秘书处 · 2023 年度绩效目标" in html
    assert "共 67 项" in html
    assert "主管部门：深圳市市场监督管理局" in html
    assert "投诉调解辅助服务" in html and "≥19000宗" in html
    assert html.count('data-kind="') == 67


def test_levels_are_merged_cells_over_their_rows(client, auth):
    html = follow_home(client, auth).get_data(as_text=True)
    assert re.search(r'rowspan="55" class="level1">产出指标', html)
    assert re.search(r'rowspan="44" class="level2">数量指标', html)
    assert re.search(r'rowspan="4" class="level2">服务对象满意度指标', html)


def test_budget_block_and_goal_are_shown(client, auth):
    html = follow_home(client, auth).get_data(as_text=True)
    assert "年度总体目标" in html and "通过为消费者提供消费信息和咨询服务" in html
    for name, amount in [("基本支出", "1,276"), ("市场监督管理事务", "1,371"), ("信息化类", "273")]:
        assert name in html and amount in html


def test_project_tab_shows_that_projects_own_targets(client, auth):
    html = follow_home(client, auth).get_data(as_text=True)
    link = re.search(r'href="([^"]+project=\d+)"[^>]*>修缮维护类<', html).group(1)
    page = client.get(link.replace("&amp;", "&"))
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "办公场所维修次数" in body and "投诉调解辅助服务" not in body


def test_unknown_unit_year_or_project_is_a_chinese_404(client, auth):
    auth.login("finance")
    for url in ["/units/999/2023/indicators", "/units/1/1999/indicators", "/units/2/2023/indicators?project=9999"]:
        response = client.get(url)
        assert response.status_code == 404
        assert "页面不存在" in response.get_data(as_text=True)


def test_units_page_lists_the_unit(client, auth):
    auth.login("finance")
    html = client.get("/units").get_data(as_text=True)
    assert "深圳市消费者委员会秘书处" in html and "2023 年" in html


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
