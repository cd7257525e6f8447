"""Does the finance bureau see every unit's year, filter it, and download every workbook — and no one else?"""

from __future__ import annotations

from urllib.parse import quote

import pytest

from tests import pages
from tests.finance.gen import SEED_UNIT, SEED_UNIT_ID, gen_unit
from tests.progress.gen import gen_quarter


@pytest.fixture
def units(app):
    """The seed unit (Q1 submitted), 甲 (everything in, 优), 乙 (monitoring missing, self-evaluation awaiting review),
    丙 (a returned quarter, 差)."""
    gen_quarter(app, 1, {"投诉调解辅助服务": {"value": "5000"}}, spending={"基本支出": "300"}, submit=True)
    return {
        "甲": gen_unit(
            app,
            "甲单位",
            quarters=dict.fromkeys((1, 2, 3, 4), "approved"),
            monitoring="approved",
            evaluation="approved",
            score="95",
            grade="优",
        ),
        "乙": gen_unit(app, "乙单位", quarters={1: "submitted"}, evaluation="submitted", score="85", grade="良"),
        "丙": gen_unit(
            app, "丙单位", quarters={1: "returned"}, monitoring="submitted", evaluation="draft", score="40", grade="差"
        ),
    }


def listed(page) -> set[int]:
    """The units the desk's table lists (its rows' data-unit-id), from the page's HTML or its parsed tree."""
    return {int(unit_id) for unit_id in pages.texts(page, "//main//table//tbody/tr/@data-unit-id")}


def unit_row(page, unit_id: int):
    """The table row of one unit."""
    return pages.one(page, f"//main//table//tbody/tr[@data-unit-id='{unit_id}']")


def cells(page, unit_id: int) -> dict[str, str]:
    """One unit's row, its cells' texts by column heading (选择, 预算单位, 主管部门, …, 下载)."""
    headings = pages.texts(page, "//main//table/thead/tr/th")
    return dict(zip(headings, pages.texts(unit_row(page, unit_id), "./td"), strict=True))


def filter_form(page):
    """The GET form that filters the list (role="search")."""
    return pages.one(page, "//main//form[@role='search']")


def pager(page):
    return pages.one(page, "//main//nav[@class='pager']")


def page(client, query: str = "") -> str:
    response = client.get("/finance" + query)
    assert response.status_code == 200
    return response.get_data(as_text=True)


@pytest.mark.parametrize("user", ["finance", "admin"])
def test_finance_and_admin_see_every_unit_of_the_newest_year(client, auth, units, user):
    auth.login(user)
    html = pages.parse(page(client))
    assert pages.heading(html) == "财政局工作台 · 2023 年度"
    assert listed(html) == {SEED_UNIT_ID, *units.values()}
    assert cells(html, SEED_UNIT_ID)["预算单位"] == SEED_UNIT
    assert [cells(html, unit_id)["主管部门"] for unit_id in units.values()] == ["深圳市财政局"] * 3


def test_each_row_shows_quarters_monitoring_self_evaluation_score_grade_and_execution(client, auth, units):
    auth.login("finance")
    html = pages.parse(page(client))
    row = unit_row(html, units["甲"])
    assert pages.text(row).count("审核通过") == 6  # four quarters, monitoring, self-evaluation
    assert pages.texts(row, "./td[@data-report]/*[contains(@class, 'status')]") == ["审核通过"] * 6
    assert pages.texts(row, "./td[@data-report]/small") == ["2023-04-10"] * 6  # submitted on
    (grade,) = row.xpath("./td[@data-grade]")
    assert (grade.get("data-grade"), pages.text(grade)) == ("优", "优")
    assert cells(html, units["甲"])["自评总分"] == "95"
    seed = unit_row(html, SEED_UNIT_ID)
    assert pages.texts(seed, "./td[@data-report='q1']/*[contains(@class, 'status')]") == ["已送审"]
    assert cells(html, SEED_UNIT_ID)["执行率"] == "10.21%"  # 300 of 2,939 万元 to the end of Q1


@pytest.mark.parametrize(
    "query, expected",
    [
        ("?q=甲", {"甲"}),
        ("?q=单位", {"甲", "乙", "丙"}),
        ("?status=" + quote("未提交运行监控"), {"乙", "seed"}),
        ("?status=" + quote("自评未审核"), {"乙"}),
        ("?status=" + quote("自评已审核"), {"甲"}),
        ("?status=" + quote("有退回"), {"丙"}),
        ("?status=" + quote("季度填报未齐"), {"乙", "丙", "seed"}),
        ("?grade=" + quote("差"), {"丙"}),
        ("?grade=" + quote("未评分"), {"seed"}),
        ("?q=单位&grade=" + quote("良"), {"乙"}),
        ("?status=nonsense&grade=X", {"甲", "乙", "丙", "seed"}),  # unknown filters are ignored
    ],
)
def test_filters_narrow_the_list(client, auth, units, query, expected):
    auth.login("finance")
    ids = {**units, "seed": SEED_UNIT_ID}
    assert listed(page(client, query)) == {ids[key] for key in expected}


def test_the_filter_form_is_a_get_form_that_keeps_the_chosen_values(client, auth, units):
    auth.login("finance")
    html = pages.parse(page(client, "?q=甲&status=" + quote("有退回")))
    form = filter_form(html)
    assert (form.get("method"), form.get("action")) == ("get", "/finance")
    assert pages.texts(form, ".//input[@name='q']/@value") == ["甲"]
    assert pages.texts(form, ".//select[@name='status']/option[@selected]/@value") == ["有退回"]
    assert pages.texts(html, "//main/p[@class='muted']") == ["没有符合条件的单位。"]
    assert pages.links(html, "//main//form[@role='search']")["清除筛选"] == "/finance?year=2023"


def test_every_workbook_is_one_click_away(client, auth, units):
    auth.login("finance")
    html = pages.parse(page(client))
    assert pages.links(html)["直接下载"] == "/finance/2023/consolidated.xlsx"
    for unit_id in (SEED_UNIT_ID, *units.values()):
        assert pages.links(unit_row(html, unit_id), "./td[last()]") == {
            "进度表": f"/units/{unit_id}/2023/progress.xlsx",
            "监控表": f"/units/{unit_id}/2023/monitoring/workbook",
            "自评表": f"/units/{unit_id}/2023/self-evaluation/workbook",
        }
    consolidated = client.get("/finance/2023/consolidated.xlsx")
    assert consolidated.status_code == 200 and "attachment" in consolidated.headers["Content-Disposition"]
    progress = client.get(f"/units/{units['甲']}/2023/progress.xlsx")
    assert progress.status_code == 200 and progress.data[:2] == b"PK"
    assert client.get(f"/units/{SEED_UNIT_ID}/2023/monitoring/workbook").status_code == 200


def test_an_unknown_year_is_not_found(client, auth, units):
    auth.login("finance")
    assert client.get("/finance?year=2031").status_code == 404
    assert client.get("/finance/2031/consolidated.xlsx").status_code == 404


@pytest.mark.parametrize("user", ["szcc_staff", "szcc_reviewer"])
def test_unit_users_get_403_on_the_finance_pages_and_404_on_another_units_workbook(client, auth, units, user):
    auth.login(user)
    assert client.get("/finance").status_code == 403
    assert client.get("/finance/2023/consolidated.xlsx").status_code == 403
    assert client.get(f"/units/{units['甲']}/2023/progress.xlsx").status_code == 404
    assert client.get(f"/units/{SEED_UNIT_ID}/2023/progress.xlsx").status_code == 200


def test_signed_out_visitors_are_sent_to_login(client):
    response = client.get("/finance")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_city_is_listed_a_hundred_units_a_page_keeping_the_filters(app, client, auth, units):
    from kpi.finance.routes import UNITS_PER_PAGE
    from tests.finance.gen import gen_units

    many = set(gen_units(app, UNITS_PER_PAGE + 20))
    auth.login("finance")
    first, second = page(client, "?q=测试"), page(client, "?q=测试&page=2")
    assert len(listed(first)) == UNITS_PER_PAGE and len(listed(second)) == 20
    assert listed(first) | listed(second) == many and not listed(first) & listed(second)
    first_page, second_page = pages.parse(first), pages.parse(second)
    assert pages.texts(pager(first_page), "./span[not(@class)]") == ["第 1 / 2 页"]
    assert pages.texts(first_page, "//main/p[@class='meta']")[-1].startswith(
        "显示 120 / 124 个单位（本页第 1–100 个）。"
    )
    assert pages.texts(pager(first_page), "./a[@rel='next']/@href") == [
        "/finance?page=2&year=2023&q=%E6%B5%8B%E8%AF%95"
    ]
    assert pages.texts(pager(second_page), "./a[@rel='prev']/@href") == [
        "/finance?page=1&year=2023&q=%E6%B5%8B%E8%AF%95"
    ]
    assert second_page.xpath("//*[@rel='next']") == []
    tile = "//main//section[@class='tiles']/div[span[@class='tile-label'] = '预算单位']/strong"
    assert pages.texts(first_page, tile) == ["124"]  # every unit, not the page
    for odd in ("0", "-3", "abc", "99"):  # any page that does not exist shows the nearest one
        assert listed(page(client, f"?q=测试&page={odd}")) == (listed(second) if odd == "99" else listed(first))
    one_page = pages.parse(page(client, "?q=甲"))  # one page: no pager
    assert one_page.xpath("//@*[contains(., '分页')]") == [] and "分页" not in pages.text(one_page)
