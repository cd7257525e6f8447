"""The audit trail: record every change, read it back. There is no way to edit it."""
from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Session, select

from kpi.audit.models import AuditEvent


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
    """Append one event in the caller's transaction (it commits or rolls back with the change)."""
    event = AuditEvent(
        actor=actor, user_id=user_id, unit_id=unit_id, entity=entity, entity_id=entity_id, action=action,
        field=field, old_value=_text(old_value), new_value=_text(new_value), reason=reason,
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


@sa.event.listens_for(AuditEvent, "before_update")
@sa.event.listens_for(AuditEvent, "before_delete")
def _audit_is_append_only(_mapper, _connection, _target):
    # The trail is evidence: nothing in the application may rewrite or remove it.
    raise PermissionError("audit events cannot be changed or deleted")
