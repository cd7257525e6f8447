"""HTTP security headers, clean input, bounded ids and the idle session timeout (README, "Security").

The Content-Security-Policy allows no inline or third-party script at all: the
pages use none (charts are server-drawn SVG), so an injected <script> cannot run.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Flask, Request, request, session
from werkzeug.datastructures import ImmutableMultiDict, iter_multi_items
from werkzeug.routing import IntegerConverter

from kpi.core.ids import MAX_ID
from kpi.core.text import clean_text

HSTS = "max-age=31536000; includeSubDomains"

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",  # SVG charts carry style attributes; styles cannot run code
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


class CleanForm(ImmutableMultiDict):
    """A query string's or form's fields with control characters cleaned (kpi.core.text), names too:
    every form, the login included, sees text that the database and the workbooks accept."""

    def __init__(self, mapping=None):
        if mapping is not None:
            mapping = [
                (clean_text(key), clean_text(value) if isinstance(value, str) else value)
                for key, value in iter_multi_items(mapping)
            ]
        super().__init__(mapping)


class CleanRequest(Request):
    parameter_storage_class = CleanForm


class IdConverter(IntegerConverter):
    """`<int:…>` in every route, bounded to what an id column holds: a larger number is a 404,
    not a driver error (PostgreSQL INTEGER ends at 2^31 − 1, SQLite's at 2^63 − 1)."""

    def __init__(
        self, url_map, fixed_digits: int = 0, min: int | None = None, max: int | None = MAX_ID, signed: bool = False
    ):
        super().__init__(url_map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def init_app(app: Flask, idle_minutes: int, *, production: bool = False) -> None:
    app.request_class = CleanRequest
    app.url_map.converters["int"] = IdConverter
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
        if production and request.is_secure:  # behind nginx, KPI_PROXY_FIX makes the scheme known
            response.headers.setdefault("Strict-Transport-Security", HSTS)
        return response
