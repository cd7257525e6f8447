"""Which forms ask before the page is left with something unsaved? Each long data-entry form
carries data-warn-unsaved, which kpi/static/js/forms.js reads (the browser behaviour itself is
tests/e2e/test_unsaved_changes_browser.py); the page loads that script; short forms (sign-in,
filters, review buttons) do not ask."""

from __future__ import annotations

import pytest

from tests import pages
from tests.conftest import AuthActions

UNIT = 2  # the seed unit
LONG_FORMS = [
    f"/units/{UNIT}/2023/quarters/1",
    f"/units/{UNIT}/2023/monitoring",
    f"/units/{UNIT}/2023/self-evaluation",
    f"/units/{UNIT}/2023/adjustments/new",
    f"/units/{UNIT}/2023/budget",
]


@pytest.mark.parametrize("path", LONG_FORMS)
def test_a_long_form_asks_before_its_page_is_left_unsaved(app, path):
    client = app.test_client()
    AuthActions(client).login("szcc_staff")
    response = client.get(path)
    assert response.status_code == 200
    page = pages.parse(response)
    assert len(page.xpath("//main//form[@data-warn-unsaved]")) == 1
    assert page.xpath("//script[contains(@src, '/static/js/forms.js')]")


def test_the_sign_in_form_and_the_finance_desks_filters_do_not_ask(app):
    client = app.test_client()
    assert not pages.parse(client.get("/login")).xpath("//form[@data-warn-unsaved]")
    AuthActions(client).login("finance")
    assert not pages.parse(client.get("/finance")).xpath("//form[@data-warn-unsaved]")
