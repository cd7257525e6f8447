"""Helpers for the audit tests: record events the way services do, and tamper with rows behind the app's back."""

from __future__ import annotations

import os

import sqlalchemy as sa
from sqlmodel import Session

from kpi.audit.checkpoints import checkpoint_path, write_checkpoint
from kpi.audit.models import AuditEvent
from kpi.audit.service import GENESIS, event_hash, record, verify_chain
from kpi.audit.signing import KEY_INFO
from kpi.audit.verify import TrailReport, verify_trail

# What KPI_AUDIT_KEY holds in every test app (tests/conftest.py sets it before kpi loads).
KEY = os.environ["KPI_AUDIT_KEY"].encode()


def signed_session(engine, key: bytes | None = KEY) -> Session:
    """A session outside any app context that signs what it records with `key` (None: unsigned)."""
    return Session(engine, info={} if key is None else {KEY_INFO: key})


def gen_events(engine, count: int, *, per_transaction: int = 3, prefix: str = "值", key: bytes | None = KEY) -> None:
    """`count` events over several transactions, several per flush, as a quarter's save makes them."""
    done = 0
    while done < count:
        with signed_session(engine, key) as session:
            for _ in range(min(per_transaction, count - done)):
                record(
                    session,
                    actor="szcc_staff",
                    user_id=3,
                    unit_id=2,
                    entity="indicator_result",
                    entity_id=done,
                    action="update",
                    field="value",
                    old_value=f"{prefix}{done}",
                    new_value=done + 1,
                    reason="季度填报",
                )
                done += 1
            session.commit()


def tamper(engine, sql: str, **params) -> None:
    """Raw SQL, as someone with database access (not the application) would change the trail."""
    with engine.begin() as conn:
        conn.execute(sa.text(sql), params)


def event_ids(engine) -> list[int]:
    with engine.connect() as conn:
        return list(conn.execute(sa.text("SELECT id FROM audit_event ORDER BY id")).scalars())


def problems(engine):
    with Session(engine) as session:
        return verify_chain(session)


def recompute_chain(engine, start_id: int) -> None:
    """An attacker's follow-up to an edit: recompute the public hashes from `start_id` to the end."""
    table = AuditEvent.__table__
    with engine.begin() as conn:
        prev_hash = GENESIS
        for row in conn.execute(sa.select(table).order_by(table.c.id)).mappings().all():
            if row["id"] >= start_id:
                new_hash = event_hash(prev_hash, row)
                conn.execute(table.update().where(table.c.id == row["id"]).values(prev_hash=prev_hash, hash=new_hash))
                prev_hash = new_hash
            else:
                prev_hash = row["hash"]


def checkpoint(engine, export_dir, key: bytes = KEY):
    with Session(engine) as session, session.begin():
        return write_checkpoint(session, export_dir, key)


def full_check(engine, export_dir, key: bytes = KEY) -> TrailReport:
    """What `kpi audit verify` checks: chain, MACs and the checkpoints in `export_dir`."""
    with Session(engine) as session, session.begin():
        return verify_trail(session, key, checkpoint_path(export_dir))
