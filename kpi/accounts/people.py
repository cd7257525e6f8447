"""Who did what, named as people know them: the audit trail records ids, pages show names.

Here rather than in kpi.audit, which every feature writes to and so must lean on none.
"""

from __future__ import annotations

from sqlmodel import Session, select

from kpi.accounts.models import User
from kpi.audit.models import AuditEvent
from kpi.core.people import person


def people(session: Session, events: list[AuditEvent]) -> dict[int, str]:
    """Who did each event (kpi.core.people): by event id."""
    ids = {event.user_id for event in events if event.user_id is not None}
    names = dict(session.exec(select(User.id, User.display_name).where(User.id.in_(ids))).all()) if ids else {}
    return {event.id: person(names.get(event.user_id), event.actor) for event in events}
