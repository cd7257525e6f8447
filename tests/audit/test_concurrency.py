"""Do two writers appending at the same moment still leave one unbroken chain?

PostgreSQL serialises appends with a transaction-scoped advisory lock; SQLite with its
single writer lock, taken before the tail is read. Each writer holds its transaction open
a little after recording, so the two really overlap. Every row is signed under that lock,
and checkpoints taken in the middle of the race must still hold afterwards.
"""

from __future__ import annotations

import threading
import time

import pytest

from kpi.audit.service import record
from kpi.db import make_engine
from kpi.migrate import upgrade_to_head
from tests.audit.gen import checkpoint, event_ids, full_check, problems, signed_session

WRITERS, TRANSACTIONS, EVENTS = 4, 15, 3


def race(engine, export_dir) -> None:
    start, errors, done = threading.Barrier(WRITERS + 1), [], threading.Event()

    def writer(number: int) -> None:
        try:
            start.wait()
            for t in range(TRANSACTIONS):
                with signed_session(engine) as session:
                    for e in range(EVENTS):
                        record(
                            session,
                            actor=f"writer{number}",
                            entity="indicator_result",
                            entity_id=t,
                            action="update",
                            old_value=e,
                            new_value=e + 1,
                        )
                    session.flush()  # the chain is extended here, under the lock …
                    time.sleep(0.002)  # … and held while the transaction stays open
                    session.commit()
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    def checkpointer() -> None:
        try:
            start.wait()
            while not done.is_set():
                checkpoint(engine, export_dir)
                time.sleep(0.005)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
    anchoring = threading.Thread(target=checkpointer)
    for thread in [*threads, anchoring]:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    done.set()
    anchoring.join(timeout=60)
    assert errors == []
    assert len(event_ids(engine)) == WRITERS * TRANSACTIONS * EVENTS
    assert problems(engine) == []
    report = full_check(engine, export_dir)
    counts = [c.count for c in report.checkpoint_file.checkpoints]
    assert report.all_problems() == [] and any(0 < count < report.total for count in counts)


@pytest.mark.postgres
def test_concurrent_appends_on_postgres_keep_one_unbroken_signed_chain(pg_url, tmp_path):
    engine = make_engine(pg_url)
    upgrade_to_head(engine)
    race(engine, tmp_path)
    engine.dispose()


def test_concurrent_appends_on_sqlite_keep_one_unbroken_signed_chain(empty_sqlite_url, tmp_path):
    engine = make_engine(empty_sqlite_url)
    upgrade_to_head(engine)
    race(engine, tmp_path)
    engine.dispose()
