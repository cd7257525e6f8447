"""Who may see, fill, review and download a unit's monitoring report?"""

from __future__ import annotations

import pytest

from kpi.accounts.service import create_user
from kpi.budget import service as budget
from kpi.db import make_engine, transaction
from tests import pages
from tests.conftest import AuthActions, csrf_from
from tests.monitoring.conftest import REPORT_URL, signed_in

FORM = "//main//form[" + pages.has_class("monitoring-form") + "]"
CONTROLS = FORM + "//*[self::input[not(@type='hidden')] or self::textarea or self::select or self::button]"


def no_save_button(response) -> None:
    """保存草稿 is nowhere on the whole page: not in the bytes sent, its text, an attribute or a comment; no button saves."""
    assert "保存草稿" not in response.get_data(as_text=True)
    page = pages.parse(response)
    assert "保存草稿" not in pages.text(page)
    assert page.xpath("//@*[contains(., '保存草稿')] | //comment()[contains(., '保存草稿')]") == []
    assert page.xpath("//button[@value='save'] | //input[@type='submit'][@value='save']") == []


def read_only(page) -> None:
    """Every field of the monitoring form is shown disabled (and there are fields)."""
    controls = page.xpath(CONTROLS)
    assert controls and [c.get("name") for c in controls if c.get("disabled") is None] == []


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
    response = finance.page()
    assert response.status_code == 200
    no_save_button(response)
    read_only(pages.parse(response))
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
    response = reviewer.page()
    no_save_button(response)
    page = pages.parse(response)
    read_only(page)
    review = "//main//section[" + pages.has_class("review") + "]"
    assert pages.texts(page, review + "//p") == ["本报告尚未送审。"]
    assert page.xpath(review + "//form") == []
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
