"""Writing a verified dump into the target: check, migrate and insert in one transaction.

Only `service.restore` calls this, and only after the whole dump has been verified, so
the target is not even opened for a dump that is refused (a SQLite file is not created).
The one transaction covers the target's checks, its migration and every row: a failure
at any point leaves the target as it was, schema included.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import command
from alembic.runtime.migration import MigrationContext
from alembic.util import CommandError
from sqlalchemy.engine import Engine

from kpi.backup.format import BATCH, BackupError, backup_tables, decode_row
from kpi.migrate import alembic_config, head_revision


def load(engine: Engine, lines: Iterable[str]) -> None:
    """Bring an empty target to the current schema and insert every row line of `lines`."""
    with _transaction(engine) as conn:
        _prepare_target(conn)
        _insert_all(conn, lines)
        if conn.dialect.name == "postgresql":
            _reset_sequences(conn)


def table_counts(conn: sa.Connection) -> dict[str, int]:
    """Rows in every table the database has (migrated or not), alembic_version aside."""
    names = [name for name in sa.inspect(conn).get_table_names() if name != "alembic_version"]
    return {name: conn.execute(sa.select(sa.func.count()).select_from(sa.table(name))).scalar_one() for name in names}


@contextmanager
def _transaction(engine: Engine) -> Iterator[sa.Connection]:
    with engine.connect() as conn:
        if conn.dialect.name != "sqlite":
            with conn.begin():  # PostgreSQL's DDL is transactional
                yield conn
            return
        # pysqlite runs CREATE TABLE outside any transaction unless told otherwise: an explicit
        # BEGIN makes the migration roll back with the rows. Foreign keys are off for the
        # migration's batch table copies (as in kpi.migrate) and checked before committing.
        conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
        conn.commit()
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
            try:
                yield conn
                broken = conn.exec_driver_sql("PRAGMA foreign_key_check").all()
                if broken:
                    raise BackupError(
                        f"备份中有 {len(broken)} 行引用了不存在的上级数据（如 {broken[0][0]} 表），"
                        f"文件已损坏。未写入任何数据。"
                    )
                conn.commit()
            except BaseException:
                conn.rollback()
                raise
        finally:
            conn.exec_driver_sql("PRAGMA foreign_keys=ON")
            conn.commit()


def _prepare_target(conn: sa.Connection) -> None:
    """Refuse a target with data; migrate an empty one (new, or left at an older revision)."""
    filled = {name: rows for name, rows in table_counts(conn).items() if rows}
    if filled:
        detail = "、".join(f"{name} {rows} 行" for name, rows in list(filled.items())[:3])
        raise BackupError(f"目标数据库不是空库（已有数据：{detail}…），恢复只写入新建的空库，以免覆盖现有数据。")
    revision, head = MigrationContext.configure(conn).get_current_revision(), head_revision()
    if revision == head:
        return
    cfg = alembic_config()
    cfg.attributes["connection"] = conn  # already in our transaction: Alembic joins it
    try:
        command.upgrade(cfg, "head")
    except CommandError:
        raise BackupError(
            f"目标数据库的结构版本 {revision} 不是本程序认识的版本（当前版本 {head}），"
            f"请恢复到一个新建的空库。未写入任何数据。"
        ) from None


def _insert_all(conn: sa.Connection, lines: Iterable[str]) -> None:
    tables = {table.name: table for table in backup_tables()}
    current: _TableLoader | None = None
    for number, line in enumerate(lines, start=2):
        record = json.loads(line)
        if record.get("end") is True:
            break
        if current is None or current.table.name != record["table"]:
            if current is not None:
                current.finish(conn)
            current = _TableLoader(tables[record["table"]])
        current.add(conn, record["row"], number)
    if current is not None:
        current.finish(conn)


class _TableLoader:
    """Bulk-inserts one table's rows with Core (audit events go in as they are, hashes included).

    A self-referencing row (unit.parent_id) whose parent comes later is inserted without
    the reference, which is set once the whole table is in.
    """

    def __init__(self, table: sa.Table):
        self.table = table
        self.self_refs = [fk.parent.name for fk in table.foreign_keys if fk.column.table is table]
        # Keys may be composite (login_throttle); only a self-referencing table needs one id column.
        self.pk = next(iter(table.primary_key.columns)) if len(table.primary_key.columns) == 1 else None
        assert self.pk is not None or not self.self_refs, table.name
        self.seen: set = set()
        self.batch: list[dict] = []
        self.later: list[tuple[object, str, object]] = []

    def add(self, conn: sa.Connection, raw: dict, number: int) -> None:
        row = decode_row(self.table, raw, number)
        for name in self.self_refs:
            if row[name] is not None and row[name] not in self.seen:
                self.later.append((row[self.pk.name], name, row[name]))
                row[name] = None
        if self.self_refs:
            self.seen.add(row[self.pk.name])
        self.batch.append(row)
        if len(self.batch) >= BATCH:
            self._flush(conn)

    def finish(self, conn: sa.Connection) -> None:
        self._flush(conn)
        for key, name, value in self.later:
            conn.execute(self.table.update().where(self.pk == key).values({name: value}))

    def _flush(self, conn: sa.Connection) -> None:
        if self.batch:
            conn.execute(self.table.insert(), self.batch)
            self.batch = []


def _reset_sequences(conn: sa.Connection) -> None:
    """Move each id sequence past the restored ids, so new rows get fresh ones."""
    preparer = conn.dialect.identifier_preparer
    for table in backup_tables():
        columns = list(table.primary_key.columns)
        if len(columns) != 1 or not isinstance(columns[0].type, sa.Integer):
            continue
        pk = columns[0]
        sequence = conn.execute(
            sa.select(sa.func.pg_get_serial_sequence(preparer.format_table(table), pk.name))
        ).scalar()
        if sequence:
            top = conn.execute(sa.select(sa.func.coalesce(sa.func.max(pk), 0))).scalar_one()
            conn.execute(
                sa.text("SELECT setval(CAST(:sequence AS regclass), :next, false)"),
                {"sequence": sequence, "next": top + 1},
            )
