"""Database plumbing: metadata conventions, engine and sessions (exact decimals: kpi.core.decimals).

Models import `Money`/`Quantity` and this module *before* defining tables, so the
naming convention below applies to every constraint (SQLite needs named
constraints for Alembic's batch mode; docs/engineering.md §3).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import sqlalchemy as sa
from flask import Flask, current_app, g
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel

from kpi.core.decimals import ExactDecimal, Money, Quantity  # noqa: F401  (re-exported: models import them from here)

SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @sa.event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.close()

        return engine
    # PostgreSQL: one pool per process (each gunicorn worker, the scheduler). Size it so
    # workers × (pool + overflow) stays under the server's max_connections (README,
    # "Deployment"). pre_ping survives a database restart; recycle drops connections
    # before a firewall or pgbouncer silently closes idle ones.
    return sa.create_engine(
        url,
        pool_pre_ping=True,
        pool_recycle=_env_int("KPI_DB_POOL_RECYCLE", 1800),
        pool_size=_env_int("KPI_DB_POOL_SIZE", 5),
        max_overflow=_env_int("KPI_DB_MAX_OVERFLOW", 10),
    )


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    if not (value.isascii() and value.isdigit()):
        from kpi.config import ConfigError

        raise ConfigError(f"{name} must be a whole number, not {value!r}")
    return int(value)


def init_app(app: Flask) -> None:
    app.extensions["kpi_engine"] = make_engine(app.config["KPI_DATABASE_URL"])
    app.teardown_appcontext(_close_session)


def engine() -> Engine:
    return current_app.extensions["kpi_engine"]


def get_session() -> Session:
    """The request's session; closed (and rolled back if uncommitted) at teardown."""
    if "kpi_session" not in g:
        g.kpi_session = Session(engine(), expire_on_commit=False)
    return g.kpi_session


def _close_session(_exc) -> None:
    session = g.pop("kpi_session", None)
    if session is not None:
        session.close()


@contextmanager
def transaction(bind: Engine | None = None) -> Iterator[Session]:
    """A session that commits on success and rolls back everything on error."""
    with Session(bind or engine(), expire_on_commit=False) as session:
        with session.begin():
            yield session
