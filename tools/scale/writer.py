"""Write synthetic units with Core bulk inserts: ids handed out up front, a batch of units at a time.

Ids are assigned before the rows are inserted, so a unit's rows can point at each other without a
round trip per row: on PostgreSQL they are drawn in blocks from each table's own sequence (safe
beside a running app), on SQLite they continue from the table's largest id (SQLite has one
writer at a time). Every batch is one ``executemany`` per table, in foreign-key order, inside a
single transaction: a failed run leaves nothing behind.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlmodel import SQLModel

import kpi.models  # noqa: F401  (every table on the metadata)
from kpi.domain.scoring import ScoringSettings
from tools.scale.generator import DEMO_PREFIX, PARENTS, Run, build_unit, new_rows, stamp, unit_name
from tools.scale.reports import build_evaluation, build_monitoring
from tools.scale.templates import catalogue

# Foreign-key order: parents before children (deletion runs it backwards).
TABLES = (
    "unit",
    "budget_line",
    "performance_goal",
    "indicator",
    "quarter_report",
    "indicator_result",
    "budget_execution",
    "monitoring_report",
    "monitoring_item",
    "monitoring_budget_item",
    "self_evaluation",
    "self_evaluation_goal",
    "self_evaluation_item",
)
BATCH_UNITS = 50


class DemoDataExists(Exception):
    """Demo units already have data in the year; ``message`` is Chinese."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Summary:
    units: int
    year: int
    rows: dict[str, int]  # rows inserted, by table
    replaced_units: int  # demo units whose data for the year was deleted first (--replace)
    seconds: float


class Ids:
    """``ids(table)`` is a fresh primary key for ``table``."""

    def __init__(self, connection: Connection):
        self.connection = connection
        self.postgres = connection.dialect.name == "postgresql"
        self.free: dict[str, list[int]] = {}
        self.block: Counter = Counter()
        self.next: dict[str, int] = {}

    def __call__(self, table: str) -> int:
        if not self.postgres:
            if table not in self.next:
                largest = self.connection.execute(sa.text(f'SELECT max(id) FROM "{table}"')).scalar()
                self.next[table] = (largest or 0) + 1
            self.next[table] += 1
            return self.next[table] - 1
        free = self.free.get(table)
        if not free:
            # Blocks grow with use, so a big table costs a few dozen queries, not thousands.
            self.block[table] = min(50_000, max(500, self.block[table] * 2))
            free = self.free[table] = list(
                reversed(
                    self.connection.execute(
                        sa.text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n)"),
                        {"table": table, "n": self.block[table]},
                    )
                    .scalars()
                    .all()
                )
            )
        return free.pop()


def generate(
    engine: Engine,
    *,
    units: int,
    year: int,
    seed: int = 0,
    replace: bool = False,
    on_batch: Callable[[int], None] | None = None,
    batch_units: int = BATCH_UNITS,
) -> Summary:
    """Generate ``units`` demo units with a year of data; refuses when the year has some already,
    unless ``replace``. ``on_batch(n)`` is called after each batch of n units is written."""
    started = time.perf_counter()
    counts: Counter = Counter()
    with engine.begin() as connection:
        year_id, scoring = _year(connection, year)
        existing = _demo_units_in_year(connection, year_id)
        if existing and not replace:
            raise _refused(year, existing)
        if existing:
            _delete_year(connection, year_id)
        ids = Ids(connection)
        known = _demo_unit_ids(connection)
        parents = _parents(connection, ids, year)
        run = Run(catalogue(year), year, year_id, seed, scoring)
        for first in range(1, units + 1, batch_units):
            rows = new_rows()
            indexes = range(first, min(units, first + batch_units - 1) + 1)
            for index in indexes:
                name, parent = unit_name(index)
                unit_id = known.get(name)
                if unit_id is None:
                    unit_id = ids("unit")
                    rows["unit"].append(
                        {
                            "id": unit_id,
                            "name": name,
                            "parent_id": parents[parent],
                            "created_at": stamp(date(year, 1, 2), 9),
                        }
                    )
                unit = build_unit(run, ids, rows, index, unit_id)
                build_monitoring(run, ids, rows, unit)
                build_evaluation(run, ids, rows, unit)
            for table in TABLES:
                if rows.get(table):
                    bulk_insert(connection, SQLModel.metadata.tables[table], rows[table])
                    counts[table] += len(rows[table])
            if on_batch:
                on_batch(len(indexes))
    return Summary(units, year, {t: counts[t] for t in TABLES}, existing, time.perf_counter() - started)


def refusal(engine: Engine, year: int) -> DemoDataExists | None:
    """The refusal a run without --replace would meet, checked before starting (generate checks again)."""
    fiscal_year = SQLModel.metadata.tables["fiscal_year"]
    with engine.connect() as connection:
        year_id = connection.execute(sa.select(fiscal_year.c.id).where(fiscal_year.c.year == year)).scalar()
        existing = _demo_units_in_year(connection, year_id) if year_id is not None else 0
    return _refused(year, existing) if existing else None


def _refused(year: int, existing: int) -> DemoDataExists:
    return DemoDataExists(f"{year} 年已有 {existing} 个示例单位的数据；如需重新生成，请加 --replace。")


def bulk_insert(connection: Connection, table: sa.Table, rows: list[dict]) -> None:
    """Insert ``rows`` (dicts with the same keys) in one round: COPY on PostgreSQL, executemany on SQLite.

    Values go through each column type's own bind processor (ExactDecimal's quantizing, SQLite's
    date and Decimal conversions), as SQLAlchemy would apply them, but without its per-row
    bookkeeping, which costs more than the insert itself at this volume."""
    columns = list(rows[0])
    dialect = connection.dialect
    processors = [table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in columns]
    converted = [[row[name] for name in columns] for row in rows]
    for position, process in enumerate(processors):
        if process is not None:
            for values in converted:
                if values[position] is not None:
                    values[position] = process(values[position])
    names = ", ".join(f'"{name}"' for name in columns)
    if dialect.name == "postgresql":
        with connection.connection.driver_connection.cursor() as cursor:
            with cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
                for values in converted:
                    copy.write_row(values)
    else:
        marks = ", ".join("?" for _ in columns)
        connection.exec_driver_sql(
            f'INSERT INTO "{table.name}" ({names}) VALUES ({marks})', [tuple(values) for values in converted]
        )


def _year(connection: Connection, year: int) -> tuple[int, ScoringSettings]:
    table = SQLModel.metadata.tables["fiscal_year"]
    row = connection.execute(sa.select(table.c.id, table.c.settings).where(table.c.year == year)).first()
    if row is None:
        year_id = connection.execute(table.insert().values(year=year, settings={}).returning(table.c.id)).scalar()
        return year_id, ScoringSettings()
    try:
        return row.id, ScoringSettings.from_dict((row.settings or {}).get("scoring"))
    except ValueError:
        return (
            row.id,
            ScoringSettings(),
        )  # an invalid stored setting: the page warns; demo data uses the docs/rules/scoring.md §12 defaults


def _demo_units():
    unit = SQLModel.metadata.tables["unit"]
    return sa.select(unit.c.id).where(unit.c.name.like(f"{DEMO_PREFIX}%"))


def _demo_unit_ids(connection: Connection) -> dict[str, int]:
    unit = SQLModel.metadata.tables["unit"]
    return dict(connection.execute(sa.select(unit.c.name, unit.c.id).where(unit.c.name.like(f"{DEMO_PREFIX}%"))).all())


def _demo_units_in_year(connection: Connection, year_id: int) -> int:
    tables = SQLModel.metadata.tables
    in_year = sa.union(
        *(
            sa.select(tables[name].c.unit_id).where(
                tables[name].c.year_id == year_id, tables[name].c.unit_id.in_(_demo_units())
            )
            for name in ("budget_line", "indicator", "quarter_report")
        )
    )
    return connection.execute(sa.select(sa.func.count()).select_from(in_year.subquery())).scalar()


def _delete_year(connection: Connection, year_id: int) -> None:
    """Delete the demo units' data for the year, children first, then demo units left unused."""
    tables = SQLModel.metadata.tables
    owned = {
        name: sa.select(tables[name].c.id).where(
            tables[name].c.year_id == year_id, tables[name].c.unit_id.in_(_demo_units())
        )
        for name in ("self_evaluation", "monitoring_report", "quarter_report")
    }
    children = {
        "self_evaluation_item": ("evaluation_id", "self_evaluation"),
        "self_evaluation_goal": ("evaluation_id", "self_evaluation"),
        "monitoring_item": ("report_id", "monitoring_report"),
        "monitoring_budget_item": ("report_id", "monitoring_report"),
        "indicator_result": ("report_id", "quarter_report"),
        "budget_execution": ("report_id", "quarter_report"),
    }
    for name, (column, parent) in children.items():
        connection.execute(tables[name].delete().where(tables[name].c[column].in_(owned[parent])))
    for name in (
        "self_evaluation",
        "monitoring_report",
        "quarter_report",
        "indicator",
        "performance_goal",
        "budget_line",
    ):
        table = tables[name]
        connection.execute(table.delete().where(table.c.year_id == year_id, table.c.unit_id.in_(_demo_units())))
    # Demo units left with nothing at all (no other year, no account, reminder or audit row) go too,
    # so that a smaller run does not leave empty units behind; the rest are kept and reused.
    unit = tables["unit"]
    referring = [
        column
        for table in tables.values()
        for column in table.c
        if any(key.column is unit.c.id for key in column.foreign_keys)
    ]
    connection.execute(
        unit.delete().where(
            unit.c.name.like(f"{DEMO_PREFIX}%"),
            *[unit.c.id.not_in(sa.select(column).where(column.is_not(None))) for column in referring],
        )
    )


def _parents(connection: Connection, ids: Ids, year: int) -> dict[str, int]:
    """The 主管部门 units, created when missing (the seed already has 深圳市市场监督管理局)."""
    unit = SQLModel.metadata.tables["unit"]
    found = dict(connection.execute(sa.select(unit.c.name, unit.c.id).where(unit.c.name.in_(PARENTS))).all())
    missing = [
        {"id": ids("unit"), "name": name, "parent_id": None, "created_at": stamp(date(year, 1, 2), 9)}
        for name in PARENTS
        if name not in found
    ]
    if missing:
        connection.execute(unit.insert(), missing)
        found.update((row["name"], row["id"]) for row in missing)
    return found
