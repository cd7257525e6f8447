"""Do two gunicorn servers on one PostgreSQL database serve the same data (README, "Deployment")?"""

from __future__ import annotations

import re

import pytest
from sqlmodel import Session, select

from kpi.db import make_engine
from kpi.indicators.models import Indicator
from tests.conftest import build_database, csrf_from
from tests.deploy.processes import Browser, wait_healthy

QUARTER = "/units/2/2023/quarters/1"
pytestmark = pytest.mark.postgres


def indicator_id(url: str, name: str) -> int:
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            return session.exec(select(Indicator.id).where(Indicator.scope == "unit", Indicator.name == name)).first()
    finally:
        engine.dispose()


def test_a_quarter_value_saved_through_one_server_is_seen_through_the_other(pg_url, spawn):
    build_database(pg_url)
    field = f"i{indicator_id(pg_url, '投诉工单审核辅助服务')}-value"
    servers = [spawn.server(pg_url, "a"), spawn.server(pg_url, "b")]
    assert [wait_healthy(server) for server in servers] == ["ok", "ok"]

    a, b = Browser(servers[0].base), Browser(servers[1].base)
    a.login("szcc_staff")
    form = a.get(QUARTER)
    version = re.search(r'name="version" value="(\d+)"', form).group(1)
    saved = a.post(QUARTER, {"csrf_token": csrf_from(form), "action": "save", "version": version, field: "5217"})
    assert "已保存草稿" in saved

    b.login("szcc_staff")
    seen = b.get(QUARTER)
    assert re.search(rf'name="{field}"[^>]*value="5217"|value="5217"[^>]*name="{field}"', seen)
