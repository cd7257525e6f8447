"""`flask --app app kpi backup --out FILE` and `kpi restore FILE`: thin, the work is in service."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from kpi import db
from kpi.cli_support import fail
from kpi.audit.service import count_events, verify_chain
from kpi.backup.service import BackupError, BackupSummary, dump, restore, row_counts
from kpi.core.time import format_datetime
from kpi.migrate import upgrade_to_head



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
    """Write every table to a versioned, checksummed JSON-lines file (备份)."""
    to_stdout = out == "-"
    try:
        if to_stdout:
            summary = dump(db.engine(), sys.stdout)
        else:
            target = Path(out)
            # Written beside the target, then renamed: a failed backup never leaves a half file.
            partial = target.with_name(target.name + ".part")
            with partial.open("w", encoding="utf-8", newline="") as handle:
                summary = dump(db.engine(), handle)
            os.replace(partial, target)
    except BackupError as error:
        fail(error.message)
    except (OSError, DBAPIError) as error:
        if not to_stdout:
            Path(out + ".part").unlink(missing_ok=True)
        fail(f"备份失败：{error}")
    click.echo(f"已备份 {summary.rows} 行（结构版本 {summary.schema_revision}，{_taken(summary)}）到 {out}：", err=to_stdout)
    _print_counts(summary, err=to_stdout)


@click.command("restore")
@click.argument("file")
@with_appcontext
def restore_command(file: str) -> None:
    """Load a backup FILE (- for standard input) into an empty database (恢复): all or nothing."""
    engine = db.engine()
    try:
        if not any(row_counts(engine).values()):
            upgrade_to_head(engine)  # a new or empty database: bring it to the dump's schema first
        with click.open_file(file, "r", encoding="utf-8") as handle:  # "-" is standard input
            summary = restore(engine, handle)
    except BackupError as error:
        fail(error.message)
    except FileNotFoundError:
        fail(f"文件不存在：{file}")
    except UnicodeDecodeError:
        fail(f"{file} 不是 UTF-8 文本，不是本系统的备份文件。未写入任何数据。")
    except (OSError, DBAPIError) as error:
        fail(f"恢复失败，未写入任何数据：{error}")
    click.echo(f"已恢复 {summary.rows} 行（结构版本 {summary.schema_revision}，{_taken(summary)}）：")
    _print_counts(summary, err=False)
    with Session(engine) as session:
        problems = verify_chain(session)
        total = count_events(session)
    if problems:
        click.echo(f"警告：备份中的审计记录链有 {len(problems)} 处断开（数据已原样恢复），请运行 kpi audit verify 查看。", err=True)
    else:
        click.echo(f"审计记录完整：共 {total} 条")
