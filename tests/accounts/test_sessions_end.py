"""Does a sign-in end on logout, on a password change and after its absolute lifetime,
for every copy of its cookie?"""

from __future__ import annotations

import time

from tests.conftest import AuthActions, csrf_from

PAGE = "/units/2/2023/indicators"
NEW_PASSWORD = "Better#Pass9"


def copy_of(app, client):
    """A second browser holding a copy of `client`'s session cookie (as a thief would)."""
    thief = app.test_client()
    thief.set_cookie(
        app.config.get("SESSION_COOKIE_NAME", "session"),
        client.get_cookie(app.config.get("SESSION_COOKIE_NAME", "session")).value,
    )
    return thief


def signed_in(response) -> bool:
    return response.status_code == 200


def test_a_cookie_copied_before_logout_no_longer_works(app, client, auth):
    auth.login("szcc_staff")
    thief = copy_of(app, client)
    assert signed_in(thief.get(PAGE))
    auth.logout()
    refused = thief.get(PAGE)
    assert refused.status_code == 302 and "/login" in refused.headers["Location"]


def test_a_password_change_ends_every_other_copy_but_not_this_session(app, client, auth):
    auth.login("szcc_staff")
    thief = copy_of(app, client)
    html = client.get("/account/password").get_data(as_text=True)
    changed = client.post(
        "/account/password",
        data={"csrf_token": csrf_from(html), "current": "Demo@2023", "new": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert changed.status_code == 302
    assert signed_in(client.get(PAGE))  # the person who changed it carries on
    assert thief.get(PAGE).status_code == 302  # the copy is signed out


def test_a_password_reset_from_the_command_line_signs_the_account_out(app, client, auth, monkeypatch):
    auth.login("szcc_staff")
    monkeypatch.setenv("KPI_PASSWORD", NEW_PASSWORD)
    assert app.test_cli_runner().invoke(args=["kpi", "set-password", "szcc_staff"]).exit_code == 0
    assert client.get(PAGE).status_code == 302


def test_a_busy_session_still_ends_after_its_absolute_lifetime(app, client, auth):
    auth.login("szcc_staff")
    assert signed_in(client.get(PAGE))
    with client.session_transaction() as session:  # the sign-in began 8 hours and a minute ago
        session["kpi_since"] = int(time.time()) - 8 * 3600 - 60
    assert client.get(PAGE).status_code == 302
    AuthActions(client).login("szcc_staff")  # signing in again starts a new lifetime
    assert signed_in(client.get(PAGE))


def test_the_lifetime_is_configurable_and_validated(monkeypatch, make_app, sqlite_url):
    import pytest

    from kpi.config import ConfigError

    monkeypatch.setenv("KPI_SESSION_HOURS", "2")
    assert make_app(sqlite_url).config["KPI_SESSION_HOURS"] == 2
    monkeypatch.setenv("KPI_SESSION_HOURS", "forever")
    with pytest.raises(ConfigError, match="KPI_SESSION_HOURS"):
        make_app(sqlite_url)
