"""The audit trail's keyed MACs: only a holder of KPI_AUDIT_KEY can write a row that verifies.

The SHA-256 chain (kpi/audit/service.py) is public: anyone who can write to the
database can edit a row and recompute every hash after it. Each row therefore also
carries `mac` = HMAC-SHA256(audit key, its hash). The hash already covers the row's
fields and, through prev_hash, every row before it, so one MAC vouches for the whole
prefix. The key lives in the environment (kpi/config.py), never in the database.
"""

from __future__ import annotations

import hashlib
import hmac

from flask import current_app, has_app_context
from sqlalchemy.orm import Session as OrmSession

# session.info entry that names the key for sessions opened outside an app context
# (scripts and tests with a bare engine); inside one, the app's KPI_AUDIT_KEY is used.
KEY_INFO = "kpi_audit_key"
# Domain separation: an event MAC can never be replayed as a checkpoint MAC, or back.
EVENT_CONTEXT = b"kpi-audit-event-v1\x00"
CHECKPOINT_CONTEXT = b"kpi-audit-checkpoint-v1\x00"


def signing_key(session: OrmSession) -> bytes | None:
    """The audit key for rows this session writes: its own (session.info), else the app's."""
    key = session.info.get(KEY_INFO)
    if key is None and has_app_context():
        key = current_app.config.get("KPI_AUDIT_KEY")
    return key or None


def mac(key: bytes, context: bytes, message: str) -> str:
    return hmac.new(key, context + message.encode("utf-8"), hashlib.sha256).hexdigest()


def event_mac(key: bytes, event_hash: str) -> str:
    """HMAC-SHA256 of an event's chained hash, as 64 hex digits."""
    return mac(key, EVENT_CONTEXT, event_hash)


def same(expected: str, found: object) -> bool:
    """Constant-time comparison that never raises, whatever the database or file holds."""
    if not isinstance(found, str):
        return False
    return hmac.compare_digest(expected.encode("utf-8"), found.encode("utf-8", "surrogatepass"))
