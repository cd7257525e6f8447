"""GET /healthz: a liveness check for load balancers and the benchmark's baseline route."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint

from kpi.accounts.access import access
from kpi.db import get_session

bp = Blueprint("health", __name__)


@bp.get("/healthz")
@access("public")
def healthz():
    """'ok' when the app can reach its database; 503 otherwise."""
    try:
        get_session().execute(sa.text("SELECT 1"))
    except sa.exc.DBAPIError:
        return "database unavailable", 503, {"Content-Type": "text/plain; charset=utf-8"}
    return "ok", 200, {"Content-Type": "text/plain; charset=utf-8"}
