"""Does every decimal a column can hold come back exactly, on SQLite and on PostgreSQL?"""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest
import sqlalchemy as sa
from alembic import command
from hypothesis import example, given, settings
from hypothesis import strategies as st
from sqlmodel import Session

import kpi.models  # noqa: F401
from kpi.budget.models import BudgetLine, FiscalYear, Unit
from kpi.core.decimals import Money, Quantity, sums_by
from kpi.db import make_engine
from kpi.domain import entries
from kpi.indicators.models import Indicator
from kpi.migrate import alembic_config, downgrade_to, upgrade_to_head


def scaled(digits: int, places: int) -> st.SearchStrategy[Decimal]:
    """Every value of NUMERIC(digits, places): negative, zero, up to all its digits."""
    top = 10**digits - 1
    return st.integers(min_value=-top, max_value=top).map(lambda n: Decimal(n).scaleb(-places))


def fresh(engine) -> tuple[int, int]:
    with Session(engine) as session:
        unit, year = Unit(name="精度测试单位"), FiscalYear(year=2031)
        session.add_all([unit, year])
        session.commit()
        return unit.id, year.id


def exercise_round_trips(engine) -> None:
    unit_id, year_id = fresh(engine)
    names = itertools.count()  # a failing example leaves its rows: the next one must not collide

    @settings(max_examples=40, deadline=None)
    @given(money=scaled(16, 4), quantity=scaled(20, 4), points=scaled(8, 2))
    @example(money=Decimal("999999999999.9999"), quantity=Decimal("12345678901234.5678"), points=Decimal("-0.01"))
    @example(money=Decimal("-999999999999.9999"), quantity=Decimal("-9999999999999999.9999"), points=Decimal("0.00"))
    @example(money=Decimal("0.0001"), quantity=Decimal("9999999999999999.9999"), points=Decimal("999999.99"))
    def round_trip(money, quantity, points):
        with Session(engine) as session:
            line = BudgetLine(
                unit_id=unit_id,
                year_id=year_id,
                kind="project",
                name=f"项目{next(names)}",
                initial_budget=money,
                adjusted_budget=-money,
            )
            indicator = Indicator(
                unit_id=unit_id,
                year_id=year_id,
                level1="产出指标",
                level2="数量指标",
                name="指标",
                kind="count",
                aggregation="cumulative",
                target_value=quantity,
                plan_q1=-quantity,
                points=points,
            )
            session.add_all([line, indicator])
            session.commit()
            ids = line.id, indicator.id
        with engine.connect() as conn:  # read back by Core, nothing cached
            stored_money = conn.execute(
                sa.select(BudgetLine.initial_budget, BudgetLine.adjusted_budget).where(BudgetLine.id == ids[0])
            ).one()
            stored_quantity = conn.execute(
                sa.select(Indicator.target_value, Indicator.plan_q1, Indicator.points).where(Indicator.id == ids[1])
            ).one()
        assert tuple(stored_money) == (money, -money)
        assert tuple(stored_quantity) == (quantity, -quantity, points)
        # The same digits too: the column's scale, and never "-0".
        assert [str(value) for value in (*stored_money, *stored_quantity)] == [
            format(value.copy_abs() if value == 0 else value, "f")
            for value in (money, -money, quantity, -quantity, points)
        ]
        with Session(engine) as session:
            session.execute(sa.delete(Indicator).where(Indicator.id == ids[1]))
            session.execute(sa.delete(BudgetLine).where(BudgetLine.id == ids[0]))
            session.commit()

    round_trip()


def test_decimals_round_trip_exactly_on_sqlite(empty_sqlite_url):
    engine = make_engine(empty_sqlite_url)
    upgrade_to_head(engine)
    exercise_round_trips(engine)
    engine.dispose()


@pytest.mark.postgres
def test_decimals_round_trip_exactly_on_postgres(pg_url):
    engine = make_engine(pg_url)
    upgrade_to_head(engine)
    exercise_round_trips(engine)
    engine.dispose()


def exercise_sums(engine) -> None:
    unit_id, year_id = fresh(engine)
    amounts = [
        Decimal("999999999999.9999"),
        Decimal("0.0001"),
        Decimal("123456789012.3456"),
        Decimal("-0.5"),
        Decimal("10"),
        Decimal("9"),
    ]
    with Session(engine) as session:
        session.add_all(
            [
                BudgetLine(
                    unit_id=unit_id,
                    year_id=year_id,
                    kind="project",
                    name=f"项目{i}",
                    initial_budget=amount,
                    adjusted_budget=None if i % 2 else amount,
                )
                for i, amount in enumerate(amounts)
            ]
        )
        session.commit()
        full_year = sa.func.coalesce(BudgetLine.adjusted_budget, BudgetLine.initial_budget)
        totals = sums_by(session, sa.select(BudgetLine.unit_id, full_year).where(BudgetLine.year_id == year_id))
        by_kind = sums_by(session, sa.select(BudgetLine.unit_id, BudgetLine.kind, BudgetLine.adjusted_budget))
    assert totals == {unit_id: sum(amounts)} and str(totals[unit_id]) == "1123456789030.8456"
    assert by_kind == {(unit_id, "project"): Decimal("999999999999.9999") + Decimal("123456789012.3456") + 10}


def test_sums_are_exact_on_sqlite(empty_sqlite_url):
    engine = make_engine(empty_sqlite_url)
    upgrade_to_head(engine)
    exercise_sums(engine)
    engine.dispose()


@pytest.mark.postgres
def test_sums_are_exact_on_postgres(pg_url):
    engine = make_engine(pg_url)
    upgrade_to_head(engine)
    exercise_sums(engine)
    engine.dispose()


@pytest.mark.parametrize(
    "value",
    [
        Decimal("1e12"),
        Decimal("-1000000000000"),
        Decimal("999999999999.99995"),
        Decimal("NaN"),
        Decimal("Infinity"),
        "abc",
    ],
)
def test_a_value_beyond_the_column_is_refused_not_stored(value):
    with pytest.raises(ValueError):
        Money().exact(value)


def test_the_input_limits_are_the_columns_limits():
    for column, digits in ((Money(), entries.MONEY_DIGITS), (Quantity(), entries.QUANTITY_DIGITS)):
        assert (column.precision - column.scale, column.scale) == (digits, entries.MAX_PLACES)


def test_the_migration_rewrites_stored_numbers_as_canonical_text(empty_sqlite_url):
    """A database from before 0008 keeps what people saw, now as exact text, and its references."""
    engine = make_engine(empty_sqlite_url)
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0007")
    with engine.begin() as conn:  # as the old type wrote them: floats into NUMERIC columns
        conn.exec_driver_sql("INSERT INTO unit (id, name, created_at) VALUES (1, 'u', '2023-01-01')")
        conn.exec_driver_sql("INSERT INTO fiscal_year (id, year) VALUES (1, 2023)")
        conn.exec_driver_sql(
            "INSERT INTO budget_line (id, unit_id, year_id, kind, name, description, initial_budget, adjusted_budget, "
            "display_order) VALUES (1, 1, 1, 'project', 'p', '', ?, ?, 0)",
            (1276, 19000.1),
        )
        conn.exec_driver_sql(
            "INSERT INTO indicator (id, unit_id, year_id, scope, budget_line_id, level1, level2, name, target_text, "
            "target_value, plan_q1, points, kind, direction, aggregation, display_order, version, created_at, updated_at) "
            "VALUES (1, 1, 1, 'project', 1, 'a', 'b', 'c', '', ?, ?, ?, 'count', 'positive', 'cumulative', 0, 1, "
            "'2023-01-01', '2023-01-01')",
            (12345678901234.5678, -0.0, 2.5),
        )
    upgrade_to_head(engine)
    with engine.connect() as conn:
        line = conn.exec_driver_sql(
            "SELECT initial_budget, adjusted_budget, typeof(initial_budget) FROM budget_line"
        ).one()
        indicator = conn.exec_driver_sql("SELECT target_value, plan_q1, points, budget_line_id FROM indicator").one()
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []
    assert tuple(line) == ("1276.0000", "19000.1000", "text")
    # The double had already lost the last digits; the value shown before 0008 is what is kept.
    assert tuple(indicator) == ("12345678901234.5680", "0.0000", "2.50", 1)
    downgrade_to(engine, "0007")  # and back: NUMERIC again
    with engine.connect() as conn:
        assert conn.exec_driver_sql(
            "SELECT typeof(initial_budget), typeof(adjusted_budget) FROM budget_line"
        ).one() == ("integer", "real")
    engine.dispose()


NUMBER_TEXT = st.from_regex(r"[0-9]{0,18}(\.[0-9]{0,6})?", fullmatch=True)


@settings(max_examples=200, deadline=None)
@given(NUMBER_TEXT)
@example("9999999999999999.9999")
@example("12345678901234.5678")
@example("1.00000")
def test_whatever_the_parsers_accept_its_column_holds_unrounded(text):
    for parse, column in (
        (lambda t: entries.parse_entry("cumulative", {"value": t}).value, Quantity()),
        (entries.parse_amount, Money()),
    ):
        try:
            value = parse(text)
        except entries.EntryError:
            continue
        if value is not None:
            assert column.exact(value) == value


def test_sqlite_sums_texts_written_by_hand_with_fewer_decimals_alike(empty_sqlite_url):
    """A value written outside the ORM ("12.5", "-3") counts as what it says, not as 125 or -3 units."""
    engine = make_engine(empty_sqlite_url)
    upgrade_to_head(engine)
    unit_id, year_id = fresh(engine)
    with engine.begin() as conn:
        for index, text in enumerate(["12.5", "-3", "0.0001", "7.25", "100.0000"]):
            conn.execute(
                sa.text(
                    "INSERT INTO budget_line (unit_id, year_id, kind, name, description, initial_budget, display_order) "
                    "VALUES (:unit, :year, 'project', :name, '', :amount, 0)"
                ),
                {"unit": unit_id, "year": year_id, "name": f"手写{index}", "amount": text},
            )
    with Session(engine) as session:
        totals = sums_by(
            session, sa.select(BudgetLine.unit_id, BudgetLine.initial_budget).where(BudgetLine.year_id == year_id)
        )
    assert totals == {unit_id: Decimal("116.7501")}
    engine.dispose()


def test_sums_refuse_a_column_that_is_not_exact(empty_sqlite_url):
    engine = make_engine(empty_sqlite_url)
    upgrade_to_head(engine)
    with Session(engine) as session, pytest.raises(TypeError):
        sums_by(session, sa.select(BudgetLine.unit_id, BudgetLine.display_order))
    engine.dispose()
