"""Do two writers appending at the same moment still leave one unbroken chain?

PostgreSQL serialises appends with a transaction-scoped advisory lock; SQLite with its
single writer lock, taken before the tail is read. Each writer holds its transaction open
a little after recording, so the two really overlap.
"""
from __future__ import annotations

import threading
import time

import pytest
from sqlmodel import Session

from kpi.audit.service import record
from kpi.db import make_engine
from kpi.migrate import upgrade_to_head
from tests.audit.gen import event_ids, problems

WRITERS, TRANSACTIONS, EVENTS = 4, 15, 3


def race(engine) -> None:
    start, errors = threading.Barrier(WRITERS), []

    def writer(number: int) -> None:
        try:
            start.wait()
            for t in range(TRANSACTIONS):
                with Session(engine) as session:
                    for e in range(EVENTS):
                        record(session, actor=f"writer{number}", entity="indicator_result", entity_id=t,
                               action="update", old_value=e, new_value=e + 1)
                    session.flush()  # the chain is extended here, under the lock …
                    time.sleep(0.002)  # … and held while the transaction stays open
                    session.commit()
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert len(event_ids(engine)) == WRITERS * TRANSACTIONS * EVENTS
    assert problems(engine) == []


@pytest.mark.postgres
def test_concurrent_appends_on_postgres_keep_one_unbroken_chain(pg_url):
    engine = make_engine(pg_url)
    upgrade_to_head(engine)
    race(engine)
    engine.dispose()


def test_concurrent_appends_on_sqlite_keep_one_unbroken_chain(empty_sqlite_url):
    engine = make_engine(empty_sqlite_url)
    upgrade_to_head(engine)
    race(engine)
    engine.dispose()
