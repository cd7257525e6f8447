"""Checkpoints: the trail's size and newest row, signed and kept outside the database.

Row MACs prove each row was written by a holder of the key, but not that no row is
missing from the end: deleting the newest rows, or every row, leaves a chain that
verifies. A checkpoint records at one moment how many rows there were, the newest
row's id and hash, and the newest row still unsigned; `verify` checks the trail still
holds every checkpoint. Each line's MAC also covers the previous line's MAC, so an
edited, forged, removed or reordered line shows; only the newest lines can be cut
from the file without trace, which is why each line is written to the log as well
(docs/audit.md).
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

from kpi.audit.models import AuditEvent
from kpi.audit.signing import CHECKPOINT_CONTEXT, event_mac, mac, same
from kpi.core.time import format_datetime
from kpi.db import utcnow

FILE_NAME = "audit-checkpoints.jsonl"
GENESIS = "0" * 64  # the head of an empty trail (as kpi.audit.service.GENESIS)
log = logging.getLogger(__name__)


class CheckpointRefused(Exception):
    """No checkpoint was written: anchoring the trail as it is now would hide a problem."""

    def __init__(self, message: str, problems: list[str] | None = None):
        super().__init__(message)
        self.message, self.problems = message, problems or []


@dataclass(frozen=True)
class Checkpoint:
    at: str  # UTC ISO time it was taken
    count: int  # rows in the trail then
    last_id: int  # id of the newest row then (0: the trail was empty)
    head_hash: str  # its hash (GENESIS for an empty trail)
    unsigned_through: int  # the highest id of a row without a MAC then (0: none); bounds `seal`
    prev: str  # the previous line's MAC ("" on the first line): chains the file
    mac: str
    line: int = field(default=0, compare=False)  # where it is in the file; not stored

    def signed_text(self) -> str:
        fields = {name: value for name, value in asdict(self).items() if name not in ("mac", "line")}
        return json.dumps(fields, sort_keys=True, separators=(",", ":"))

    def label(self) -> str:
        return f"检查点（{_beijing(self.at)}，检查点文件第 {self.line} 行）"


@dataclass
class CheckpointFile:
    path: Path
    checkpoints: list[Checkpoint] = field(default_factory=list)  # the lines whose MAC is right
    problems: list[str] = field(default_factory=list)
    missing: bool = False

    @property
    def latest(self) -> Checkpoint | None:
        return self.checkpoints[-1] if self.checkpoints else None


def checkpoint_path(export_dir: Path | str) -> Path:
    return Path(export_dir) / FILE_NAME


def read_checkpoints(path: Path, key: bytes) -> CheckpointFile:
    """Every line of the checkpoint file checked against the key; never raises."""
    found = CheckpointFile(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        found.missing = True
        return found
    except OSError as error:
        found.problems.append(f"无法读取检查点文件 {path}：{error.strerror or error}")
        return found
    _parse(data, key, found)
    return found


_FIELDS = {"at": str, "count": int, "last_id": int, "head_hash": str, "unsigned_through": int, "prev": str, "mac": str}


def _parse(data: bytes, key: bytes, found: CheckpointFile) -> None:
    prev = ""
    for number, raw in enumerate(data.split(b"\n"), start=1):
        if not raw.strip():
            continue
        try:
            fields = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            fields = None
        if not _well_formed(fields):
            found.problems.append(f"检查点文件第 {number} 行无法读取：文件被修改或损坏了")
            continue
        checkpoint = Checkpoint(**fields, line=number)
        if checkpoint.prev != prev or not same(mac(key, CHECKPOINT_CONTEXT, checkpoint.signed_text()), checkpoint.mac):
            found.problems.append(
                f"检查点文件第 {number} 行的签名不符：这一行是伪造或修改的，或它之前的行被删除、调换了顺序，或密钥不同"
            )
        else:
            found.checkpoints.append(checkpoint)
        prev = checkpoint.mac  # go on from what the line claims: one bad line is one problem


def _well_formed(fields: object) -> bool:
    if not isinstance(fields, dict) or set(fields) != set(_FIELDS):
        return False
    # bool is an int in Python; a checkpoint never holds one.
    return all(isinstance(fields[name], kind) and not isinstance(fields[name], bool) for name, kind in _FIELDS.items())


def write_checkpoint(session: Session, export_dir: Path | str, key: bytes) -> Checkpoint:
    """Append a checkpoint of the trail as committed now to export_dir/audit-checkpoints.jsonl.

    Refuses (CheckpointRefused) when the file is damaged, the newest row's MAC is wrong, or
    the trail no longer holds the previous checkpoint: anchoring that state would bury it.
    Safe to run from several processes at once (an exclusive lock on the file).
    """
    path = checkpoint_path(export_dir)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a+b") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)  # the next writer reads this line before chaining its own
            handle.seek(0)
            existing = CheckpointFile(path)
            _parse(handle.read(), key, existing)
            if existing.problems:
                raise CheckpointRefused("检查点文件有问题，未写入新的检查点", existing.problems)
            checkpoint = _take(session, key, existing.latest)
            stored = {name: value for name, value in asdict(checkpoint).items() if name != "line"}
            line = json.dumps(stored, sort_keys=True, separators=(",", ":"))
            handle.write((line + "\n").encode("utf-8"))
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as error:
        raise CheckpointRefused(f"无法写入检查点文件 {path}：{error.strerror or error}") from error
    # A second copy, in the log: whoever trims the file's tail must also reach the log.
    log.info("audit checkpoint %s", line)
    return checkpoint


def _take(session: Session, key: bytes, previous: Checkpoint | None) -> Checkpoint:
    table, conn = AuditEvent.__table__, session.connection()
    # One statement, one snapshot: rows are appended under the chain lock in id order, so
    # every row committed later has a larger id, and count(id <= last_id) stays this count.
    count, last_id, unsigned = conn.execute(
        sa.select(
            sa.func.count(),
            sa.func.max(table.c.id),
            sa.func.max(sa.case((table.c.mac.is_(None), table.c.id))),
        )
    ).one()
    head_hash, head_mac = GENESIS, None
    if last_id is not None:
        head_hash, head_mac = conn.execute(sa.select(table.c.hash, table.c.mac).where(table.c.id == last_id)).one()
    if head_mac is not None and not (isinstance(head_hash, str) and same(event_mac(key, head_hash), head_mac)):
        raise CheckpointRefused(
            f"最新的第 {last_id} 号审计记录签名不符，未写入检查点：请先运行 flask --app app kpi audit verify"
        )
    if previous is not None:
        problem = holds(session, previous)
        if problem:
            raise CheckpointRefused("审计记录与上一个检查点不符，未写入新的检查点", [problem])
    fields = {
        "at": utcnow().isoformat(timespec="seconds"),
        "count": count,
        "last_id": last_id or 0,
        "head_hash": head_hash,
        "unsigned_through": unsigned or 0,
        "prev": previous.mac if previous else "",
    }
    unsigned_checkpoint = Checkpoint(**fields, mac="")
    return Checkpoint(**fields, mac=mac(key, CHECKPOINT_CONTEXT, unsigned_checkpoint.signed_text()))


def holds(session: Session, checkpoint: Checkpoint) -> str | None:
    """Why the trail no longer holds `checkpoint` (None: it does), from two indexed queries."""
    table, conn = AuditEvent.__table__, session.connection()
    count = conn.execute(sa.select(sa.func.count()).where(table.c.id <= checkpoint.last_id)).scalar_one()
    head = conn.execute(sa.select(table.c.hash).where(table.c.id == checkpoint.last_id)).scalar()
    return judge(checkpoint, head if checkpoint.last_id else GENESIS, count)


def judge(checkpoint: Checkpoint, head_hash: object, count: int) -> str | None:
    """Compare a checkpoint with what the trail holds now at its last_id (head_hash None: no such row)."""
    where = checkpoint.label()
    if head_hash is None:
        return (
            f"{where}记录的最新一条（第 {checkpoint.last_id} 号）不存在了：最新的记录（或全部记录）被删除了；"
            f"当时共 {checkpoint.count} 条，现在到该号为止只有 {count} 条"
        )
    if head_hash != checkpoint.head_hash:
        return f"第 {checkpoint.last_id} 号记录的哈希与{where}不符：记录被修改，哈希链被重新计算了"
    if count != checkpoint.count:
        change = "被删除了" if count < checkpoint.count else "被插入了"
        return f"{where}记录到第 {checkpoint.last_id} 号为止共 {checkpoint.count} 条，现在有 {count} 条：其间的记录{change}"
    return None


def _beijing(at: str) -> str:
    try:
        return format_datetime(datetime.fromisoformat(at), seconds=True)
    except ValueError:
        return at
