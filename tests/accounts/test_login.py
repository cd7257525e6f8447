"""Who can sign in, and what happens when they cannot?"""

from __future__ import annotations

import pytest

from kpi.config import ConfigError
from tests import pages


def field_errors(page, name: str) -> list[str]:
    """The errors shown beside the form field called ``name`` (_field.html)."""
    field = "//main//div[" + pages.has_class("field") + f"][.//*[@name='{name}']]"
    return pages.texts(page, field + "//span[" + pages.has_class("error-text") + "]")


def error_notice(page) -> tuple[str, str]:
    """An error page (error.html): its heading, and the message under it."""
    notice = "//main//section[" + pages.has_class("notice") + "]"
    return pages.heading(page), pages.text(pages.one(page, notice + "/p[1]"))


def test_every_page_but_login_sends_anonymous_users_to_login(client):
    for url in ["/", "/units", "/units/2/2023/indicators", "/account/password"]:
        response = client.get(url)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login")
    assert client.get("/login").status_code == 200


def test_demo_staff_signs_in_and_lands_on_what_their_unit_owes(client, auth):
    response = auth.login("szcc_staff")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    home = pages.parse(client.get("/"))
    assert pages.heading(home) == "待办"
    assert pages.texts(home, "//main//section/h2") == ["深圳市消费者委员会秘书处的待办事项"]
    todo = "//main//table[@aria-label='待办事项']"
    assert pages.texts(home, todo + "//a[normalize-space()='2023 年一季度填报']/@href") == ["/units/2/2023/quarters/1"]
    assert pages.texts(home, "//header//div[@class='who']/span") == ["张敏（填报人）"]


def test_wrong_password_shows_a_chinese_message_and_keeps_the_username(client, auth):
    response = auth.login("szcc_staff", "wrong-password")
    page = pages.parse(response)
    assert response.status_code == 200
    assert field_errors(page, "password") == ["用户名或密码错误。"]
    assert pages.texts(page, "//main//form//input[@name='username']/@value") == ["szcc_staff"]


def test_repeated_failures_throttle_the_name_from_that_address(client, auth):
    for _ in range(5):
        auth.login("szcc_reviewer", "wrong-password")
    response = auth.login("szcc_reviewer")
    (error,) = field_errors(response, "password")
    assert error.startswith("登录失败次数过多，请 15 分钟后再试")
    assert client.get("/").status_code == 302


def test_login_post_without_csrf_token_is_refused(client):
    response = client.post("/login", data={"username": "szcc_staff", "password": "Demo@2023"})
    assert response.status_code == 400
    heading, message = error_notice(response)
    assert heading == "出错了（400）" and "表单校验失败" in message


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil.example"])
def test_next_never_leaves_the_site(client, target):
    from tests.conftest import csrf_from

    token = csrf_from(client.get("/login").get_data(as_text=True))
    response = client.post(
        "/login", data={"username": "szcc_staff", "password": "Demo@2023", "next": target, "csrf_token": token}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_next_returns_to_the_requested_page(client):
    from tests.conftest import csrf_from

    token = csrf_from(client.get("/login").get_data(as_text=True))
    response = client.post(
        "/login", data={"username": "finance", "password": "Demo@2023", "next": "/units", "csrf_token": token}
    )
    assert response.headers["Location"] == "/units"


def test_logout_ends_the_session(client, auth):
    auth.login("szcc_staff")
    assert auth.logout().status_code == 302
    assert client.get("/units").status_code == 302


def test_change_password_enforces_the_policy(client, auth):
    from tests.conftest import csrf_from

    auth.login("szcc_staff")
    token = csrf_from(client.get("/account/password").get_data(as_text=True))
    weak = client.post(
        "/account/password", data={"current": "Demo@2023", "new": "short", "confirm": "short", "csrf_token": token}
    )
    assert any("密码至少 8 位" in error for error in field_errors(weak, "new")), field_errors(weak, "new")
    ok = client.post(
        "/account/password",
        data={"current": "Demo@2023", "new": "Better#Pass9", "confirm": "Better#Pass9", "csrf_token": token},
    )
    assert ok.status_code == 302
    auth.logout()
    assert field_errors(auth.login("szcc_staff"), "password") == ["用户名或密码错误。"]
    assert auth.login("szcc_staff", "Better#Pass9").status_code == 302


def test_production_refuses_demo_accounts_with_default_passwords(monkeypatch, sqlite_url, make_app):
    monkeypatch.setenv("KPI_ENV", "production")
    monkeypatch.setenv("KPI_PASSWORD_PROFILE", "default")  # the cheap test hashing is refused there
    monkeypatch.setenv("KPI_SECRET_KEY", "x" * 40)
    monkeypatch.setenv("KPI_DATABASE_URL", sqlite_url)
    with pytest.raises(ConfigError, match="demo accounts"):
        make_app(sqlite_url)


def test_production_requires_a_secret_key(monkeypatch, sqlite_url, make_app):
    monkeypatch.setenv("KPI_ENV", "production")
    monkeypatch.setenv("KPI_PASSWORD_PROFILE", "default")  # the cheap test hashing is refused there
    monkeypatch.delenv("KPI_SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="KPI_SECRET_KEY"):
        make_app(sqlite_url)


def test_login_attempts_are_rate_limited_per_address_with_a_chinese_429(make_app, sqlite_url):
    from tests.conftest import AuthActions

    app = make_app(sqlite_url, RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://")
    client = app.test_client()
    statuses = [AuthActions(client).login(f"sprayed_{i}", "x").status_code for i in range(21)]
    assert statuses[:20] == [200] * 20
    assert statuses[20] == 429
    response = AuthActions(client).login("szcc_staff")
    heading, message = error_notice(response)
    assert heading == "出错了（429）" and message.startswith("登录尝试过于频繁")
    assert client.get("/login").status_code == 200  # viewing the page is never limited
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "192.0.2.80"
    assert AuthActions(other).login("szcc_staff").status_code == 302  # never per account: the owner gets in


def test_production_refuses_the_cheap_test_hashing(monkeypatch, sqlite_url, make_app):
    monkeypatch.setenv("KPI_ENV", "production")
    monkeypatch.setenv("KPI_PASSWORD_PROFILE", "cheapest")
    monkeypatch.setenv("KPI_SECRET_KEY", "x" * 40)
    with pytest.raises(ConfigError, match="KPI_PASSWORD_PROFILE"):
        make_app(sqlite_url)


def test_the_suite_hashes_cheaply_and_real_hashes_still_verify(app):
    from kpi.accounts import passwords

    assert app.config["KPI_PASSWORD_PROFILE"] == "cheapest"  # tests/conftest.py: logins cost microseconds
    cheap = passwords.hash_password("Abc#12345")
    assert "m=8," in cheap
    real = passwords.PROFILES["default"].hash("Abc#12345")
    assert passwords.verify_password(real, "Abc#12345") and passwords.verify_password(cheap, "Abc#12345")
