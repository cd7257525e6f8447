"""Can staff change an indicator's target, aggregation rule and plan, with an audit trail?"""

from __future__ import annotations

import re

from kpi.budget import service as budget
from kpi.db import make_engine, transaction
from kpi.indicators.tables import mark_table
from tests import pages
from tests.conftest import csrf_from

URL = "/units/2/indicators/25/edit"  # 投诉调解辅助服务 ≥19000宗
FORM = "//main//form[" + pages.has_class("card") + "]"


def form_data(client, **overrides):
    html = client.get(URL).get_data(as_text=True)
    data = {
        "csrf_token": csrf_from(html),
        "version": re.search(r'name="version" type="hidden" value="(\d+)"', html).group(1),
        "target_text": "≥19000宗",
        "aggregation": "cumulative",
        "points": "",
        "reason": "",
        "plan_q1": "",
        "plan_q2": "",
        "plan_q3": "",
        "plan_q4": "",
    }
    data.update(overrides)
    return data


def draft_unit_table(url: str) -> None:
    """Make the seeded unit-wide table a draft again: before approval its targets may change directly."""
    engine = make_engine(url)
    with transaction(engine) as session:
        mark_table(session, unit_id=2, year_id=budget.get_year(session, 2023).id, budget_line_id=None, status="draft")
    engine.dispose()


def test_staff_change_target_and_plan_and_the_change_is_audited(client, auth, sqlite_url):
    draft_unit_table(sqlite_url)
    auth.login("szcc_staff")
    data = form_data(
        client,
        target_text="≥2万宗",
        plan_q1="3000",
        plan_q2="5000",
        plan_q3="6000",
        plan_q4="6000",
        reason="年中调整目标",
    )
    response = client.post(URL, data=data)
    assert response.status_code == 302
    table = pages.parse(client.get(response.headers["Location"]))
    assert pages.flashes(table, "success") == ["已保存：年度指标值、一季度计划、二季度计划、三季度计划、四季度计划"]
    row = pages.one(table, f"//main//table[{pages.has_class('indicators')}]/tbody/tr[.//a[@href='{URL}']]")
    assert pages.texts(row, "./td[contains(@class, 'target')]") == ["≥2万宗"]
    assert pages.texts(row, "./td[contains(@class, 'parsed')]") == ["数量 ≥20,000宗"]
    history = pages.rows(client.get("/units/2/indicators/25/history"))
    # 项目、原值、新值、原因 of each change
    assert ["年度指标值", "≥19000宗", "≥2万宗", "年中调整目标"] in [row[2:] for row in history]


def test_a_reason_is_required_and_bad_numbers_are_refused(client, auth):
    auth.login("szcc_staff")
    response = client.post(URL, data=form_data(client, plan_q1="-1", points="abc"))
    assert response.status_code == 200
    page = pages.parse(response)
    assert pages.field_errors(page, "reason", scope=FORM) == ["请填写修改原因"]
    assert pages.field_errors(page, "plan_q1", scope=FORM) == ["应为 0 或正数"]
    assert pages.field_errors(page, "points", scope=FORM)  # "abc" is refused too
    assert pages.one(page, f"{FORM}//input[@name='plan_q1']").get("value") == "-1"


def test_a_stale_form_is_refused(client, auth):
    auth.login("szcc_staff")
    stale = form_data(client, aggregation="level", reason="改为时点值")
    client.post(URL, data=form_data(client, aggregation="rate", reason="改为比率"))
    response = client.post(URL, data=stale, follow_redirects=True)
    assert pages.flashes(response, "error") == ["该指标已被他人修改，请刷新页面查看最新设置后再修改。"]


def test_read_only_roles_and_other_units_cannot_edit(client, auth):
    auth.login("finance")
    assert client.get(URL).status_code == 403
    auth.logout()
    auth.login("szcc_staff")
    assert client.get("/units/1/indicators/25/edit").status_code == 404


def test_not_a_number_in_points_or_a_plan_is_refused_beside_its_field_not_a_500(client, auth, sqlite_url):
    draft_unit_table(sqlite_url)
    auth.login("szcc_staff")
    for field in ("points", "plan_q1"):
        for text in ("sNaN", "NaN", "-Infinity"):
            response = client.post(URL, data=form_data(client, reason="试试", **{field: text}))
            assert response.status_code in (200, 400), (field, text)  # the form again, never a 500
            assert pages.field_errors(response, field, scope=FORM) == ["应为数字"], (field, text)
