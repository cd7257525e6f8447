"""Do responses carry the security headers, and does an idle session expire?"""

from __future__ import annotations

import re

import pytest

from kpi.config import ConfigError


def test_every_response_forbids_inline_scripts_and_framing(client, auth):
    for response in (client.get("/login"), auth.login("szcc_staff"), client.get("/units/2/2023/indicators")):
        csp = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src", 1)[1].split(";")[0]
        assert "frame-ancestors 'none'" in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Referrer-Policy"] == "same-origin"


def test_pages_contain_no_inline_script(client, auth):
    auth.login("szcc_staff")
    for url in ["/units/2/2023/indicators", "/units/2/2023/quarters/1", "/units/2/2023/dashboard"]:
        html = client.get(url).get_data(as_text=True)
        # Scripts come only as files from our own origin (script-src 'self'): never inline.
        tags = re.findall(r"<script\b[^>]*>(.*?)</script>", html, re.S)
        assert all(not body.strip() for body in tags), "an inline script"
        assert re.findall(r"<script\b[^>]*>", html) == re.findall(r'<script src="/static/[^"]+"[^>]*>', html)
        assert "onclick=" not in html and "onload=" not in html


def test_session_cookie_is_http_only_lax_and_expires_when_idle(client, auth):
    response = auth.login("szcc_staff")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Expires=" in cookie
    assert client.application.permanent_session_lifetime.total_seconds() == 30 * 60


def test_idle_timeout_is_configurable_and_validated(monkeypatch, make_app, sqlite_url):
    monkeypatch.setenv("KPI_IDLE_MINUTES", "15")
    assert make_app(sqlite_url).permanent_session_lifetime.total_seconds() == 15 * 60
    monkeypatch.setenv("KPI_IDLE_MINUTES", "forever")
    with pytest.raises(ConfigError, match="KPI_IDLE_MINUTES"):
        make_app(sqlite_url)
