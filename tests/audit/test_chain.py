"""Is every audit event chained to the one before, and does tampering in the database show?"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from kpi.audit.models import AuditEvent
from kpi.audit.service import GENESIS, event_hash, record
from tests.audit.gen import event_ids, gen_events, problems, tamper


@pytest.fixture
def engine(app):
    return app.extensions["kpi_engine"]


def chain(engine) -> list[AuditEvent]:
    with Session(engine) as session:
        return list(session.exec(select(AuditEvent).order_by(AuditEvent.id)))


def test_every_event_links_to_the_previous_ones_hash_from_the_very_first(engine):
    gen_events(engine, 5)
    events = chain(engine)
    assert events[0].prev_hash == GENESIS
    for before, after in zip(events, events[1:]):
        assert after.prev_hash == before.hash
    for event in events:
        assert event.hash == event_hash(event.prev_hash, event.model_dump())


def test_the_chain_verifies_after_many_records(engine):
    gen_events(engine, 300, per_transaction=7)
    assert len(event_ids(engine)) >= 300
    assert problems(engine) == []


def test_events_of_a_rolled_back_savepoint_leave_no_hole_in_the_chain(engine):
    with Session(engine) as session:
        record(session, actor="a", entity="unit", action="update")
        savepoint = session.begin_nested()
        record(session, actor="b", entity="unit", action="update")
        session.flush()
        savepoint.rollback()
        record(session, actor="c", entity="unit", action="update")
        session.commit()
    assert [e.actor for e in chain(engine)[-2:]] == ["a", "c"]
    assert problems(engine) == []


def test_an_event_stamped_with_a_local_time_hashes_as_it_is_stored(engine):
    with Session(engine) as session:
        event = record(session, actor="a", entity="unit", action="update")
        event.occurred_at = datetime(2023, 7, 1, 9, 30, tzinfo=timezone(timedelta(hours=8)))
        session.commit()
    assert chain(engine)[-1].occurred_at.replace(tzinfo=UTC) == datetime(2023, 7, 1, 1, 30, tzinfo=UTC)
    assert problems(engine) == []


def test_an_edited_old_value_is_detected_at_that_row(engine):
    gen_events(engine, 10)
    victim = event_ids(engine)[-5]
    tamper(engine, "UPDATE audit_event SET old_value = '9999' WHERE id = :id", id=victim)
    found = problems(engine)
    assert [p.event_id for p in found] == [victim]
    assert "被修改" in str(found[0]) and str(victim) in str(found[0])


def test_an_edit_that_also_recomputes_the_rows_hash_breaks_the_next_link(engine):
    gen_events(engine, 10)
    victim, following = event_ids(engine)[-5:-3]
    tamper(engine, "UPDATE audit_event SET old_value = '9999' WHERE id = :id", id=victim)
    forged = next(e for e in chain(engine) if e.id == victim)
    tamper(
        engine,
        "UPDATE audit_event SET hash = :hash WHERE id = :id",
        hash=event_hash(forged.prev_hash, forged.model_dump()),
        id=victim,
    )
    assert [p.event_id for p in problems(engine)] == [following]


def test_a_deleted_row_is_detected_at_the_row_after_it(engine):
    gen_events(engine, 10)
    ids = event_ids(engine)
    tamper(engine, "DELETE FROM audit_event WHERE id = :id", id=ids[4])
    found = problems(engine)
    assert [p.event_id for p in found] == [ids[5]]
    assert f"第 {ids[3]} 号" in found[0].message and "删除" in found[0].message


def test_deleting_the_first_rows_is_detected(engine):
    gen_events(engine, 5)
    first = event_ids(engine)[0]
    tamper(engine, "DELETE FROM audit_event WHERE id = :id", id=first)
    found = problems(engine)
    assert len(found) == 1 and "更早的记录被删除" in found[0].message


def test_two_swapped_rows_are_detected(engine):
    gen_events(engine, 10)
    a, b, after = event_ids(engine)[3:6]
    # Swap the ids of two neighbours through a free id (the primary key must stay unique meanwhile).
    tamper(engine, "UPDATE audit_event SET id = -1 WHERE id = :a", a=a)
    tamper(engine, "UPDATE audit_event SET id = :a WHERE id = :b", a=a, b=b)
    tamper(engine, "UPDATE audit_event SET id = :b WHERE id = -1", b=b)
    assert [p.event_id for p in problems(engine)] == [a, b, after]


def test_a_row_slipped_into_the_middle_is_detected_on_both_sides(engine):
    gen_events(engine, 10)
    ids = event_ids(engine)
    tamper(engine, "UPDATE audit_event SET id = id + 1000 WHERE id > :id", id=ids[5])
    anchor = next(e for e in chain(engine) if e.id == ids[5])
    fields = dict(
        occurred_at=anchor.occurred_at,
        actor="intruder",
        user_id=None,
        unit_id=None,
        entity="indicator",
        entity_id=1,
        action="update",
        field="target_text",
        old_value="≥19000宗",
        new_value="≥100宗",
        reason=None,
    )
    # Its own hash is right; it cannot reuse the anchor's hash as prev_hash (UNIQUE), so it invents one.
    prev_hash = "f" * 64
    with engine.begin() as conn:
        conn.execute(
            sa.insert(AuditEvent.__table__).values(
                id=ids[5] + 1, prev_hash=prev_hash, hash=event_hash(prev_hash, fields), **fields
            )
        )
    assert [p.event_id for p in problems(engine)] == [ids[5] + 1, ids[6] + 1000]


def test_two_events_can_never_claim_the_same_predecessor(engine):
    gen_events(engine, 3)
    last = chain(engine)[-2]
    with pytest.raises(sa.exc.IntegrityError):
        tamper(
            engine,
            "INSERT INTO audit_event (occurred_at, actor, entity, action, prev_hash, hash) "
            "VALUES (:at, 'x', 'unit', 'update', :prev, :hash)",
            at=datetime(2023, 1, 1),
            prev=last.hash,
            hash="0" * 64,
        )


def test_the_application_still_cannot_change_or_delete_an_event(engine):
    gen_events(engine, 1)
    with Session(engine) as session:
        event = session.exec(select(AuditEvent)).first()
        event.old_value = "改过"
        with pytest.raises(PermissionError):
            session.commit()


def test_an_event_given_an_id_as_text_hashes_what_the_database_keeps(engine):
    with Session(engine) as session:
        event = record(session, actor="a", entity="unit", action="update", entity_id=1)
        event.entity_id = "7"
        session.commit()
    assert chain(engine)[-1].entity_id == 7
    assert problems(engine) == []
