"""HTTP security headers and the idle session timeout (README, "Security").

The Content-Security-Policy allows no inline or third-party script at all: the
pages use none (charts are server-drawn SVG), so an injected <script> cannot run.
"""
from __future__ import annotations

from datetime import timedelta

from flask import Flask, session

CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",  # SVG charts carry style attributes; styles cannot run code
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def init_app(app: Flask, idle_minutes: int) -> None:
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(minutes=idle_minutes)
    app.config["SESSION_REFRESH_EACH_REQUEST"] = True

    @app.before_request
    def _idle_timeout():
        # A permanent session expires `idle_minutes` after the last request, since
        # every request refreshes the cookie: an idle desk is signed out.
        session.permanent = True

    @app.after_request
    def _headers(response):
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        return response
