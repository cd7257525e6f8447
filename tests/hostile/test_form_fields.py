"""Does every form survive arbitrary text in every field, without a 5xx or a partial write?

For each form the test reads the field names off the page itself, so a field added later is
fuzzed too. A refused post (anything but the redirect that follows a save) must leave every
table exactly as it was, and say in Chinese what is wrong: every line of its error summary in
Chinese, each leading to an element that is on the page.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests import pages
from tests.conftest import AuthActions, csrf_from
from tests.hostile.conftest import fingerprint, form_fields, hostile_text

FORMS = {
    "quarter": "/units/2/2023/quarters/1",
    "monitoring": "/units/2/2023/monitoring",
    "self_evaluation": "/units/2/2023/self-evaluation",
    "indicator_settings": "/units/2/indicators/25/edit",
    "target_adjustment": "/units/2/2023/adjustments/new",
}
FUZZ = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def staff(module_app):
    client = module_app.test_client()
    AuthActions(client).login("szcc_staff")
    return client


CHINESE = re.compile(r"[\u4e00-\u9fff]")


def _summary_says_where(response) -> None:
    """The refusal's error summary: each line in Chinese, each link to an element of the page."""
    if response.mimetype != "text/html":
        return
    page = pages.parse(response)
    for line in pages.error_summary(page):
        assert CHINESE.search(line), line
    for href in page.xpath("//*[@id='error-summary']//a/@href"):
        assert href.startswith("#") and page.xpath("//*[@id=$id]", id=href[1:]), f"{href} leads nowhere"


def _hidden(html: str, name: str) -> str | None:
    match = re.search(rf'name="{name}"[^>]*value="([^"]*)"|value="([^"]*)"[^>]*name="{name}"', html)
    return (match.group(1) or match.group(2)) if match else None


@pytest.mark.parametrize("form", FORMS)
def test_any_text_in_any_field_never_fails_the_server_and_a_refusal_writes_nothing(form, module_app, staff):
    url = FORMS[form]
    page = staff.get(url)
    assert page.status_code == 200
    fields = form_fields(page.get_data(as_text=True))
    assert fields, f"{url} shows no form fields"
    engine = module_app.extensions["kpi_engine"]

    @FUZZ
    @given(data=st.data())
    def post_hostile_values(data):
        html = staff.get(url).get_data(as_text=True)
        posted = {"csrf_token": csrf_from(html), "action": "save", "reason": "核对"}
        version = _hidden(html, "version")
        if version is not None:
            posted["version"] = version
        chosen = data.draw(st.lists(st.sampled_from(fields), min_size=1, max_size=6, unique=True), label="fields")
        for name in chosen:
            posted[name] = data.draw(hostile_text, label=name)
        before = fingerprint(engine)
        response = staff.post(url, data=posted)
        assert response.status_code < 500, response.get_data(as_text=True)[:2000]
        if response.status_code != 302:
            assert fingerprint(engine) == before, f"refused post ({response.status_code}) wrote to the database"
            _summary_says_where(response)

    post_hostile_values()


@FUZZ
@given(username=hostile_text, password=hostile_text)
def test_any_text_in_the_login_form_is_refused_politely(module_app, username, password):
    client = module_app.test_client()
    token = csrf_from(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"username": username, "password": password, "csrf_token": token})
    assert response.status_code < 500
    assert response.status_code != 302, "an arbitrary password signed someone in"
    assert client.get("/units").status_code in (302, 401)
