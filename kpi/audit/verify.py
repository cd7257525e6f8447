"""The full check behind `kpi audit verify`: public chain, every row's MAC, every checkpoint.

One pass over the trail in id order. The chain finds edits, deletions and reordering
that left the hashes alone; the MACs find a chain recomputed without the key; the
checkpoints find rows missing from the end, or all of them. docs/audit.md says what
this can and cannot detect.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import Session

from kpi.audit.checkpoints import CheckpointFile, judge, read_checkpoints
from kpi.audit.models import AuditEvent
from kpi.audit.service import GENESIS, link_problems, read_trail
from kpi.audit.signing import event_mac, same

SHOWN_CHECKPOINT_PROBLEMS = 3  # more say the same thing: the cut lies before the first


@dataclass
class Run:
    """Consecutive rows (in id order) that share one problem: reported as one line."""

    first_id: int
    last_id: int
    rows: int = 1
    leading: bool = False  # no signed row comes before it

    def ids(self) -> str:
        if self.rows == 1:
            return f"第 {self.first_id} 号记录"
        return f"第 {self.first_id}–{self.last_id} 号记录（共 {self.rows} 条）"


@dataclass
class TrailReport:
    checkpoint_file: CheckpointFile
    total: int = 0
    problems: list[str] = field(default_factory=list)
    unsigned: list[Run] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    after_latest: int = 0  # rows newer than the latest checkpoint: only their MACs vouch for them

    def all_problems(self) -> list[str]:
        return self.problems + [unsigned_message(run) for run in self.unsigned]


def unsigned_message(run: Run) -> str:
    if run.leading:
        return (
            f"{run.ids()}没有签名：若是升级（迁移 0012）之前写入的旧记录，"
            "确认无误后运行 flask --app app kpi audit seal 补签"
        )
    return f"{run.ids()}没有签名，却在已签名的记录之后：不是由持有审计密钥的应用写入的"


def verify_trail(session: Session, key: bytes, checkpoints: Path) -> TrailReport:
    """Check the trail against the key and the checkpoint file; never raises on odd data."""
    report = TrailReport(read_checkpoints(checkpoints, key))
    report.problems += report.checkpoint_file.problems
    anchors = deque(sorted({c.last_id for c in report.checkpoint_file.checkpoints if c.last_id}))
    at_anchor: dict[int, tuple[object, int]] = {0: (GENESIS, 0)}  # last_id -> (hash there now, rows up to it)
    expected_prev, previous_id, signed_before = GENESIS, None, False
    unsigned = bad_mac = None
    bad_macs: list[Run] = []
    for row in read_trail(session):
        report.total += 1
        row_id = row["id"]
        report.problems += [str(p) for p in link_problems(row, expected_prev, previous_id)]
        if row["mac"] is None:
            bad_mac = _close(bad_mac, bad_macs)
            unsigned = _extend(unsigned, row_id, leading=not signed_before)
        else:
            unsigned = _close(unsigned, report.unsigned)
            signed_before = True
            if isinstance(row["hash"], str) and same(event_mac(key, row["hash"]), row["mac"]):
                bad_mac = _close(bad_mac, bad_macs)
            else:
                bad_mac = _extend(bad_mac, row_id)
        while anchors and anchors[0] < row_id:  # a checkpoint's newest row is gone
            at_anchor[anchors.popleft()] = (None, report.total - 1)
        if anchors and anchors[0] == row_id:
            at_anchor[anchors.popleft()] = (row["hash"], report.total)
        expected_prev, previous_id = row["hash"], row_id
    _close(unsigned, report.unsigned)
    _close(bad_mac, bad_macs)
    report.problems += [_bad_mac_message(run) for run in bad_macs]
    for anchor in anchors:
        at_anchor[anchor] = (None, report.total)
    _check_checkpoints(report, at_anchor)
    return report


def _extend(run: Run | None, row_id: int, *, leading: bool = False) -> Run:
    if run is None:
        return Run(row_id, row_id, leading=leading)
    run.last_id, run.rows = row_id, run.rows + 1
    return run


def _close(run: Run | None, closed: list[Run]) -> None:
    """End a run (if one is open) by filing it; always returns None, the new open run."""
    if run is not None:
        closed.append(run)


def _bad_mac_message(run: Run) -> str:
    return (
        f"{run.ids()}的签名（MAC）不符：记录被修改并重新计算了哈希链，或不是用本系统的审计密钥（KPI_AUDIT_KEY）写入的"
    )


def _check_checkpoints(report: TrailReport, at_anchor: dict[int, tuple[object, int]]) -> None:
    found = report.checkpoint_file
    latest = found.latest
    if found.missing or latest is None:
        where = "没有找到检查点文件" if found.missing else "检查点文件里还没有有效的检查点"
        report.warnings.append(
            f"{where}（{found.path}）：无法发现最新的记录或全部记录被删除；"
            "请定期运行 flask --app app kpi audit checkpoint"
        )
        return
    if report.total < latest.count:
        report.problems.append(
            f"现在只有 {report.total} 条审计记录，少于最新{latest.label()}记录的 {latest.count} 条：记录被删除了"
        )
    failing = [problem for c in found.checkpoints if (problem := judge(c, *at_anchor[c.last_id]))]
    report.problems += failing[:SHOWN_CHECKPOINT_PROBLEMS]
    if len(failing) > SHOWN_CHECKPOINT_PROBLEMS:
        report.problems.append(f"……另有 {len(failing) - SHOWN_CHECKPOINT_PROBLEMS} 个检查点也不符")
    report.after_latest = max(report.total - at_anchor[latest.last_id][1], 0)


# --- sealing the rows written before migration 0012 ----------------------------------


class SealRefused(Exception):
    def __init__(self, message: str, problems: list[str] | None = None):
        super().__init__(message)
        self.message, self.problems = message, problems or []


def seal(session: Session, key: bytes, checkpoints: Path) -> int:
    """Sign the unsigned rows written before migration 0012; how many were signed.

    Only a trail that is otherwise whole, and only its leading unsigned rows: a row
    left unsigned after a signed one was not written by the application. A checkpoint
    that saw rows signed which are now unsigned (someone cleared their MACs, perhaps to
    have a recomputed chain signed here) refuses too. The caller commits, then writes a
    checkpoint: its `unsigned_through` of 0 is what stops a second seal.
    """
    report = verify_trail(session, key, checkpoints)
    if report.problems:
        raise SealRefused("审计记录有问题，不能补签", report.problems)
    if not report.unsigned:
        return 0
    run = report.unsigned[0]
    if len(report.unsigned) > 1 or not run.leading:
        raise SealRefused(
            "只有最早的一段（升级之前写入的）记录可以补签",
            [unsigned_message(r) for r in report.unsigned if not r.leading],
        )
    for checkpoint in report.checkpoint_file.checkpoints:
        if checkpoint.last_id >= run.first_id and min(run.last_id, checkpoint.last_id) > checkpoint.unsigned_through:
            raise SealRefused(
                f"{checkpoint.label()}写入时，第 {checkpoint.unsigned_through + 1} 号起的记录已经签名，"
                "现在却没有签名：签名被清除了，不能补签"
            )
    _sign(session, key, run)
    return run.rows


def _sign(session: Session, key: bytes, run: Run, batch: int = 1000) -> None:
    table, conn = AuditEvent.__table__, session.connection()
    update = (
        table.update()
        .where(table.c.id == sa.bindparam("row_id"), table.c.mac.is_(None))
        .values(mac=sa.bindparam("new_mac"))
    )
    last = run.first_id - 1
    while True:  # a page at a time, by id: bounded memory on a big trail
        rows = conn.execute(
            sa.select(table.c.id, table.c.hash)
            .where(table.c.id > last, table.c.id <= run.last_id, table.c.mac.is_(None))
            .order_by(table.c.id)
            .limit(batch)
        ).all()
        if not rows:
            return
        conn.execute(update, [{"row_id": row_id, "new_mac": event_mac(key, row_hash)} for row_id, row_hash in rows])
        last = rows[-1][0]
