"""Do the admin's account and unit forms survive arbitrary text in every field, without a 5xx
or a partial write? (issue #17; the same attack as test_form_fields.py)

The field names are read off each page, so a field added later is fuzzed too. A refused post
(anything but the redirect that follows a change) must leave every table as it was.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import AuthActions, csrf_from
from tests.hostile.conftest import fingerprint, form_fields, hostile_text

FINANCE_ID = 3  # never the admin's own account, which the fuzz must not sign out
FORMS = {  # name: (the page the fields are read from, where they are posted)
    "new_user": ("/admin/users/new", "/admin/users/new"),
    "edit_user": (f"/admin/users/{FINANCE_ID}", f"/admin/users/{FINANCE_ID}"),
    "reset_password": (f"/admin/users/{FINANCE_ID}", f"/admin/users/{FINANCE_ID}/password"),
    "set_active": (f"/admin/users/{FINANCE_ID}", f"/admin/users/{FINANCE_ID}/active"),
    "new_unit": ("/admin/units/new", "/admin/units/new"),
    "edit_unit": ("/admin/units/2", "/admin/units/2"),
}
FUZZ = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def admin(module_app):
    client = module_app.test_client()
    AuthActions(client).login("admin")
    return client


@pytest.mark.parametrize("form", FORMS)
def test_any_text_in_any_admin_field_never_fails_the_server_and_a_refusal_writes_nothing(form, module_app, admin):
    page_url, post_url = FORMS[form]
    page = admin.get(page_url)
    assert page.status_code == 200
    fields = form_fields(page.get_data(as_text=True))
    assert fields, f"{page_url} shows no form fields"
    engine = module_app.extensions["kpi_engine"]

    @FUZZ
    @given(data=st.data())
    def post_hostile_values(data):
        posted = {"csrf_token": csrf_from(admin.get(page_url).get_data(as_text=True))}
        chosen = data.draw(st.lists(st.sampled_from(fields), min_size=1, max_size=8, unique=True), label="fields")
        for name in chosen:
            posted[name] = data.draw(hostile_text, label=name)
        before = fingerprint(engine)
        response = admin.post(post_url, data=posted)
        assert response.status_code < 500, response.get_data(as_text=True)[:2000]
        changed = response.status_code == 302 or (form == "set_active" and posted.get("active") in ("0", "1"))
        if not changed:
            assert fingerprint(engine) == before, f"refused post ({response.status_code}) wrote to the database"
        assert admin.get("/admin/users").status_code == 200  # the admin is still signed in

    post_hostile_values()
