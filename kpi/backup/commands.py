"""`flask --app app kpi backup --out FILE` and `kpi restore FILE [--trust-unsigned]`: thin, the work is in service."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from kpi import db
from kpi.audit.checkpoints import checkpoint_path
from kpi.audit.verify import verify_trail
from kpi.backup.service import BackupError, BackupSummary, dump, restore
from kpi.cli_support import fail
from kpi.core.time import format_datetime


def _taken(summary: BackupSummary) -> str:
    # Beijing time, like every page: the operator matches it against the backup schedule.
    return f"备份时间 {format_datetime(summary.created_at)}" if summary.created_at else "备份时间未知"


def _print_counts(summary: BackupSummary, err: bool) -> None:
    for name, rows in summary.tables.items():
        click.echo(f"  {name}: {rows}", err=err)


@click.command("backup")
@click.option("--out", "out", required=True, help="备份文件路径；- 表示写到标准输出")
@with_appcontext
def backup_command(out: str) -> None:
    """Write every table to a versioned JSON-lines file signed with KPI_BACKUP_KEY (备份)."""
    to_stdout = out == "-"
    try:
        if to_stdout:
            summary = dump(db.engine(), sys.stdout, current_app.config["KPI_BACKUP_KEY"])
        else:
            target = Path(out)
            # Written beside the target, then renamed: a failed backup never leaves a half file.
            partial = target.with_name(target.name + ".part")
            with partial.open("w", encoding="utf-8", newline="") as handle:
                summary = dump(db.engine(), handle, current_app.config["KPI_BACKUP_KEY"])
            os.replace(partial, target)
    except BackupError as error:
        fail(error.message)
    except (OSError, DBAPIError) as error:
        if not to_stdout:
            Path(out + ".part").unlink(missing_ok=True)
        fail(f"备份失败：{error}")
    click.echo(
        f"已备份 {summary.rows} 行（结构版本 {summary.schema_revision}，{_taken(summary)}）到 {out}：", err=to_stdout
    )
    _print_counts(summary, err=to_stdout)


@click.command("restore")
@click.argument("file")
@click.option(
    "--trust-unsigned", is_flag=True, help="恢复没有签名、或签名与本系统备份密钥不符的备份（仅在确认来源可信时使用）"
)
@with_appcontext
def restore_command(file: str, trust_unsigned: bool) -> None:
    """Load a backup FILE (- for standard input) into an empty database (恢复): all or nothing.

    The file is verified (checksum, and signature under KPI_BACKUP_KEY) before the database
    is opened; a new or empty database is then migrated and loaded in one transaction.
    """
    engine = db.engine()
    try:
        with click.open_file(file, "r", encoding="utf-8") as handle:  # "-" is standard input
            summary = restore(engine, handle, current_app.config["KPI_BACKUP_KEY"], trust_unsigned=trust_unsigned)
    except BackupError as error:
        fail(error.message)
    except FileNotFoundError:
        fail(f"文件不存在：{file}")
    except UnicodeDecodeError:
        fail(f"{file} 不是 UTF-8 文本，不是本系统的备份文件。未写入任何数据。")
    except (OSError, DBAPIError) as error:
        fail(f"恢复失败，未写入任何数据：{error}")
    if summary.unverified:
        # Said first and on stderr: the rows restored are only as trustworthy as the file's source.
        click.echo(
            f"警告：{summary.unverified}。已按 --trust-unsigned 恢复：其中的账号、角色（如管理员）与审计记录"
            "都未经验证，请逐一核对。",
            err=True,
        )
    click.echo(f"已恢复 {summary.rows} 行（结构版本 {summary.schema_revision}，{_taken(summary)}）：")
    _print_counts(summary, err=False)
    with Session(engine) as session:
        report = verify_trail(
            session, current_app.config["KPI_AUDIT_KEY"], checkpoint_path(current_app.config["KPI_EXPORT_DIR"])
        )
    problems, total = report.all_problems(), report.total
    if problems:
        click.echo(
            f"警告：恢复后的审计记录有 {len(problems)} 处问题（数据已原样恢复），请运行 kpi audit verify 查看。"
            "若恢复的是较早的备份，导出目录中的检查点描述的是恢复前的记录：请将 audit-checkpoints.jsonl"
            "另处保存后移走，再运行 kpi audit checkpoint。",
            err=True,
        )
    elif summary.unverified:
        # A forger can recompute the whole public chain, so an intact chain proves nothing here.
        click.echo(f"审计记录链前后相连：共 {total} 条；但备份未经签名验证，这不能证明记录未被篡改。", err=True)
    else:
        click.echo(f"审计记录完整：共 {total} 条")
