"""Do the progress page and the dashboard show statuses, charts and budget execution to the right people?"""

from __future__ import annotations

import re

from kpi.accounts.service import create_user
from kpi.budget import service as budget
from kpi.db import make_engine, transaction
from tests.progress.gen import gen_quarter

PROGRESS = "/units/2/2023/progress"
DASHBOARD = "/units/2/2023/dashboard"


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


def chip(html, name):
    """The status chip on the row of indicator `name` in the 单位整体 table."""
    row = re.search(
        r'<tr data-status="[^"]+"[^>]*>(?:(?!</tr>).)*?<td class="name">' + re.escape(name) + r"[<]"
        r"(?:(?!</tr>).)*</tr>",
        html,
        re.S,
    )
    assert row, name
    return re.search(r'<span class="chip chip-(\w+)" title="([^"]*)">([^<]+)</span>', row.group(0)).groups()


def test_progress_page_shows_each_indicators_quarters_status_and_working(app, client, auth):
    enter_first_half(app)
    auth.login("szcc_staff")
    html = html_of(client, PROGRESS)
    assert "深圳市消费者委员会秘书处 · 2023 年度绩效目标进度跟踪" in html
    assert "截至 2023 年二季度末" in html
    for header in ("三级指标", "指标值", "一季度", "四季度", "累计/最新", "完成率", "应完成", "状态", "全年预测"):
        assert f">{header}<" in html
    status, why, text = chip(html, "投诉调解辅助服务")
    assert (status, text) == ("green", "绿") and "9,500" in why
    assert chip(html, "投诉工单审核辅助服务")[::2] == ("red", "红")  # 1,200 of 7,000 at half time
    assert chip(html, "干部职工满意度")[::2] == ("red", "红")
    assert chip(html, "志愿者活动数量")[::2] == ("none", "未填报")
    assert "9,500宗" in html and "19,000宗" in html and "<details><summary>依据</summary>" in html
    assert html.count('data-aggregation="') == 80  # the 单位整体 table and the projects' own tables


def test_progress_page_shows_budget_execution_against_time_progress(app, client, auth):
    enter_first_half(app)
    auth.login("szcc_staff")
    html = html_of(client, PROGRESS)
    section = html[html.index("预算执行（万元）") :]
    assert re.search(
        r"市场监督管理事务</td>\s*<td class=\"num\">1,371.00</td>\s*<td class=\"num\">300.00</td>\s*"
        r"<td class=\"num\">21.88%</td>\s*<td class=\"num\">50.00%</td>",
        section,
    )
    assert "项目支出合计" in section and "合计" in section
    assert 'class="chip chip-red"' in section  # 信息化类: 10 of 273 at half time


def test_quarter_selector_links_every_quarter_and_shows_its_report_status(app, client, auth):
    enter_first_half(app)
    auth.login("szcc_staff")
    html = html_of(client, PROGRESS + "?quarter=1")
    assert "截至 2023 年一季度末" in html
    assert re.search(r'quarter=1" class="current" aria-current="true">一季度<small>（已送审）', html)
    assert "二季度<small>（草稿）" in html and "四季度<small>（未填报）" in html
    status, why, _text = chip(html, "投诉调解辅助服务")
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
        assert "页面不存在" in response.get_data(as_text=True)


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
        assert "投诉调解辅助服务" not in response.get_data(as_text=True)


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
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" aria-label="') == 3
    assert "<script" not in html
    for title in ("各一级指标平均完成率", "各预算项目执行率与时间进度", "指标状态分布"):
        assert f"<title>{title}</title>" in html
    # green: 投诉调解辅助服务, 项目完成时间 and 项目支出金额 (310 万元 within 1,663)
    assert re.search(r'tile-label">绿色指标</span>\s*<strong>3</strong>', html)
    assert re.search(r'tile-label">红色指标</span>\s*<strong>2</strong>', html)
    assert re.search(r'tile-label">总体执行率</span>\s*<strong>10.55%</strong>', html)  # 310 ÷ 2,939
    lagging = html[html.index("进度滞后的指标") :]
    assert lagging.index("干部职工满意度") < lagging.index("投诉工单审核辅助服务")


def test_pages_without_any_report_say_so(client, auth):
    auth.login("szcc_staff")
    assert "尚无季度填报数据" in html_of(client, PROGRESS)
    html = html_of(client, DASHBOARD)
    assert "没有黄色或红色的指标" in html and "<title>指标状态分布</title>" in html


def test_a_page_viewed_again_shows_a_figure_saved_in_between(app, client, auth):
    """Nothing is remembered between views: a new figure, or another as-of quarter, shows at once."""
    enter_first_half(app)
    auth.login("szcc_staff")
    first = html_of(client, PROGRESS)
    assert "9,500宗" in first
    gen_quarter(app, 2, {"投诉调解辅助服务": {"value": "6500"}})
    again = html_of(client, PROGRESS)
    assert "11,500宗" in again and "9,500宗" not in again
    assert chip(again, "投诉调解辅助服务")[0] == "green"
    as_of_first = html_of(client, PROGRESS + "?quarter=1")
    assert "5,000宗" in as_of_first and "11,500宗" not in as_of_first
