"""Login rate limits (Flask-Limiter), per address and per account name.

The per-account lockout on the user row (service.authenticate) stops guessing one
password; these limits also slow a spray across many accounts from one address.
With several processes, point KPI_RATELIMIT_STORAGE at a shared store
(e.g. redis://127.0.0.1:6379/0): the default memory:// counts per process.
"""
from __future__ import annotations

from flask import Flask, render_template, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

limiter = Limiter(key_func=get_remote_address, default_limits=[])

PER_ADDRESS = "20 per minute"
PER_ACCOUNT = "10 per minute"


def init_app(app: Flask, storage_uri: str) -> None:
    app.config.setdefault("RATELIMIT_STORAGE_URI", storage_uri)
    # Tests sign in hundreds of times a minute; they enable the limiter where they test it.
    app.config.setdefault("RATELIMIT_ENABLED", not app.testing)
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    limiter.init_app(app)

    @app.errorhandler(429)
    def too_many_requests(_error):
        message = "登录尝试过于频繁，请稍后再试。如忘记密码，请联系管理员重置。"
        return render_template("error.html", code=429, message=message), 429


def account_key() -> str:
    """The account name being tried (case-folded), so one name is limited from any address."""
    return "account:" + (request.form.get("username") or "").strip().lower()[:100]


def login_limits(view):
    """Both limits, on POST only (viewing the login page is never limited)."""
    view = limiter.limit(PER_ADDRESS, methods=["POST"])(view)
    return limiter.limit(PER_ACCOUNT, key_func=account_key, methods=["POST"])(view)
