"""The audit trail (审计记录): append-only, one row per changed value, hash-chained.

Each row carries `hash` = sha256(prev_hash + canonical JSON of its fields) and the
previous row's hash as `prev_hash` (kpi/audit/service.py computes both), so editing,
deleting, inserting or reordering rows in the database breaks a link that
`kpi audit verify` finds. `prev_hash` is UNIQUE: two events can never claim the same
predecessor, so concurrent writers cannot fork the chain even if the lock were missed.
The chain is public, so `mac` signs each hash with a key kept outside the database
(kpi/audit/signing.py; docs/audit.md).
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from kpi.db import utcnow


class AuditEvent(SQLModel, table=True):
    __tablename__ = "audit_event"
    __table_args__ = (sa.Index("ix_audit_event_entity", "entity", "entity_id"),)
    id: int | None = Field(default=None, primary_key=True)
    occurred_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))
    user_id: int | None = Field(default=None, foreign_key="user.id")
    actor: str = Field(default="", max_length=100)  # username or "system"/"cli", kept if the user goes
    unit_id: int | None = Field(default=None, foreign_key="unit.id", index=True)
    entity: str = Field(max_length=50)
    entity_id: int | None = None
    action: str = Field(max_length=30)
    field: str | None = Field(default=None, max_length=100)
    old_value: str | None = Field(default=None, sa_type=sa.Text)
    new_value: str | None = Field(default=None, sa_type=sa.Text)
    reason: str | None = Field(default=None, sa_type=sa.Text)
    # Filled at flush time by the chain hook; no default, so a row that skipped it fails loudly.
    prev_hash: str = Field(max_length=64, unique=True)
    hash: str = Field(max_length=64)
    # HMAC-SHA256 of `hash` under KPI_AUDIT_KEY. NULL only on rows written before migration
    # 0012 (until `kpi audit seal` signs them) or without the key: `verify` reports both.
    mac: str | None = Field(default=None, max_length=64)
