"""Does migration 0009 approve the tables that already exist, and does the flow work on PostgreSQL?"""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa
from alembic import command
from sqlmodel import Session, select

from kpi.db import make_engine
from kpi.indicators.models import Indicator, TargetTable
from kpi.migrate import alembic_config, upgrade_to_head
from tests.adjustments.conftest import COMPLAINTS, UNIT_ID, Desk, created_id
from tests.conftest import AuthActions, build_database


def downgrade_to_0008(engine) -> None:
    cfg = alembic_config()
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, "0008")


@pytest.mark.postgres
def test_upgrading_marks_every_existing_table_approved(pg_url):
    engine = make_engine(pg_url)
    build_database(pg_url)
    downgrade_to_0008(engine)  # the seeded tables as they were before the lifecycle existed
    assert "target_table" not in sa.inspect(engine).get_table_names()
    upgrade_to_head(engine)
    with Session(engine) as session:
        tables = session.exec(select(TargetTable)).all()
        keys = set(
            session.exec(
                select(
                    Indicator.unit_id,
                    Indicator.year_id,
                    Indicator.scope,
                    sa.case((Indicator.scope == "project", Indicator.budget_line_id)),
                ).distinct()
            ).all()
        )
    engine.dispose()
    assert {(t.unit_id, t.year_id, t.scope, t.budget_line_id) for t in tables} == keys
    assert len(tables) > 1 and all(t.status == "approved" and t.approved_at for t in tables)


@pytest.mark.postgres
def test_an_adjustment_is_approved_on_postgres(pg_url, make_app):
    build_database(pg_url)
    app = make_app(pg_url)
    desks = {}
    for role, user in (("staff", "szcc_staff"), ("reviewer", "szcc_reviewer"), ("finance", "finance")):
        client = app.test_client()
        AuthActions(client).login(user)
        desks[role] = Desk(client)
    engine = app.extensions["kpi_engine"]
    with Session(engine) as session:
        ids = {
            row.name: row.id
            for row in session.exec(select(Indicator).where(Indicator.unit_id == UNIT_ID, Indicator.scope == "unit"))
        }
    adjustment_id = created_id(desks["staff"].propose(ids, {COMPLAINTS: ("≥1.7万宗", "12.5")}, action="submit"))
    desks["reviewer"].step(adjustment_id, "review/check")
    desks["finance"].step(adjustment_id, "approval/approve")
    with Session(engine) as session:
        row = session.get(Indicator, ids[COMPLAINTS])
        assert (row.target_text, row.target_value, row.points, row.original_target_text) == (
            "≥1.7万宗",
            Decimal("17000.0000"),
            Decimal("12.50"),
            "≥19000宗",
        )
    # A second approval of the same unit-wide table's row is impossible: one row per table.
    with Session(engine) as session, pytest.raises(sa.exc.IntegrityError):
        table = session.exec(
            select(TargetTable).where(TargetTable.unit_id == UNIT_ID, TargetTable.scope == "unit")
        ).first()
        session.add(TargetTable(unit_id=UNIT_ID, year_id=table.year_id, scope="unit", status="draft"))
        session.flush()
