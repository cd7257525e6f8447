"""Row-level helpers shared by every feature: insert-or-ignore and the row lock."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session


def dialect_insert(session: Session, table):
    """INSERT for the session's engine, with its ON CONFLICT clauses (PostgreSQL and SQLite)."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


def insert_or_ignore(session: Session, model, values: dict, keys: list[str]) -> int | None:
    """INSERT the row unless one with the same `keys` (a UNIQUE constraint) exists; the new id or None.

    ON CONFLICT DO NOTHING on PostgreSQL and SQLite alike: two processes inserting at
    once get exactly one row, and the loser learns it created nothing.
    """
    statement = (
        dialect_insert(session, model).values(**values).on_conflict_do_nothing(index_elements=keys).returning(model.id)
    )
    return session.execute(statement).scalar_one_or_none()


def lock_row(session: Session, model, row_id: int):
    """The row as committed, locked until this transaction ends; other writers of it wait.

    PostgreSQL locks the row (SELECT … FOR UPDATE). SQLite has no row locks and pysqlite
    begins a transaction only at the first write, so a write that changes nothing takes the
    database's write lock first; every read after it sees what others committed.
    """
    if session.get_bind().dialect.name == "sqlite":
        session.execute(
            sa.update(model).where(model.id == row_id).values(id=model.id).execution_options(synchronize_session=False)
        )
    statement = sa.select(model).where(model.id == row_id).with_for_update().execution_options(populate_existing=True)
    return session.execute(statement).scalar_one()
