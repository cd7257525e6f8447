"""Dump every table to JSON lines and load such a dump into an empty database.

Format (version 1), one JSON object per line, UTF-8:
- a header: {"format": "kpi-backup", "format_version": 1, "schema_revision", "created_at",
  "tables": [{"name", "rows"}, …]};
- one line per row, {"table": name, "row": {column: value}}, tables in foreign-key order
  and rows in primary-key order. Decimals are strings (exact on both engines), dates and
  datetimes ISO text (aware ones in UTC), JSON columns JSON, booleans JSON booleans;
- a trailer {"end": true, "rows": N, "sha256": …} over the bytes of every line before it,
  so a truncated or edited dump is refused before anything is written.
"""
from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from decimal import InvalidOperation
from typing import Callable, Iterable, Iterator, TextIO

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

import kpi.models  # noqa: F401  (registers every table on the metadata)
from kpi.core.codec import decode, encode
from kpi.db import utcnow
from kpi.migrate import current_revision, head_revision

FORMAT = "kpi-backup"
FORMAT_VERSION = 1
BATCH = 1000  # rows per fetch when dumping and per INSERT batch when restoring


class BackupError(Exception):
    """A dump that cannot be written or restored; `message` is shown to the operator."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class BackupSummary:
    schema_revision: str
    tables: dict[str, int] = field(default_factory=dict)
    created_at: datetime | None = None  # when the dump was taken (UTC), for the operator to check

    @property
    def rows(self) -> int:
        return sum(self.tables.values())


def backup_tables() -> list[sa.Table]:
    """Every application table, parents before children (alembic_version is not data)."""
    return [table for table in SQLModel.metadata.sorted_tables if table.name != "alembic_version"]


# --- dump -------------------------------------------------------------------------

def dump(engine: Engine, out: TextIO) -> BackupSummary:
    """Write the whole database to `out`, streaming rows from one consistent snapshot."""
    revision, head = current_revision(engine), head_revision()
    if revision != head:
        raise BackupError(f"数据库结构版本 {revision} 不是当前版本 {head}，请先运行 flask --app app kpi init 迁移后再备份。")
    tables = backup_tables()
    summary = BackupSummary(revision, created_at=utcnow())
    with _snapshot(engine) as conn:
        for table in tables:
            summary.tables[table.name] = conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
        digest = hashlib.sha256()

        def write(obj: dict) -> None:
            line = json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n"
            digest.update(line.encode("utf-8"))
            out.write(line)

        write({
            "format": FORMAT, "format_version": FORMAT_VERSION, "schema_revision": revision,
            "created_at": summary.created_at.isoformat(),
            "tables": [{"name": name, "rows": rows} for name, rows in summary.tables.items()],
        })
        for table in tables:
            query = sa.select(table).order_by(*table.primary_key.columns)
            for row in conn.execution_options(yield_per=BATCH).execute(query).mappings():
                write({"table": table.name, "row": {c.name: encode(row[c], c.type) for c in table.columns}})
    out.write(json.dumps({"end": True, "rows": summary.rows, "sha256": digest.hexdigest()}, separators=(",", ":")) + "\n")
    out.flush()
    return summary


@contextmanager
def _snapshot(engine: Engine) -> Iterator[sa.Connection]:
    """A read-only connection that sees one instant, so counts, rows and foreign keys agree."""
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True) as conn:
            with conn.begin():
                yield conn
        return
    with engine.connect() as conn:
        # pysqlite runs each SELECT outside a transaction (each its own snapshot) unless told.
        conn.exec_driver_sql("BEGIN")
        try:
            yield conn
        finally:
            conn.rollback()


# --- restore ----------------------------------------------------------------------

def restore(engine: Engine, source: TextIO) -> BackupSummary:
    """Load a dump into an empty database at the current schema: all rows or none.

    The whole dump is checked (checksum, counts, table order) before the first INSERT;
    the rows then go in with bulk Core inserts in one transaction. Core, not the ORM, so
    audit events are copied as they are, hashes included, and their chain still verifies.
    """
    header_line = source.readline()
    header = _read_header(header_line)
    _check_target(engine)
    with _replayable(source) as lines:
        counts = _verify(header_line, header, lines())
        with engine.begin() as conn:
            _insert_all(conn, lines())
            if conn.dialect.name == "postgresql":
                _reset_sequences(conn)
    return BackupSummary(header["schema_revision"], counts, created_at=_created_at(header))


def row_counts(engine: Engine) -> dict[str, int]:
    """Rows in every table the database has (migrated or not), alembic_version aside."""
    names = [name for name in sa.inspect(engine).get_table_names() if name != "alembic_version"]
    with engine.connect() as conn:
        return {name: conn.execute(sa.select(sa.func.count()).select_from(sa.table(name))).scalar_one() for name in names}


def _read_header(line: str) -> dict:
    try:
        header = json.loads(line)
    except ValueError:
        header = None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise BackupError("这不是本系统的备份文件（缺少 kpi-backup 文件头）。")
    if header.get("format_version") != FORMAT_VERSION:
        raise BackupError(f"备份文件格式版本 {header.get('format_version')} 不受支持（本程序读取版本 {FORMAT_VERSION}）。")
    revision, head = header.get("schema_revision"), head_revision()
    if revision != head:
        raise BackupError(
            f"备份的数据库结构版本 {revision} 与当前版本 {head} 不一致，请先用生成该备份的程序版本把它恢复到空库，"
            f"再运行 flask --app app kpi init 升级到当前结构并重新备份。"
        )
    return header


def _created_at(header: dict) -> datetime | None:
    # Only shown, never trusted: a header without a readable time still restores.
    try:
        return datetime.fromisoformat(header["created_at"])
    except (KeyError, TypeError, ValueError):
        return None


def _check_target(engine: Engine) -> None:
    revision, head = current_revision(engine), head_revision()
    if revision != head:
        raise BackupError(f"目标数据库的结构版本 {revision} 不是当前版本 {head}，请恢复到一个新建的空库（kpi restore 会先迁移空库）。")
    filled = {name: rows for name, rows in row_counts(engine).items() if rows}
    if filled:
        detail = "、".join(f"{name} {rows} 行" for name, rows in list(filled.items())[:3])
        raise BackupError(f"目标数据库不是空库（已有数据：{detail}…），恢复只写入新建的空库，以免覆盖现有数据。")


@contextmanager
def _replayable(source: TextIO) -> Iterator[Callable[[], Iterable[str]]]:
    """The lines after the header, readable twice; a pipe (stdin) is spooled to a temp file."""
    if source.seekable():
        start = source.tell()

        def again() -> Iterable[str]:
            source.seek(start)
            return source

        yield again
        return
    with tempfile.TemporaryFile("w+", encoding="utf-8", newline="") as spool:
        shutil.copyfileobj(source, spool)

        def replay() -> Iterable[str]:
            spool.seek(0)
            return spool

        yield replay


def _verify(header_line: str, header: dict, lines: Iterable[str]) -> dict[str, int]:
    """Check the trailer's checksum and row count and the header's per-table counts."""
    order = {table.name: index for index, table in enumerate(backup_tables())}
    digest = hashlib.sha256(header_line.encode("utf-8"))
    counts = {name: 0 for name in order}
    trailer, position = None, -1
    for number, line in enumerate(lines, start=2):
        if trailer is not None:
            raise BackupError(f"备份文件在结束标记之后还有内容（第 {number} 行），文件已损坏。")
        record = _parse(line, number)
        if record.get("end") is True:
            trailer = record
            continue
        digest.update(line.encode("utf-8"))
        table = record.get("table")
        if table not in order or not isinstance(record.get("row"), dict):
            raise BackupError(f"备份文件第 {number} 行不是本系统的数据行（表 {table!r}），文件已损坏。")
        if order[table] < position:
            raise BackupError(f"备份文件第 {number} 行的表顺序不对（{table}），文件已损坏。")
        position = order[table]
        counts[table] += 1
    if trailer is None:
        raise BackupError("备份文件不完整：缺少结束标记，可能在写入或复制时被截断。未写入任何数据。")
    if trailer.get("sha256") != digest.hexdigest() or trailer.get("rows") != sum(counts.values()):
        raise BackupError("备份文件校验和不符：文件已损坏或被修改。未写入任何数据。")
    declared = {entry.get("name"): entry.get("rows") for entry in header.get("tables", [])}
    if declared != counts:
        raise BackupError("备份文件头记录的各表行数与内容不符，文件已损坏。未写入任何数据。")
    return counts


def _parse(line: str, number: int) -> dict:
    try:
        record = json.loads(line)
    except ValueError:
        record = None
    if not isinstance(record, dict):
        raise BackupError(f"备份文件第 {number} 行不是有效的 JSON，文件已损坏或被截断。未写入任何数据。")
    return record


def _insert_all(conn: sa.Connection, lines: Iterable[str]) -> None:
    tables = {table.name: table for table in backup_tables()}
    batch: list[dict] = []
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
    """Bulk-inserts one table's rows, converting JSON values back to column types.

    A self-referencing row (unit.parent_id) whose parent comes later is inserted without
    the reference, which is set once the whole table is in.
    """

    def __init__(self, table: sa.Table):
        self.table = table
        self.columns = {column.name: column for column in table.columns}
        self.self_refs = [fk.parent.name for fk in table.foreign_keys if fk.column.table is table]
        (self.pk,) = table.primary_key.columns
        self.seen: set = set()
        self.batch: list[dict] = []
        self.later: list[tuple[object, str, object]] = []

    def add(self, conn: sa.Connection, raw: dict, number: int) -> None:
        if set(raw) != set(self.columns):
            raise BackupError(f"备份文件第 {number} 行的列与 {self.table.name} 表不一致。未写入任何数据。")
        try:
            row = {name: decode(value, self.columns[name].type) for name, value in raw.items()}
        except (TypeError, ValueError, InvalidOperation) as error:
            raise BackupError(f"备份文件第 {number} 行（{self.table.name}）有无法识别的值：{error}。未写入任何数据。")
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
        (pk,) = table.primary_key.columns
        if not isinstance(pk.type, sa.Integer):
            continue
        sequence = conn.execute(
            sa.select(sa.func.pg_get_serial_sequence(preparer.format_table(table), pk.name))
        ).scalar()
        if sequence:
            top = conn.execute(sa.select(sa.func.coalesce(sa.func.max(pk), 0))).scalar_one()
            conn.execute(sa.text("SELECT setval(CAST(:sequence AS regclass), :next, false)"),
                         {"sequence": sequence, "next": top + 1})
