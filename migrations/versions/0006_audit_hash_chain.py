"""Chain the audit trail: prev_hash and hash on every audit event, backfilled in id order.

Revision ID: 0006
Revises: 0005

The hash function is frozen here on purpose: migrations must not import app code that
may change later, and this one must produce exactly what kpi/audit/service.py's
`event_hash` produces (tests/audit/test_migration.py checks that the backfilled chain
verifies). The format is part of the stored data and never changes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import UTC

import sqlalchemy as sa
import sqlmodel.sql.sqltypes  # noqa: F401  (autogenerate renders AutoString; docs/engineering.md §3)
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GENESIS = "0" * 64
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
BATCH = 1000

audit_event = sa.table(
    "audit_event",
    sa.column("id", sa.Integer),
    sa.column("occurred_at", sa.DateTime(timezone=True)),
    *(sa.column(name, sa.Integer) for name in ("user_id", "unit_id", "entity_id")),
    *(sa.column(name, sa.Text) for name in ("actor", "entity", "action", "field", "old_value", "new_value", "reason")),
    sa.column("prev_hash", sa.String),
    sa.column("hash", sa.String),
)


def _event_hash(prev_hash: str, row) -> str:
    payload = {name: row[name] for name in HASHED_FIELDS}
    occurred = payload["occurred_at"]  # SQLite: naive UTC; PostgreSQL: aware
    occurred = occurred.replace(tzinfo=UTC) if occurred.tzinfo is None else occurred.astimezone(UTC)
    payload["occurred_at"] = occurred.isoformat(timespec="microseconds")
    text = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256((prev_hash + text).encode("utf-8")).hexdigest()


def _backfill() -> None:
    """Chain the existing rows in id order, a page at a time (bounded memory on big trails)."""
    bind = op.get_bind()
    columns = [audit_event.c[name] for name in ("id", *HASHED_FIELDS)]
    update = (
        audit_event.update()
        .where(audit_event.c.id == sa.bindparam("row_id"))
        .values(prev_hash=sa.bindparam("new_prev"), hash=sa.bindparam("new_hash"))
    )
    prev_hash, last_id = GENESIS, None
    while True:
        query = sa.select(*columns).order_by(audit_event.c.id).limit(BATCH)
        if last_id is not None:
            query = query.where(audit_event.c.id > last_id)
        rows = bind.execute(query).mappings().all()
        if not rows:
            return
        changes = []
        for row in rows:
            new_hash = _event_hash(prev_hash, row)
            changes.append({"row_id": row["id"], "new_prev": prev_hash, "new_hash": new_hash})
            prev_hash = new_hash
        bind.execute(update, changes)
        last_id = rows[-1]["id"]


def upgrade() -> None:
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("prev_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.add_column(sa.Column("hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
    _backfill()
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.alter_column("prev_hash", existing_type=sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False)
        batch_op.alter_column("hash", existing_type=sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_audit_event_prev_hash"), ["prev_hash"])


def downgrade() -> None:
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_audit_event_prev_hash"), type_="unique")
        batch_op.drop_column("hash")
        batch_op.drop_column("prev_hash")
