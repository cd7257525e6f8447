"""The audit trail: record every change, read it back, prove nobody edited it.

There is no way to edit the trail through the application (the ORM guard below), and
each row is chained to the one before it by a SHA-256 hash, so an edit made directly
in the database is detectable (`verify_chain`). The chain alone is public: each row is
also signed with the audit key (kpi/audit/signing.py), and kpi/audit/verify.py checks
the signatures and the checkpoints (docs/audit.md says what that can and cannot catch).
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, select

from kpi.audit.models import AuditEvent
from kpi.audit.signing import event_mac, signing_key
from kpi.db import utcnow

GENESIS = "0" * 64  # the prev_hash of the first event
# The fields a hash covers, in the order the chain was defined with. Never change this
# list or `event_hash`: every stored hash depends on them (migration 0006 froze a copy).
HASHED_FIELDS = (
    "occurred_at",
    "actor",
    "user_id",
    "unit_id",
    "entity",
    "entity_id",
    "action",
    "field",
    "old_value",
    "new_value",
    "reason",
)
# pg_advisory_xact_lock key that serialises appends to the chain ("kpiaudit" in ASCII).
CHAIN_LOCK_KEY = int.from_bytes(b"kpiaudit", "big") & 0x7FFF_FFFF_FFFF_FFFF
log = logging.getLogger(__name__)


def record(
    session: Session,
    *,
    actor: str,
    entity: str,
    action: str,
    entity_id: int | None = None,
    user_id: int | None = None,
    unit_id: int | None = None,
    field: str | None = None,
    old_value: object = None,
    new_value: object = None,
    reason: str | None = None,
) -> AuditEvent:
    """Append one event in the caller's transaction (it commits or rolls back with the change).

    Its `prev_hash`/`hash`/`mac` are filled when the session flushes (`_chain_new_events`).
    """
    event = AuditEvent(
        actor=actor,
        user_id=user_id,
        unit_id=unit_id,
        entity=entity,
        entity_id=entity_id,
        action=action,
        field=field,
        old_value=_text(old_value),
        new_value=_text(new_value),
        reason=reason,
    )
    session.add(event)
    return event


def history(session: Session, entity: str, entity_id: int) -> list[AuditEvent]:
    query = (
        select(AuditEvent)
        .where(AuditEvent.entity == entity, AuditEvent.entity_id == entity_id)
        .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
    )
    return list(session.exec(query))


def _text(value: object) -> str | None:
    return None if value is None else str(value)


# --- the hash chain ---------------------------------------------------------------


def canonical_time(value: datetime) -> str:
    """occurred_at as UTC ISO text. SQLite hands back naive UTC, PostgreSQL aware times."""
    return _as_utc(value).isoformat(timespec="microseconds")


def _as_utc(value: datetime) -> datetime:
    # Stored as UTC: SQLite drops the offset, so a local time would not read back the same.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def event_hash(prev_hash: str, fields: Mapping[str, object]) -> str:
    """sha256(prev_hash + canonical JSON of the event's fields), as 64 hex digits."""
    payload = {name: fields[name] for name in HASHED_FIELDS}
    payload["occurred_at"] = canonical_time(payload["occurred_at"])
    text = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256((prev_hash + text).encode("utf-8")).hexdigest()


def _lock_chain_and_read_tail(connection: sa.Connection) -> str:
    """Take the chain's write lock for this transaction, then read the newest hash.

    PostgreSQL: a transaction-scoped advisory lock, so a second writer waits here until
    the first commits and then reads its hash (READ COMMITTED sees it). SQLite has one
    writer at a time, but pysqlite only opens the transaction at the first write, so a
    no-op UPDATE takes the write lock *before* the read. If a writer still read a stale
    tail, the UNIQUE prev_hash makes its insert fail: the chain never forks silently.
    """
    table = AuditEvent.__table__
    if connection.dialect.name == "postgresql":
        connection.execute(sa.select(sa.func.pg_advisory_xact_lock(CHAIN_LOCK_KEY)))
    elif connection.dialect.name == "sqlite":
        connection.execute(sa.text("UPDATE audit_event SET id = id WHERE 0"))
    tail = connection.execute(sa.select(table.c.hash).order_by(table.c.id.desc()).limit(1)).scalar()
    return tail or GENESIS


@sa.event.listens_for(OrmSession, "before_flush")
def _chain_new_events(session: OrmSession, _context, _instances) -> None:
    new_events = [obj for obj in session.new if isinstance(obj, AuditEvent)]
    if not new_events:
        return
    # The unit of work inserts in the order objects were added, so ids follow this order.
    new_events.sort(key=lambda event: sa.inspect(event).insert_order)
    key = signing_key(session)
    if key is None:
        # Only scripts and tests without an app context get here; `kpi audit verify` will
        # report these rows as unsigned, so say why now rather than leave a puzzle.
        log.warning("audit events written without KPI_AUDIT_KEY (no app context): they stay unsigned")
    prev_hash = _lock_chain_and_read_tail(session.connection())
    for event in new_events:
        event.occurred_at = _as_utc(event.occurred_at or utcnow())
        # Hash what the database will hand back: ids as ints, texts as text (a caller may pass "3" or 3).
        for name in ("user_id", "unit_id", "entity_id"):
            value = getattr(event, name)
            setattr(event, name, None if value is None else int(value))
        for name in ("actor", "entity", "action", "field", "old_value", "new_value", "reason"):
            value = getattr(event, name)
            setattr(event, name, None if value is None else str(value))
        event.prev_hash = prev_hash
        event.hash = prev_hash = event_hash(prev_hash, {name: getattr(event, name) for name in HASHED_FIELDS})
        # Signed under the same chain lock as the hash, so concurrent appends are covered too.
        event.mac = None if key is None else event_mac(key, event.hash)


@dataclass(frozen=True)
class ChainProblem:
    """One broken link in the trail: which row, and what is wrong with it."""

    event_id: int
    message: str

    def __str__(self) -> str:
        return f"第 {self.event_id} 号记录：{self.message}"


def read_trail(session: Session) -> Iterator[dict]:
    """Every row in id order, streamed; a time the driver cannot parse is kept as an exception.

    SQLite stores anything in any column, so occurred_at is fetched raw and decoded here,
    row by row: one mangled row must be reported, not end the walk with a traceback.
    """
    table = AuditEvent.__table__
    dialect = session.get_bind().dialect
    decode = table.c.occurred_at.type.dialect_impl(dialect).result_processor(dialect, None)
    columns = [sa.type_coerce(c, sa.Text).label(c.name) if c.name == "occurred_at" else c for c in table.c]
    # Streamed in pages; set on the statement, not the connection, which would keep it for
    # every later statement of the transaction (a server-side cursor refuses executemany).
    query = sa.select(*columns).order_by(table.c.id).execution_options(yield_per=1000)
    rows = session.connection().execute(query)
    for raw in rows.mappings():
        row = dict(raw)
        try:
            row["occurred_at"] = decode(row["occurred_at"]) if decode else row["occurred_at"]
        except (TypeError, ValueError) as error:
            row["occurred_at"] = error
        yield row


def link_problems(row: Mapping, expected_prev: str, previous_id: int | None) -> list[ChainProblem]:
    """What is wrong with one row of the public chain, given the hash the row before it has."""
    problems = []
    if row["prev_hash"] != expected_prev:
        if previous_id is None:
            message = "它不是链的第一条（prev_hash 不是起点），更早的记录被删除了"
        else:
            message = f"prev_hash 与前一条（第 {previous_id} 号）的哈希不符，其间的记录被删除、插入或调换了顺序"
        problems.append(ChainProblem(row["id"], message))
    try:
        intact = row["hash"] == event_hash(row["prev_hash"], row)
    except (TypeError, ValueError, AttributeError, OverflowError):
        intact = False  # a value no writer of the application could have stored
    if not intact:
        problems.append(ChainProblem(row["id"], "内容与其哈希不符，记录在写入后被修改了"))
    return problems


def verify_chain(session: Session) -> list[ChainProblem]:
    """Walk the public hash chain in id order and report every row whose content or link is wrong.

    It cannot see a recomputed chain or a trimmed tail: kpi/audit/verify.py adds the keyed checks.
    """
    problems: list[ChainProblem] = []
    expected_prev, previous_id = GENESIS, None
    for row in read_trail(session):
        problems += link_problems(row, expected_prev, previous_id)
        expected_prev, previous_id = row["hash"], row["id"]
    return problems


def count_events(session: Session) -> int:
    return session.exec(select(sa.func.count()).select_from(AuditEvent)).one()


@sa.event.listens_for(AuditEvent, "before_update")
@sa.event.listens_for(AuditEvent, "before_delete")
def _audit_is_append_only(_mapper, _connection, _target):
    # The trail is evidence: nothing in the application may rewrite or remove it.
    raise PermissionError("audit events cannot be changed or deleted")
