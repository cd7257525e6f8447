"""Alembic environment.

The URL comes from, in order: a connection handed over by kpi.migrate (the app and
tests), the `sqlalchemy.url` option, KPI_DATABASE_URL, or the instance default.
render_as_batch lets the same scripts ALTER tables on SQLite (docs/engineering.md §3).
"""

from __future__ import annotations

import os
from pathlib import Path

from alembic import context
from sqlalchemy import engine_from_config, pool
from sqlmodel import SQLModel

import kpi.models  # noqa: F401  (registers every table on the metadata)
from kpi.config import default_database_url
from kpi.db import ExactDecimal

config = context.config
target_metadata = SQLModel.metadata


def _url() -> str:
    return (
        config.get_main_option("sqlalchemy.url")
        or os.environ.get("KPI_DATABASE_URL")
        or default_database_url(Path(__file__).resolve().parents[1] / "instance")
    )


def _render_item(type_, obj, autogen_context):
    # Migrations must not import app code that may change later: render our exact-decimal
    # column type as what it is in each database, NUMERIC on PostgreSQL and text on SQLite
    # (kpi.core.decimals, migration 0008).
    if type_ == "type" and isinstance(obj, ExactDecimal):
        return f"sa.Numeric({obj.precision}, {obj.scale}).with_variant(sa.String({obj.text_length}), 'sqlite')"
    return False


def _configure(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
        render_item=_render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        return
    engine = engine_from_config({"sqlalchemy.url": _url()}, prefix="sqlalchemy.", poolclass=pool.NullPool)
    with engine.connect() as connection:
        _configure(connection)


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
