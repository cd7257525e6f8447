"""Fixtures for the monitoring tests: the app with the monitoring blueprint and `kpi export` attached.

kpi/__init__.py and kpi/cli.py register them once the feature is wired in; until then (and
harmlessly after) the fixture attaches them itself.
"""

from __future__ import annotations

import re

import pytest
from sqlmodel import Session, select

from kpi.budget.models import BudgetLine
from kpi.db import make_engine
from kpi.indicators.models import Indicator
from tests.conftest import AuthActions, csrf_from

UNIT_ID, YEAR = 2, 2023
REPORT_URL = f"/units/{UNIT_ID}/{YEAR}/monitoring"


def attach_monitoring(app):
    """Register the blueprint and `kpi export` unless the app already has them."""
    from kpi.monitoring.commands import export_group
    from kpi.monitoring.routes import bp

    if "monitoring" not in app.blueprints:
        app.register_blueprint(bp)
    kpi_group = app.cli.commands["kpi"]
    if "export" not in kpi_group.commands:
        kpi_group.add_command(export_group)
    return app


@pytest.fixture
def app(make_app, sqlite_url, tmp_path):
    built = attach_monitoring(make_app(sqlite_url))
    built.config["KPI_EXPORT_DIR"] = tmp_path / "exports"
    return built


@pytest.fixture
def ids(sqlite_url):
    """Unit-wide indicator ids by name, a project's own as "project:name", and budget line ids by name.

    A unit-wide row that is a project's indicator (同一指标, kpi/indicators/links.py) is entered on
    that project's row, so its name gives the project row's id, as tests/progress/gen.py does;
    "unit:name" gives the unit row's own id."""
    engine = make_engine(sqlite_url)
    with Session(engine) as session:
        lines = {row.name: row.id for row in session.exec(select(BudgetLine))}
        names = {line_id: name for name, line_id in lines.items()}
        indicators = {}
        for row in session.exec(select(Indicator)):
            if row.scope == "unit":
                indicators[row.name] = row.same_as_id or row.id
                indicators[f"unit:{row.name}"] = row.id
            else:
                indicators[f"{names[row.budget_line_id]}:{row.name}"] = row.id
    engine.dispose()
    return {"indicator": indicators, "line": lines}


class ReportPoster:
    """Posts the monitoring form like the browser: a fresh CSRF token and the version on the page.

    `values` maps (indicator name, field) to text and `lines` maps (line name, field) to text;
    fields not posted keep their stored values."""

    def __init__(self, client, ids):
        self.client = client
        self.ids = ids

    def page(self):
        return self.client.get(REPORT_URL)

    def post(
        self,
        values: dict | None = None,
        *,
        lines: dict | None = None,
        action: str = "save",
        version: int | None = None,
        summary: str | None = None,
        reason: str | None = None,
    ):
        html = self.page().get_data(as_text=True)
        data = {
            "csrf_token": csrf_from(html),
            "action": action,
            "version": str(version) if version is not None else version_in(html),
        }
        for (name, field), value in (values or {}).items():
            data[f"i{self.ids['indicator'][name]}-{field}"] = value
        for (name, field), value in (lines or {}).items():
            data[f"b{self.ids['line'][name]}-{field}"] = value
        if summary is not None:
            data["summary"] = summary
        if reason:
            data["reason"] = reason
        return self.client.post(REPORT_URL, data=data)

    def review(self, action: str, reason: str | None = None):
        html = self.page().get_data(as_text=True)
        data = {"csrf_token": csrf_from(html), "version": ""}
        if reason is not None:
            data["reason"] = reason
        return self.client.post(f"{REPORT_URL}/review/{action}", data=data, follow_redirects=True)


def version_in(html: str) -> str:
    return re.search(r'name="version" value="(\d+)"', html).group(1)


def signed_in(app, ids, username: str) -> ReportPoster:
    client = app.test_client()
    AuthActions(client).login(username)
    return ReportPoster(client, ids)


@pytest.fixture
def staff(app, ids) -> ReportPoster:
    return signed_in(app, ids, "szcc_staff")


@pytest.fixture
def reviewer(app, ids) -> ReportPoster:
    return signed_in(app, ids, "szcc_reviewer")
