"""Helpers for results tests: ids by name, and posting a quarter like the browser does."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from kpi.budget.models import BudgetLine
from kpi.db import make_engine
from kpi.indicators.models import Indicator
from tests.conftest import csrf_from

UNIT_ID, YEAR = 2, 2023


def quarter_url(quarter: int = 1) -> str:
    return f"/units/{UNIT_ID}/{YEAR}/quarters/{quarter}"


@pytest.fixture
def ids(sqlite_url):
    """Unit-wide indicator ids by name, and budget line ids by name.

    A unit-table row that is a project's indicator (同一指标) is entered on that project's row:
    its name maps to the project row's id."""
    engine = make_engine(sqlite_url)
    with Session(engine) as session:
        indicators = {
            row.name: row.same_as_id or row.id
            for row in session.exec(select(Indicator).where(Indicator.scope == "unit"))
        }
        lines = {row.name: row.id for row in session.exec(select(BudgetLine))}
    engine.dispose()
    return {"indicator": indicators, "line": lines}


class QuarterPoster:
    """Posts the quarter form with a fresh CSRF token and the version shown on the page."""

    def __init__(self, client, ids):
        self.client = client
        self.ids = ids

    def page(self, quarter: int = 1):
        return self.client.get(quarter_url(quarter))

    def post(
        self,
        values: dict,
        *,
        quarter: int = 1,
        action: str = "save",
        version: int | None = None,
        spending=None,
        reason=None,
    ):
        html = self.page(quarter).get_data(as_text=True)
        data = {"csrf_token": csrf_from(html), "action": action}
        data["version"] = str(version) if version is not None else _version_in(html)
        for (name, field), value in values.items():
            data[f"i{self.ids['indicator'][name]}-{field}"] = value
        for name, value in (spending or {}).items():
            data[f"b{self.ids['line'][name]}-spent"] = value
        if reason:
            data["reason"] = reason
        return self.client.post(quarter_url(quarter), data=data)


def _version_in(html: str) -> str:
    import re

    return re.search(r'name="version" value="(\d+)"', html).group(1)


@pytest.fixture
def poster(client, ids):
    return QuarterPoster(client, ids)
