"""Throttled password guessing: attempts per (subject, source), counted in the database.

Not a lock on the account: five anonymous requests used to lock its owner out for 15
minutes, again and again (issue #13). Not only Flask-Limiter either: its memory:// store
counts per worker. One row per subject (the typed login name, whether or not it exists; or
the account whose current password is being checked) and source (the client address) counts
every attempt with one atomic upsert, committed *before* the password is checked, so N
parallel guesses count N and at most MAX_ATTEMPTS of them are ever checked. A correct
password clears the row; QUIET without an attempt starts the count over. An attacker at one
address keeps only their own pair throttled; the owner elsewhere signs in as usual.
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from sqlmodel import Session

from kpi.accounts.models import LoginThrottle
from kpi.core.rows import dialect_insert
from kpi.db import utcnow

MAX_ATTEMPTS = 5
QUIET = timedelta(minutes=15)
QUIET_MINUTES = int(QUIET.total_seconds() // 60)
_TABLE = LoginThrottle.__table__
_SUBJECT_LENGTH = _TABLE.c.subject.type.length


def login_subject(username: str) -> str:
    return ("login:" + username)[:_SUBJECT_LENGTH]


def password_subject(user_id: int) -> str:
    return f"password:{user_id}"


def count_attempt(session: Session, subject: str, source: str = "") -> int:
    """Count one attempt and commit it; the attempts since the row was last cleared or quiet,
    this one included. More than MAX_ATTEMPTS means: refuse, whatever the password."""
    now = utcnow()
    cutoff = now - QUIET
    stale = _TABLE.c.last_at < cutoff
    upsert = (
        dialect_insert(session, _TABLE)
        .values(subject=subject, source=source, failures=1, last_at=now)
        .on_conflict_do_update(
            index_elements=[_TABLE.c.subject, _TABLE.c.source],
            set_={"failures": sa.case((stale, 1), else_=_TABLE.c.failures + 1), "last_at": now},
        )
        .returning(_TABLE.c.failures)
    )
    failures = session.execute(upsert).scalar_one()
    session.commit()  # visible to every parallel attempt before this one's password is checked
    if failures == 1:
        # A new (or revived) pair is what grows the table: drop the quiet ones now and then.
        session.execute(sa.delete(_TABLE).where(stale))
        session.commit()
    return failures


def clear(session: Session, subject: str, source: str | None = None) -> None:
    """Forget the attempts at `subject` (from `source`, or from everywhere), in the caller's transaction."""
    query = sa.delete(_TABLE).where(_TABLE.c.subject == subject)
    if source is not None:
        query = query.where(_TABLE.c.source == source)
    session.execute(query)
