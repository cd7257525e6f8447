"""Does migration 0006 chain the audit events that existed before it, on SQLite and on PostgreSQL?

And after 0012 (signatures), are those old rows reported unsigned until `seal` signs them?
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from alembic import command
from sqlmodel import Session

from kpi.audit.checkpoints import checkpoint_path
from kpi.audit.service import GENESIS, record
from kpi.audit.verify import seal
from kpi.db import make_engine
from kpi.migrate import alembic_config, upgrade_to_head
from tests.audit.gen import KEY, checkpoint, full_check, problems, signed_session

OLD_EVENTS = 2500  # more than one page of the backfill


def migrate(engine, revision: str) -> None:
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def exercise_backfill(engine, export_dir) -> None:
    migrate(engine, "0005")
    start = datetime(2023, 1, 1, tzinfo=UTC)
    old = sa.table(
        "audit_event",
        *(
            sa.column(name)
            for name in (
                "occurred_at",
                "actor",
                "entity",
                "entity_id",
                "action",
                "field",
                "old_value",
                "new_value",
                "reason",
            )
        ),
    )
    with engine.begin() as conn:
        conn.execute(
            old.insert(),
            [
                {
                    "occurred_at": start + timedelta(minutes=i, microseconds=i),
                    "actor": "szcc_staff",
                    "entity": "indicator_result",
                    "entity_id": i,
                    "action": "update",
                    "field": "value",
                    "old_value": None if i % 3 else str(i),
                    "new_value": f"第{i}次",
                    "reason": "季度填报\n说明" if i % 7 == 0 else None,
                }
                for i in range(OLD_EVENTS)
            ],
        )
    upgrade_to_head(engine)
    assert problems(engine) == []
    with engine.connect() as conn:
        first = conn.execute(sa.text("SELECT prev_hash FROM audit_event ORDER BY id LIMIT 1")).scalar_one()
        unchained = conn.execute(sa.text("SELECT count(*) FROM audit_event WHERE hash IS NULL")).scalar_one()
    assert first == GENESIS and unchained == 0
    unsigned = full_check(engine, export_dir).unsigned
    assert [(run.rows, run.leading) for run in unsigned] == [(OLD_EVENTS, True)]
    with signed_session(engine) as session:  # the application carries on from the backfilled tail, signing
        record(session, actor="admin", entity="unit", action="update")
        session.commit()
    assert problems(engine) == []
    with Session(engine) as session, session.begin():
        assert seal(session, KEY, checkpoint_path(export_dir)) == OLD_EVENTS
    checkpoint(engine, export_dir)
    assert full_check(engine, export_dir).all_problems() == []


def test_the_migration_chains_existing_events_so_that_they_verify_on_sqlite(empty_sqlite_url, tmp_path):
    engine = make_engine(empty_sqlite_url)
    exercise_backfill(engine, tmp_path)
    engine.dispose()


@pytest.mark.postgres
def test_the_migration_chains_existing_events_so_that_they_verify_on_postgres(pg_url, tmp_path):
    engine = make_engine(pg_url)
    exercise_backfill(engine, tmp_path)
    engine.dispose()
