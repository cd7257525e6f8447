"""What a dump is: its lines, its seal, and how one row line becomes column values.

Format version 2, one JSON object per line, UTF-8:
- a header: {"format": "kpi-backup", "format_version": 2, "schema_revision", "created_at",
  "key_id", "tables": [{"name", "rows"}, …]};
- one line per row, {"table": name, "row": {column: value}}, tables in foreign-key order
  and rows in primary-key order. Decimals are strings (exact on both engines), dates and
  datetimes ISO text (aware ones in UTC), JSON columns JSON, booleans JSON booleans;
- a trailer {"end": true, "rows": N, "sha256": …, "hmac": …}, both digests over the bytes
  of every line before it.

The SHA-256 tells a damaged file (truncated, mis-copied) from a sound one, but anyone who
edits a dump can recompute it (issue #13: a dump edited to make szcc_staff an admin then
restored cleanly). The HMAC-SHA256 needs the deployment's backup key (KPI_BACKUP_KEY,
never written to a dump or the database), so only this deployment can produce it.
Version 1 is version 2 without "key_id" and "hmac": it still reads, as unsigned.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from decimal import InvalidOperation

import sqlalchemy as sa
from sqlmodel import SQLModel

import kpi.models  # noqa: F401  (registers every table on the metadata)
from kpi.core.codec import decode

FORMAT = "kpi-backup"
FORMAT_VERSION = 2
READABLE_VERSIONS = (1, 2)
BATCH = 1000  # rows per fetch when dumping and per INSERT batch when restoring


class BackupError(Exception):
    """A dump that cannot be written or restored; `message` is shown to the operator."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def backup_tables() -> list[sa.Table]:
    """Every application table, parents before children (alembic_version is not data)."""
    return [table for table in SQLModel.metadata.sorted_tables if table.name != "alembic_version"]


class Seal:
    """The trailer's two digests, fed the same bytes."""

    def __init__(self, key: bytes):
        if len(key) < 16:
            # Config always supplies one; an empty key would sign every dump the same way.
            raise BackupError("未配置备份密钥（KPI_BACKUP_KEY），无法签名或验证备份。")
        self._sha256 = hashlib.sha256()
        self._hmac = hmac.new(key, digestmod=hashlib.sha256)

    def update(self, line: str) -> None:
        data = line.encode("utf-8")
        self._sha256.update(data)
        self._hmac.update(data)

    def sha256(self) -> str:
        return self._sha256.hexdigest()

    def hmac(self) -> str:
        return self._hmac.hexdigest()


def key_id(key: bytes) -> str:
    """A public name for the key: lets a refusal say "another key" rather than "edited".

    One HMAC output of a fixed message reveals nothing that helps forge another.
    """
    return hmac.new(key, b"kpi-backup-key-id", hashlib.sha256).hexdigest()[:16]


def parse_line(line: str, number: int) -> dict:
    try:
        record = json.loads(line)
    except ValueError:
        record = None
    if not isinstance(record, dict):
        raise BackupError(f"备份文件第 {number} 行不是有效的 JSON，文件已损坏或被截断。未写入任何数据。")
    return record


def decode_row(table: sa.Table, raw: dict, number: int) -> dict:
    """A row line's values as the column types want them, or a refusal naming the line."""
    columns = {column.name: column for column in table.columns}
    if set(raw) != set(columns):
        raise BackupError(f"备份文件第 {number} 行的列与 {table.name} 表不一致。未写入任何数据。")
    try:
        return {name: decode(value, columns[name].type) for name, value in raw.items()}
    except (TypeError, ValueError, InvalidOperation) as error:
        raise BackupError(f"备份文件第 {number} 行（{table.name}）有无法识别的值：{error}。未写入任何数据。") from error
