"""Throw-away databases for the benchmark: PostgreSQL ones created and dropped, a SQLite file.

Each is migrated to head and gets the seed dataset (with its demo accounts) before the
synthetic units, as `kpi init` followed by `kpi demo-scale` would.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

from kpi.dataset import load_default_dataset_if_empty
from kpi.db import make_engine, transaction
from kpi.migrate import upgrade_to_head
from tools.scale.writer import Summary, generate

# The same server the PostgreSQL tests use (tests/conftest.py).
PG_ADMIN_URL = (
    os.environ.get("KPI_BENCH_PG_ADMIN_URL")
    or os.environ.get("KPI_TEST_PG_ADMIN_URL")
    or "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def postgres_available() -> str | None:
    """None when the server answers, else why not."""
    try:
        engine = sa.create_engine(PG_ADMIN_URL)
        with engine.connect():
            pass
        engine.dispose()
        return None
    except Exception as error:  # noqa: BLE001  (any failure means: no PostgreSQL for this run)
        return f"{type(error).__name__}: {error}"[:200]


@contextmanager
def postgres_database(label: str) -> Iterator[str]:
    """The URL of a new, empty database, dropped afterwards whatever happens."""
    name = f"kpi_bench_{label}_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def prepare(url: str) -> None:
    """Migrate to head and load the seed dataset (and demo accounts) into the empty database."""
    engine = make_engine(url)
    try:
        upgrade_to_head(engine)
        with transaction(engine) as session:
            load_default_dataset_if_empty(session)
    finally:
        engine.dispose()


def demo_units(url: str, units: int, year: int, seed: int) -> Summary:
    """`kpi demo-scale` on ``url``; the summary carries the elapsed time of the generation alone."""
    engine = make_engine(url)
    try:
        summary = generate(engine, units=units, year=year, seed=seed)
    finally:
        engine.dispose()
    if engine.dialect.name == "postgresql":
        _analyze(url)
    return summary


def _analyze(url: str) -> None:
    # Fresh tables have no statistics and no visibility map yet; production's autovacuum would
    # have made both (this machine runs PostgreSQL with autovacuum off).
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("VACUUM ANALYZE"))
    finally:
        engine.dispose()


def demo_unit_id(url: str, index: int = 1) -> int:
    """The id of 示例单位<index>, the unit whose pages are measured."""
    from tools.scale.generator import unit_name

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text("SELECT id FROM unit WHERE name = :n"), {"n": unit_name(index)[0]}).scalar_one()
    finally:
        engine.dispose()
