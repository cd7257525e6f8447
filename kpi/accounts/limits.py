"""The per-address login rate limit (Flask-Limiter), and the client address every throttle keys on.

Guessing one account's password is throttled per (account, address) in the database
(kpi.accounts.throttle), which every worker shares. This limit slows a spray across many
accounts from one address. It never keys on the account alone: then anyone could keep an
owner out by trying their name 11 times a minute.

Its counters live in KPI_RATELIMIT_STORAGE. The default memory:// counts per process: 4
workers let 4 × 20 attempts a minute through, so production with several workers needs a
shared store (redis://127.0.0.1:6379/0), and gunicorn.conf.py refuses to start without one.
"""

from __future__ import annotations

import ipaddress

from flask import Flask, render_template, request
from flask_limiter import Limiter


def client_address() -> str:
    """The client's address (nginx's client with KPI_PROXY_FIX); an IPv6 address as its /64,
    because one host usually holds a whole /64 and could otherwise take a new address per guess."""
    raw = request.remote_addr or ""
    try:
        address = ipaddress.ip_address(raw)
    except ValueError:
        return raw[:64]
    if address.version == 6:
        if address.ipv4_mapped:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


limiter = Limiter(key_func=client_address, default_limits=[])

PER_ADDRESS = "20 per minute"
REDIS_SCHEMES = ("redis://", "rediss://", "redis+sentinel://", "redis+cluster://")


def init_app(app: Flask, storage_uri: str) -> None:
    app.config.setdefault("RATELIMIT_STORAGE_URI", storage_uri)
    # Tests sign in hundreds of times a minute; they enable the limiter where they test it.
    app.config.setdefault("RATELIMIT_ENABLED", not app.testing)
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    if str(app.config["RATELIMIT_STORAGE_URI"]).startswith(REDIS_SCHEMES):
        # Redis is connected to at the first request, not here. If it is down, logins must not
        # hang or fail: short timeouts, then this process's own counters until it answers again
        # (the database throttle per account and address holds either way).
        app.config.setdefault("RATELIMIT_STORAGE_OPTIONS", {"socket_connect_timeout": 1, "socket_timeout": 1})
        app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    limiter.init_app(app)

    @app.errorhandler(429)
    def too_many_requests(_error):
        message = "登录尝试过于频繁，请稍后再试。如忘记密码，请联系管理员重置。"
        return render_template("error.html", code=429, message=message), 429


def login_limits(view):
    """The per-address limit, on POST only (viewing the login page is never limited)."""
    return limiter.limit(PER_ADDRESS, methods=["POST"])(view)
