"""Behind nginx, does the app see the client's address and scheme only when told to trust the proxy?"""

from __future__ import annotations

from flask import request

from kpi.accounts.access import access


def remote_seen(app):
    @app.get("/_whoami")
    @access("public")
    def whoami():
        return f"{request.remote_addr} {request.scheme}"

    return (
        app.test_client()
        .get("/_whoami", headers={"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"})
        .get_data(as_text=True)
    )


def test_with_kpi_proxy_fix_the_forwarded_address_and_scheme_are_used(make_app, sqlite_url, monkeypatch):
    monkeypatch.setenv("KPI_PROXY_FIX", "1")
    assert remote_seen(make_app(sqlite_url)) == "203.0.113.9 https"


def test_without_kpi_proxy_fix_forwarded_headers_are_ignored(make_app, sqlite_url, monkeypatch):
    monkeypatch.delenv("KPI_PROXY_FIX", raising=False)
    assert remote_seen(make_app(sqlite_url)) == "127.0.0.1 http"
