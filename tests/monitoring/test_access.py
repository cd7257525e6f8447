"""Who may see, fill, review and download a unit's monitoring report?"""

from __future__ import annotations

import pytest

from kpi.accounts.service import create_user
from kpi.budget import service as budget
from kpi.db import make_engine, transaction
from tests.conftest import AuthActions, csrf_from
from tests.monitoring.conftest import REPORT_URL, signed_in


@pytest.fixture
def other_staff(app, sqlite_url):
    engine = make_engine(sqlite_url)
    with transaction(engine) as session:
        budget.get_or_create_unit(session, "深圳市其他单位")
        create_user(
            session, {"username": "other_staff", "password": "Other#Pass1", "role": "staff", "unit": "深圳市其他单位"}
        )
    engine.dispose()
    client = app.test_client()
    AuthActions(client).login("other_staff", "Other#Pass1")
    return client


def test_finance_can_read_and_download_but_not_change(app, ids):
    finance = signed_in(app, ids, "finance")
    page = finance.page()
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "保存草稿" not in html and "disabled" in html
    assert finance.client.get(REPORT_URL + "/workbook").status_code == 200
    token = csrf_from(finance.client.get("/account/password").get_data(as_text=True))
    assert finance.client.post(REPORT_URL, data={"csrf_token": token, "action": "save"}).status_code == 403
    assert finance.client.post(REPORT_URL + "/review/approve", data={"csrf_token": token}).status_code == 403


def test_another_units_staff_is_told_the_page_does_not_exist(other_staff):
    token = csrf_from(other_staff.get("/account/password").get_data(as_text=True))
    assert other_staff.get(REPORT_URL).status_code == 404
    assert other_staff.get(REPORT_URL + "/workbook").status_code == 404
    assert other_staff.post(REPORT_URL, data={"csrf_token": token, "action": "save"}).status_code == 404


def test_the_reviewer_reads_the_report_without_inputs_and_cannot_save(reviewer):
    html = reviewer.page().get_data(as_text=True)
    assert "保存草稿" not in html and "本报告尚未送审" in html
    assert reviewer.post({("志愿者活动数量", "value"): "3"}).status_code == 403


def test_anonymous_visitors_are_sent_to_login(client):
    response = client.get(REPORT_URL)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("url", ["/units/2/2031/monitoring", "/units/999/2023/monitoring"])
def test_a_year_or_unit_without_data_is_not_found(app, ids, url):
    assert signed_in(app, ids, "admin").client.get(url).status_code == 404


def test_every_monitoring_view_declares_its_access_rule(app):
    rules = {
        rule.endpoint: app.view_functions[rule.endpoint].access_rule
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("monitoring.")
    }
    assert rules == {
        "monitoring.report": "unit:view",
        "monitoring.save": "unit:enter",
        "monitoring.review": "unit:review",
        "monitoring.workbook": "unit:view",
    }
