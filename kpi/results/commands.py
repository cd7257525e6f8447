"""`flask --app app kpi import-results FILE [--dry-run]`: thin, the work is in bulk_import."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlmodel import Session

from kpi import db
from kpi.cli_support import fail
from kpi.results.bulk_import import BulkImportRejected, apply_import, plan_import, read_source
from kpi.results.service import ResultsError


@dataclass(frozen=True)
class ImportActor:
    """Who the audit trail names for a bulk import: not a person, so no user id."""

    username: str = "import"
    id: None = None


@click.command("import-results")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="只显示将要修改的内容，不写入数据库")
@with_appcontext
def import_results_command(file: Path, dry_run: bool) -> None:
    """Import quarterly results (and budget execution) from FILE (.xlsx or .csv); all rows or none."""
    if not file.exists():
        fail(f"文件不存在：{file}")
    try:
        source = read_source(file)
    except BulkImportRejected as rejected:
        fail(f"{file.name} 无法读取，未写入任何数据：", rejected.problems)
    if not source.rows:
        fail(f"{file.name} 中没有数据行，未写入任何数据。")
    session = Session(db.engine(), expire_on_commit=False)
    try:
        plan = plan_import(session, source)
        report = [(target.title, target.changes) for target in plan]
        if dry_run:
            session.rollback()
        else:
            apply_import(session, plan, actor=ImportActor(), reason=f"批量导入 {file.name}")
            session.commit()
    except BulkImportRejected as rejected:
        session.rollback()
        fail(f"{file.name} 有 {len(rejected.problems)} 处问题，未导入，未写入任何数据：", rejected.problems)
    except ResultsError as error:  # locked or saved by someone else while importing
        session.rollback()
        fail(f"{error.message} 未写入任何数据。")
    except Exception as error:  # a fault mid-loop: nothing was committed, say so instead of a traceback
        session.rollback()
        fail(f"{file.name} 导入中断（{type(error).__name__}：{error}），已全部撤销，未写入任何数据。")
    finally:
        session.close()

    total = sum(len(changes) for _, changes in report)
    for title, changes in report:
        click.echo(f"{title}：{'将修改' if dry_run else '修改'} {len(changes)} 处")
        if dry_run:
            for change in changes:
                click.echo(f"  {change.label}：{change.old_text} → {change.new_text}")
    if total == 0:
        click.echo(f"重复导入：没有变化（{len(source.rows)} 行与现有数据一致）。")
    elif dry_run:
        click.echo(f"试运行：共 {len(source.rows)} 行，将修改 {total} 处；未写入数据库。")
    else:
        click.echo(f"已导入 {len(source.rows)} 行，修改 {total} 处。")
