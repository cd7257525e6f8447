"""Does `kpi demo-scale` make plausible, deterministic units, on SQLite and PostgreSQL?

Speed is measured by `make bench`, never here.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlmodel import Session, SQLModel, select

from kpi.budget.models import FiscalYear, Unit
from kpi.db import make_engine
from kpi.domain.entries import Band
from tests.conftest import build_database
from tools.scale.commands import demo_scale_command
from tools.scale.generator import DEMO_PREFIX
from tools.scale.writer import TABLES, DemoDataExists, generate

YEAR = 2023
UNITS = 5


@pytest.fixture
def engine(sqlite_url):
    built = make_engine(sqlite_url)
    yield built
    built.dispose()


def dump(engine, *, with_ids: bool = True) -> dict[str, list[tuple]]:
    """Every generated row, by table in id order (without the id columns when ``with_ids`` is off)."""
    tables = SQLModel.metadata.tables
    out = {}
    with engine.connect() as conn:
        for name in TABLES:
            table = tables[name]
            columns = [c for c in table.c if with_ids or not (c.name == "id" or c.name.endswith("_id"))]
            rows = conn.execute(sa.select(*columns).order_by(table.c.id)).all()
            out[name] = [tuple(_without_ids(row, with_ids)) for row in rows]
    return out


def _without_ids(row, with_ids: bool):
    """The row; without ids, a mapping keyed by ids (the score snapshot's) becomes its values in order."""
    if with_ids:
        return row
    return [sorted(map(str, value.values())) if isinstance(value, dict) else value for value in row]


def per_unit(engine, table: str, **where) -> dict[int, int]:
    t = SQLModel.metadata.tables[table]
    query = sa.select(t.c.unit_id, sa.func.count()).group_by(t.c.unit_id)
    for column, value in where.items():
        query = query.where(t.c[column] == value)
    with engine.connect() as conn:
        return dict(conn.execute(query).all())


def demo_ids(engine) -> list[int]:
    with engine.connect() as conn:
        query = sa.select(Unit.id).where(Unit.name.like(f"{DEMO_PREFIX}%")).order_by(Unit.id)
        return list(conn.execute(query).scalars())


def test_each_unit_gets_a_budget_a_table_of_60_to_70_indicators_and_every_report(engine):
    summary = generate(engine, units=UNITS, year=YEAR, seed=7)
    units = demo_ids(engine)
    assert len(units) == UNITS == summary.units
    indicators = per_unit(engine, "indicator", scope="unit")
    lines = per_unit(engine, "budget_line")
    for unit_id in units:
        assert 60 <= indicators[unit_id] <= 70
        assert 3 <= lines[unit_id] <= 6  # 基本支出 + 2–5 projects
    assert set(per_unit(engine, "quarter_report").values()) == {4}
    assert set(per_unit(engine, "monitoring_report").values()) == {1}
    assert set(per_unit(engine, "self_evaluation").values()) == {1}
    assert summary.rows["monitoring_item"] == summary.rows["indicator"]
    with engine.connect() as conn:
        names = conn.execute(sa.select(Unit.name).where(Unit.id.in_(units)).order_by(Unit.id)).scalars().all()
    assert names[0].startswith("示例单位0001（深圳市") and names[0].endswith("）")


def test_the_same_seed_gives_the_same_rows(tmp_path, seeded_sqlite_template):
    dumps = []
    for copy in ("a", "b"):
        path = tmp_path / f"{copy}.sqlite3"
        path.write_bytes(seeded_sqlite_template.read_bytes())
        engine = make_engine(f"sqlite:///{path}")
        generate(engine, units=3, year=YEAR, seed=42)
        dumps.append(dump(engine))
        engine.dispose()
    assert dumps[0] == dumps[1]
    assert dumps[0]["indicator_result"]


def test_another_seed_gives_other_figures(engine, tmp_path, seeded_sqlite_template):
    generate(engine, units=2, year=YEAR, seed=1)
    path = tmp_path / "other.sqlite3"
    path.write_bytes(seeded_sqlite_template.read_bytes())
    other = make_engine(f"sqlite:///{path}")
    generate(other, units=2, year=YEAR, seed=2)
    assert dump(engine)["indicator_result"] != dump(other)["indicator_result"]
    other.dispose()


def test_a_unit_does_not_depend_on_how_many_are_generated(engine, tmp_path, seeded_sqlite_template):
    generate(engine, units=1, year=YEAR, seed=3)
    path = tmp_path / "more.sqlite3"
    path.write_bytes(seeded_sqlite_template.read_bytes())
    more = make_engine(f"sqlite:///{path}")
    generate(more, units=3, year=YEAR, seed=3)
    first = dump(engine, with_ids=False)
    assert all(dump(more, with_ids=False)[t][: len(first[t])] == first[t] for t in ("indicator", "budget_line"))
    more.dispose()


def test_figures_are_decimals_that_fit_each_indicators_kind(engine):
    generate(engine, units=UNITS, year=YEAR, seed=11)
    tables = SQLModel.metadata.tables
    result, indicator = tables["indicator_result"], tables["indicator"]
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(indicator.c.aggregation, indicator.c.target_value, result).join(
                indicator, indicator.c.id == result.c.indicator_id
            )
        ).all()
        spent = conn.execute(sa.select(tables["budget_execution"].c.spent)).scalars().all()
    kinds = {row.aggregation for row in rows}
    assert {"cumulative", "rate", "level", "qualitative", "deadline"} <= kinds
    for row in rows:
        if row.aggregation in ("cumulative", "level"):
            assert isinstance(row.value, Decimal) and row.value >= 0 and row.band is None
        elif row.aggregation == "rate":
            if row.value is None:
                assert Decimal(0) <= row.numerator <= row.denominator and row.denominator > 0
            else:
                assert isinstance(row.value, Decimal) and Decimal(0) <= row.value <= 100
        elif row.aggregation == "qualitative":
            assert Band(row.band) and row.value is None
        elif row.aggregation == "deadline":
            assert date(YEAR, 1, 1) <= row.achieved_on <= date(YEAR, 12, 31)
        else:
            pytest.fail(f"{row.aggregation} indicators take no entries")
    assert spent and all(isinstance(amount, Decimal) and amount > 0 for amount in spent)


def test_the_score_snapshot_is_what_scoring_the_stored_figures_gives(engine):
    sheet = pytest.importorskip("kpi.evaluation.sheet")
    generate(engine, units=3, year=YEAR, seed=5)
    with Session(engine) as session:
        year = session.exec(select(FiscalYear).where(FiscalYear.year == YEAR)).one()
        from kpi.evaluation.models import SelfEvaluation

        for unit in session.exec(select(Unit).where(Unit.name.like(f"{DEMO_PREFIX}%"))):
            stored = session.exec(select(SelfEvaluation).where(SelfEvaluation.unit_id == unit.id)).one()
            fresh = sheet.evaluate(session, unit, year)
            assert (stored.total_score, stored.grade) == (fresh.total, fresh.grade)
            scores = {
                str(row.indicator.id): [str(row.score.points), str(row.score.score)]
                for table in fresh.tables
                for row in table.rows
            }
            assert stored.indicator_scores == scores  # what a save would keep (kpi.evaluation.service)
            assert stored.status in ("draft", "submitted", "approved", "returned")


def test_a_second_run_is_refused_unless_replace(engine):
    generate(engine, units=2, year=YEAR, seed=1)
    with pytest.raises(DemoDataExists, match="--replace"):
        generate(engine, units=2, year=YEAR, seed=1)
    before = dump(engine, with_ids=False)
    summary = generate(engine, units=2, year=YEAR, seed=1, replace=True)
    assert summary.replaced_units == 2
    assert dump(engine, with_ids=False) == before


def test_replacing_with_fewer_units_leaves_no_empty_demo_units(engine):
    generate(engine, units=3, year=YEAR, seed=1)
    generate(engine, units=1, year=YEAR, seed=1, replace=True)
    assert len(demo_ids(engine)) == 1
    assert set(per_unit(engine, "quarter_report")) == set(demo_ids(engine))


def test_the_command_shows_counts_and_refuses_to_run_twice(app):
    runner = app.test_cli_runner()
    result = runner.invoke(demo_scale_command, ["--units", "2", "--year", str(YEAR), "--seed", "9"])
    assert result.exit_code == 0, result.output
    assert "已生成 2 个示例单位" in result.output and "指标完成值" in result.output
    again = runner.invoke(demo_scale_command, ["--units", "2", "--year", str(YEAR)])
    assert again.exit_code == 1
    assert "已有 2 个示例单位的数据" in again.output
    replaced = runner.invoke(demo_scale_command, ["--units", "3", "--year", str(YEAR), "--replace"])
    assert replaced.exit_code == 0, replaced.output
    assert "已删除 2 个示例单位" in replaced.output


@pytest.mark.postgres
def test_demo_scale_on_postgres_is_repeatable_with_replace(pg_url):
    build_database(pg_url)
    engine = make_engine(pg_url)
    try:
        generate(engine, units=UNITS, year=YEAR, seed=4)
        first = dump(engine, with_ids=False)
        assert set(per_unit(engine, "quarter_report").values()) == {4}
        assert all(60 <= n <= 70 for n in per_unit(engine, "indicator", scope="unit").values())
        with pytest.raises(DemoDataExists):
            generate(engine, units=UNITS, year=YEAR, seed=4)
        generate(engine, units=UNITS, year=YEAR, seed=4, replace=True)
        assert dump(engine, with_ids=False) == first
        with engine.connect() as conn:  # the sequences moved past the ids handed out
            next_id = conn.execute(sa.text("SELECT nextval(pg_get_serial_sequence('indicator', 'id'))")).scalar()
            assert next_id > conn.execute(sa.text("SELECT max(id) FROM indicator")).scalar()
    finally:
        engine.dispose()
