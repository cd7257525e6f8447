"""Dump every table to a signed JSON-lines file, and load such a dump into an empty database.

The format and its seal are described in `kpi.backup.format`; writing into the target is
`kpi.backup.load`. The backup key is a parameter (the CLI passes KPI_BACKUP_KEY), so
this module needs no app.
"""

from __future__ import annotations

import hmac
import json
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import TextIO

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from kpi.backup.format import (
    BATCH,
    FORMAT,
    FORMAT_VERSION,
    READABLE_VERSIONS,
    BackupError,
    Seal,
    backup_tables,
    decode_row,
    key_id,
    parse_line,
)
from kpi.backup.load import load, table_counts
from kpi.core.codec import encode
from kpi.db import utcnow
from kpi.migrate import current_revision, head_revision

TRUST_HINT = "确认文件来源与内容可信时，才可加 --trust-unsigned 恢复。未写入任何数据。"


@dataclass
class BackupSummary:
    schema_revision: str
    tables: dict[str, int] = field(default_factory=dict)
    created_at: datetime | None = None  # when the dump was taken (UTC), for the operator to check
    unverified: str | None = None  # why the signature did not verify, when restored with trust_unsigned

    @property
    def rows(self) -> int:
        return sum(self.tables.values())


# --- dump -------------------------------------------------------------------------


def dump(engine: Engine, out: TextIO, key: bytes) -> BackupSummary:
    """Write the whole database to `out`, signed with `key`, from one consistent snapshot."""
    seal = Seal(key)
    revision, head = current_revision(engine), head_revision()
    if revision != head:
        raise BackupError(
            f"数据库结构版本 {revision} 不是当前版本 {head}，请先运行 flask --app app kpi init 迁移后再备份。"
        )
    tables = backup_tables()
    summary = BackupSummary(revision, created_at=utcnow())
    with _snapshot(engine) as conn:
        for table in tables:
            summary.tables[table.name] = conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()

        def write(obj: dict) -> None:
            line = json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n"
            seal.update(line)
            out.write(line)

        write(
            {
                "format": FORMAT,
                "format_version": FORMAT_VERSION,
                "schema_revision": revision,
                "created_at": summary.created_at.isoformat(),
                "key_id": key_id(key),
                "tables": [{"name": name, "rows": rows} for name, rows in summary.tables.items()],
            }
        )
        for table in tables:
            query = sa.select(table).order_by(*table.primary_key.columns)
            for row in conn.execution_options(yield_per=BATCH).execute(query).mappings():
                write({"table": table.name, "row": {c.name: encode(row[c], c.type) for c in table.columns}})
    trailer = {"end": True, "rows": summary.rows, "sha256": seal.sha256(), "hmac": seal.hmac()}
    out.write(json.dumps(trailer, separators=(",", ":")) + "\n")
    out.flush()
    return summary


@contextmanager
def _snapshot(engine: Engine) -> Iterator[sa.Connection]:
    """A read-only connection that sees one instant, so counts, rows and foreign keys agree."""
    if engine.dialect.name == "postgresql":
        options = {"isolation_level": "REPEATABLE READ", "postgresql_readonly": True}
        with engine.connect().execution_options(**options) as conn, conn.begin():
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


def restore(engine: Engine, source: TextIO, key: bytes, *, trust_unsigned: bool = False) -> BackupSummary:
    """Load a dump into an empty database, migrating it first if it is new: all or nothing.

    The whole dump is read and checked before the target is even opened: format, schema
    revision, every row's table and values, the checksum, then the signature under `key`.
    A dump that is unsigned (version 1) or signed with another key is refused unless
    `trust_unsigned`; the summary's `unverified` then says why, for a warning.
    """
    seal = Seal(key)
    header_line = source.readline()
    header = _read_header(header_line)
    with _replayable(source) as lines:
        counts, trailer = _verify(header_line, header, lines(), seal)
        unverified = _check_signature(header, trailer, seal, key, trust_unsigned)
        load(engine, lines())
    return BackupSummary(header["schema_revision"], counts, created_at=_created_at(header), unverified=unverified)


def row_counts(engine: Engine) -> dict[str, int]:
    """Rows in every table the database has (migrated or not), alembic_version aside."""
    with engine.connect() as conn:
        return table_counts(conn)


def _read_header(line: str) -> dict:
    try:
        header = json.loads(line)
    except ValueError:
        header = None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise BackupError("这不是本系统的备份文件（缺少 kpi-backup 文件头）。未写入任何数据。")
    if header.get("format_version") not in READABLE_VERSIONS:
        raise BackupError(
            f"备份文件格式版本 {header.get('format_version')} 不受支持（本程序读取版本 "
            f"{'、'.join(map(str, READABLE_VERSIONS))}）。未写入任何数据。"
        )
    revision, head = header.get("schema_revision"), head_revision()
    if revision != head:
        raise BackupError(
            f"备份的数据库结构版本 {revision} 与当前版本 {head} 不一致，请先用生成该备份的程序版本把它恢复到空库，"
            f"再运行 flask --app app kpi init 升级到当前结构并重新备份。未写入任何数据。"
        )
    return header


def _created_at(header: dict) -> datetime | None:
    # Only shown, never trusted: a header without a readable time still restores.
    try:
        return datetime.fromisoformat(header["created_at"])
    except (KeyError, TypeError, ValueError):
        return None


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


def _verify(header_line: str, header: dict, lines: Iterable[str], seal: Seal) -> tuple[dict[str, int], dict]:
    """Decode every row, then check the trailer's checksum and counts; returns counts and trailer."""
    tables = {table.name: table for table in backup_tables()}
    order = {name: index for index, name in enumerate(tables)}
    seal.update(header_line)
    counts = {name: 0 for name in order}
    trailer, position = None, -1
    for number, line in enumerate(lines, start=2):
        if trailer is not None:
            raise BackupError(f"备份文件在结束标记之后还有内容（第 {number} 行），文件已损坏。未写入任何数据。")
        record = parse_line(line, number)
        if record.get("end") is True:
            trailer = record
            continue
        seal.update(line)
        table = record.get("table")
        if table not in order or not isinstance(record.get("row"), dict):
            raise BackupError(f"备份文件第 {number} 行不是本系统的数据行（表 {table!r}），文件已损坏。未写入任何数据。")
        if order[table] < position:
            raise BackupError(f"备份文件第 {number} 行的表顺序不对（{table}），文件已损坏。未写入任何数据。")
        decode_row(tables[table], record["row"], number)
        position = order[table]
        counts[table] += 1
    if trailer is None:
        raise BackupError("备份文件不完整：缺少结束标记，可能在写入或复制时被截断。未写入任何数据。")
    if trailer.get("sha256") != seal.sha256() or trailer.get("rows") != sum(counts.values()):
        raise BackupError("备份文件校验和不符：文件已损坏或被修改。未写入任何数据。")
    declared = {entry.get("name"): entry.get("rows") for entry in header.get("tables", [])}
    if declared != counts:
        raise BackupError("备份文件头记录的各表行数与内容不符，文件已损坏。未写入任何数据。")
    return counts, trailer


def _check_signature(header: dict, trailer: dict, seal: Seal, key: bytes, trust_unsigned: bool) -> str | None:
    """None when this deployment's key signed the dump; else why not (or a refusal)."""
    signature = trailer.get("hmac")
    if isinstance(signature, str) and hmac.compare_digest(signature, seal.hmac()):
        return None
    if not isinstance(signature, str):
        reason = "备份文件没有签名（格式版本 1 由旧版程序生成，或签名被删去），无法确认它未被修改"
    elif header.get("key_id") != key_id(key):
        # key_id is not itself signed: "another key" is the likely story, never a proof.
        reason = (
            "备份文件的签名不是本系统的备份密钥所签：它来自另一套系统（其 KPI_BACKUP_KEY 不同）、"
            "本系统更换过 KPI_BACKUP_KEY（或派生它的 KPI_SECRET_KEY），或被修改过"
        )
    else:
        reason = "备份文件的签名与本系统的备份密钥不符：内容在备份之后被修改过（校验和是重新计算的）"
    if trust_unsigned:
        return reason
    raise BackupError(f"{reason}。{TRUST_HINT}")
