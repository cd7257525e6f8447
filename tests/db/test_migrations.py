"""Do the migrations build the same schema as the models, on SQLite and on PostgreSQL?"""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import Session, SQLModel

import kpi.models  # noqa: F401
from kpi.budget.models import BudgetLine, FiscalYear, Unit
from kpi.db import make_engine
from kpi.migrate import alembic_config, current_revision, head_revision, upgrade_to_head


def assert_schema_matches_models(engine) -> None:
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), SQLModel.metadata)
    assert diff == [], f"models and migrations differ: {diff}"


def assert_decimals_are_exact(engine) -> None:
    with Session(engine) as session:
        unit = Unit(name="精度测试单位")
        year = FiscalYear(year=2031)
        session.add_all([unit, year])
        session.flush()
        amounts = [Decimal("1276"), Decimal("0.2"), Decimal("19000.1234"), Decimal("123456789012.3456")]
        for i, amount in enumerate(amounts):
            session.add(
                BudgetLine(unit_id=unit.id, year_id=year.id, kind="project", name=f"项目{i}", initial_budget=amount)
            )
        session.commit()
    with Session(engine) as session:
        stored = session.exec(sa.select(BudgetLine.initial_budget).order_by(BudgetLine.name)).scalars().all()
    assert stored == amounts
    assert all(isinstance(value, Decimal) for value in stored)


def exercise_migrations(engine) -> None:
    upgrade_to_head(engine)
    assert current_revision(engine) == head_revision()
    tables = set(sa.inspect(engine).get_table_names())
    assert set(SQLModel.metadata.tables) <= tables
    assert_schema_matches_models(engine)
    # Down to nothing and back up: both directions must work on this engine.
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "base")
    assert set(sa.inspect(engine).get_table_names()) <= {"alembic_version"}
    upgrade_to_head(engine)
    assert_decimals_are_exact(engine)


def test_migrations_build_the_model_schema_on_sqlite(empty_sqlite_url):
    engine = make_engine(empty_sqlite_url)
    exercise_migrations(engine)
    engine.dispose()


@pytest.mark.postgres
def test_migrations_build_the_model_schema_on_postgres(pg_url):
    engine = make_engine(pg_url)
    exercise_migrations(engine)
    engine.dispose()


def test_migrating_twice_is_harmless(empty_sqlite_url):
    engine = make_engine(empty_sqlite_url)
    upgrade_to_head(engine)
    upgrade_to_head(engine)
    assert current_revision(engine) == head_revision()
    engine.dispose()
