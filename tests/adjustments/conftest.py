"""Helpers for adjustment tests: a signed-in client per role, and posting like the browser does."""

from __future__ import annotations

import re

import pytest
from sqlmodel import Session, select

from kpi.budget import service as budget
from kpi.db import make_engine, transaction
from kpi.indicators.models import Indicator
from kpi.indicators.tables import mark_table
from tests.conftest import AuthActions, csrf_from

UNIT_ID, YEAR = 2, 2023
LIST_URL = f"/units/{UNIT_ID}/{YEAR}/adjustments"
NEW_URL = LIST_URL + "/new"
COMPLAINTS = "投诉调解辅助服务"  # ≥19000宗 in the seeded unit-wide table


def detail_url(adjustment_id: int, unit_id: int = UNIT_ID) -> str:
    return f"/units/{unit_id}/adjustments/{adjustment_id}"


@pytest.fixture
def ids(sqlite_url) -> dict[str, int]:
    """The seeded unit-wide indicators' ids by name."""
    engine = make_engine(sqlite_url)
    with Session(engine) as session:
        rows = session.exec(select(Indicator).where(Indicator.unit_id == UNIT_ID, Indicator.scope == "unit")).all()
        found = {row.name: row.id for row in rows}
    engine.dispose()
    return found


@pytest.fixture
def db(sqlite_url):
    """A session on the test's database, to read what the pages wrote."""
    engine = make_engine(sqlite_url)
    with Session(engine) as session:
        yield session
    engine.dispose()


def indicator(db: Session, indicator_id: int) -> Indicator:
    db.expire_all()
    return db.get(Indicator, indicator_id)


def draft_unit_table(url: str) -> None:
    engine = make_engine(url)
    with transaction(engine) as session:
        mark_table(
            session, unit_id=UNIT_ID, year_id=budget.get_year(session, YEAR).id, budget_line_id=None, status="draft"
        )
    engine.dispose()


class Desk:
    """One signed-in user's browser: opens pages and posts their forms with CSRF and the version shown."""

    def __init__(self, client):
        self.client = client

    def propose(
        self,
        ids: dict,
        changes: dict,
        *,
        reason="预算调剂后任务量减少",
        basis="深财预〔2023〕88号",
        action="save",
        url=NEW_URL,
    ):
        html = self.client.get(url).get_data(as_text=True)
        data = {"csrf_token": csrf_from(html), "action": action, "reason": reason, "basis": basis}
        version = re.search(r'name="version" type="hidden" value="(\d+)"', html)
        if version:
            data["version"] = version.group(1)
        for name, (target, points) in changes.items():
            data[f"i{ids[name]}-target"] = target
            data[f"i{ids[name]}-points"] = points
        return self.client.post(url, data=data)

    def version(self, adjustment_id: int) -> str:
        html = self.client.get(detail_url(adjustment_id)).get_data(as_text=True)
        return re.search(r'data-version="(\d+)"', html).group(1)

    def step(self, adjustment_id: int, path: str, *, reason: str | None = None, version: str | None = None):
        html = self.client.get(detail_url(adjustment_id)).get_data(as_text=True)
        data = {"csrf_token": csrf_from(html), "version": version or self.version(adjustment_id)}
        if reason is not None:
            data["reason"] = reason
        return self.client.post(f"{detail_url(adjustment_id)}/{path}", data=data, follow_redirects=True)

    def page(self, url: str) -> str:
        return self.client.get(url).get_data(as_text=True)


@pytest.fixture
def desks(app):
    """staff, reviewer and finance, each signed in on their own client."""
    signed_in = {}
    for name, user in (("staff", "szcc_staff"), ("reviewer", "szcc_reviewer"), ("finance", "finance")):
        client = app.test_client()
        AuthActions(client).login(user)
        signed_in[name] = Desk(client)
    return signed_in


def created_id(response) -> int:
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    return int(re.search(r"/adjustments/(\d+)$", response.headers["Location"]).group(1))
