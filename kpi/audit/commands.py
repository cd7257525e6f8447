"""`flask --app app kpi audit verify|checkpoint|seal`: check and anchor the audit trail.

What each check can and cannot detect: docs/audit.md.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from kpi import db
from kpi.audit.checkpoints import CheckpointRefused, checkpoint_path, write_checkpoint
from kpi.audit.verify import SealRefused, seal, verify_trail
from kpi.cli_support import fail

audit_group = click.Group("audit", help="审计记录（修改记录）：校验、写检查点、为旧记录补签。")


def _key() -> bytes:
    key = current_app.config.get("KPI_AUDIT_KEY")
    if not isinstance(key, bytes) or len(key) < 32:
        fail("没有配置审计密钥（KPI_AUDIT_KEY，或由 KPI_SECRET_KEY 派生）：无法校验或写入签名")
    return key


def _export_dir() -> Path:
    return Path(current_app.config["KPI_EXPORT_DIR"])


@contextmanager
def _database() -> Iterator[None]:
    # An operator's command: a Chinese sentence and exit 1, never a traceback.
    try:
        yield
    except SQLAlchemyError as error:
        fail(
            f"无法读取审计记录（{error.__class__.__name__}）：数据库能否连接？"
            "结构是否已迁移到最新版本（flask --app app kpi init）？"
        )


@audit_group.command("verify")
@click.option(
    "--checkpoints",
    "checkpoints",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="检查点文件（默认为导出目录下的 audit-checkpoints.jsonl），例如另处保存的副本",
)
@with_appcontext
def audit_verify_command(checkpoints: Path | None) -> None:
    """Check the chain, every row's signature and every checkpoint; list each problem and exit 1."""
    key = _key()
    if checkpoints is not None and not checkpoints.is_file():
        fail(f"检查点文件不存在：{checkpoints}")  # asked for by name: its absence is no mere warning
    path = checkpoints or checkpoint_path(_export_dir())
    with _database(), Session(db.engine()) as session, session.begin():
        report = verify_trail(session, key, path)
    for warning in report.warnings:
        click.echo(f"注意：{warning}", err=True)
    problems = report.all_problems()
    if problems:
        click.echo(f"审计记录被篡改或缺失：共 {report.total} 条，{len(problems)} 处问题：", err=True)
        for problem in problems:
            click.echo(f"  - {problem}", err=True)
        raise SystemExit(1)
    click.echo(f"审计记录完整：共 {report.total} 条")
    latest = report.checkpoint_file.latest
    if latest is not None:
        click.echo(
            f"签名全部有效，与 {len(report.checkpoint_file.checkpoints)} 个检查点相符；最新{latest.label()}之后"
            f"新增 {report.after_latest} 条（下一个检查点之前，从末尾删除它们无法被发现）"
        )


@audit_group.command("checkpoint")
@with_appcontext
def audit_checkpoint_command() -> None:
    """Append a signed checkpoint (row count, newest row and its hash) to the export folder."""
    key = _key()
    with _database(), Session(db.engine()) as session, session.begin():
        try:
            checkpoint = write_checkpoint(session, _export_dir(), key)
        except CheckpointRefused as refused:
            fail(refused.message, refused.problems)
    click.echo(
        f"已写入审计检查点：共 {checkpoint.count} 条，最新为第 {checkpoint.last_id} 号记录"
        f"（{checkpoint_path(_export_dir())}）"
    )


@audit_group.command("seal")
@with_appcontext
def audit_seal_command() -> None:
    """Sign the rows written before migration 0012 (once, right after upgrading), then checkpoint."""
    key = _key()
    with _database():
        with Session(db.engine()) as session, session.begin():
            try:
                signed = seal(session, key, checkpoint_path(_export_dir()))
            except SealRefused as refused:
                fail(refused.message, refused.problems)
        if not signed:
            click.echo("没有需要补签的记录。")
            return
        with Session(db.engine()) as session, session.begin():
            try:
                write_checkpoint(session, _export_dir(), key)
            except CheckpointRefused as refused:
                fail(f"已为 {signed} 条旧记录补签，但未能写入检查点：{refused.message}", refused.problems)
    click.echo(f"已为 {signed} 条升级前写入的旧记录补签，并写入了检查点（{checkpoint_path(_export_dir())}）。")
