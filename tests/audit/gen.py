"""Helpers for the audit tests: record events the way services do, and tamper with rows behind the app's back."""
from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Session

from kpi.audit.service import record, verify_chain


def gen_events(engine, count: int, *, per_transaction: int = 3, prefix: str = "值") -> None:
    """`count` events over several transactions, several per flush, as a quarter's save makes them."""
    done = 0
    while done < count:
        with Session(engine) as session:
            for _ in range(min(per_transaction, count - done)):
                record(session, actor="szcc_staff", user_id=3, unit_id=2, entity="indicator_result", entity_id=done,
                       action="update", field="value", old_value=f"{prefix}{done}", new_value=done + 1, reason="季度填报")
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
