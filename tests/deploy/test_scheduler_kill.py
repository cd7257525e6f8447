"""Scheduler faults (issue 7): killed while raising reminders and started again, is each raised exactly once?

Hundreds of units owe today's notice, so one tick takes seconds. The `kpi scheduler`
process is killed with SIGKILL in the middle of that tick, started again, and left to
finish. Every unit then has its reminder exactly once, each of its two people one
notification, and one e-mail digest carrying it once: nothing lost, nothing doubled.

"In the middle" cannot be seen in the reminder table: a tick raises in one transaction,
so other sessions see none of its rows until it commits. It is seen in the reminder id
sequence instead, which every INSERT advances at once and no rollback takes back. The
scheduler is killed when a fifth of the ids are taken while its transaction is still
open; afterwards the test checks that the tick had not committed everything, so a kill
that came too late fails the test instead of passing it for nothing.
"""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

from tests.conftest import build_database
from tests.deploy.gen import gen_units_owing, notice_title, year_due_today
from tests.deploy.processes import kill, lock_holder_pid, wait_for

pytestmark = pytest.mark.postgres
UNITS = 600  # about 10 ms each to raise here: a tick of several seconds
KILL_AT = UNITS // 5  # reminder ids taken by the tick when it is killed


def scalar(engine: sa.Engine, sql: str, **params):
    with engine.connect() as conn:
        return conn.scalar(sa.text(sql), params)


def ids_taken(engine: sa.Engine) -> int:
    """How many reminder ids have been drawn, committed or not (sequences ignore rollbacks)."""
    return scalar(engine, "SELECT coalesce(pg_sequence_last_value(pg_get_serial_sequence('reminder', 'id')), 0)")


def committed(engine: sa.Engine) -> int:
    return scalar(engine, "SELECT count(*) FROM reminder")


OTHER_CLIENTS = (
    "FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
    "AND backend_type = 'client backend'"
)  # not autovacuum, which may visit after the bulk inserts


def open_transactions(engine: sa.Engine) -> int:
    """Other clients of this database inside a transaction (the scheduler's lock connection never is)."""
    return scalar(engine, f"SELECT count(*) {OTHER_CLIENTS} AND xact_start IS NOT NULL")


def other_sessions(engine: sa.Engine) -> int:
    return scalar(engine, f"SELECT count(*) {OTHER_CLIENTS}")


def mid_raise(engine: sa.Engine) -> bool:
    return ids_taken(engine) >= KILL_AT and committed(engine) < UNITS and open_transactions(engine) > 0


def duplicates(engine: sa.Engine, table: str, columns: str) -> list:
    with engine.connect() as conn:
        return conn.execute(
            sa.text(f"SELECT {columns}, count(*) FROM {table} GROUP BY {columns} HAVING count(*) > 1")
        ).all()


def test_a_scheduler_killed_mid_tick_and_restarted_raises_every_reminder_exactly_once(pg_url, spawn):
    year = year_due_today()
    build_database(pg_url)
    unit_ids = gen_units_owing(pg_url, year, UNITS)
    engine = sa.create_engine(pg_url, poolclass=sa.NullPool)
    try:
        first = spawn.scheduler(pg_url, "scheduler-killed")
        wait_for(lambda: lock_holder_pid(engine) == first.pid, what="the scheduler takes the lock")
        wait_for(
            lambda: mid_raise(engine) or not first.running(),
            timeout=120,
            interval=0.01,
            what=f"the tick draws {KILL_AT} reminder ids",
        )
        assert first.running(), first.output()
        kill(first)
        # Its connections close with it; PostgreSQL rolls back what it had not committed.
        wait_for(lambda: other_sessions(engine) == 0, timeout=30, what="the killed scheduler's sessions end")
        taken, left_behind = ids_taken(engine), committed(engine)
        assert taken >= KILL_AT and left_behind < UNITS, (
            f"not killed mid-raise: {left_behind} of {UNITS} reminders committed; raise UNITS"
        )
        assert "已发出" not in first.output()

        started = time.monotonic()
        second = spawn.scheduler(pg_url, "scheduler-restarted")
        wait_for(
            lambda: scalar(engine, "SELECT count(*) FROM reminder WHERE delivery_state = 'in_app_only'") == UNITS,
            timeout=180,
            what=f"the restarted scheduler raises all {UNITS}",
        )
        print(
            f"\nkilled after {taken} of {UNITS} ids ({left_behind} committed); "
            f"the restart raised the rest in {time.monotonic() - started:.1f} s"
        )
        assert f"已发出 {UNITS - left_behind} 条提醒" in second.output()

        with engine.connect() as conn:
            reminders = conn.execute(sa.text("SELECT unit_id, kind, period, stage FROM reminder")).all()
            notes = conn.execute(
                sa.text(
                    "SELECT u.unit_id, r.unit_id, n.outbox_email_id, o.user_id, n.user_id "
                    'FROM notification n JOIN reminder r ON r.id = n.reminder_id JOIN "user" u ON u.id = n.user_id '
                    "LEFT JOIN outbox_email o ON o.id = n.outbox_email_id"
                )
            ).all()
            digests = conn.execute(
                sa.text(
                    'SELECT o.body, un.name FROM outbox_email o JOIN "user" u ON u.id = o.user_id '
                    "JOIN unit un ON un.id = u.unit_id"
                )
            ).all()
            people = conn.scalar(sa.text('SELECT count(*) FROM "user" WHERE unit_id = ANY(:ids)'), {"ids": unit_ids})

        # Reminders: one per unit, none missing, none twice.
        assert sorted(r.unit_id for r in reminders) == sorted(unit_ids)
        assert {(r.kind, r.period, r.stage) for r in reminders} == {("monitoring", 0, "notice")}
        assert duplicates(engine, "reminder", "year_id, kind, period, stage, unit_id") == []
        # Notifications: each of the unit's two people once, in their own digest.
        assert len(notes) == people == 2 * UNITS
        assert all(user_unit == reminder_unit for user_unit, reminder_unit, *_ in notes)
        assert all(outbox is not None and owner == user for *_, outbox, owner, user in notes)
        assert duplicates(engine, "notification", "user_id, reminder_id") == []
        # Digests: one per person (one e-mail a day), the notice in it once, for their unit.
        assert len(digests) == 2 * UNITS
        title = notice_title(year)
        assert all(body.count("■") == 1 and body.count(title) == 1 and body.count(unit) == 1 for body, unit in digests)
        assert duplicates(engine, "outbox_email", "user_id, digest_date") == []
    finally:
        engine.dispose()
