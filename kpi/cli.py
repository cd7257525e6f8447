"""`flask --app app kpi …`: operations commands. Thin: parse arguments, call services.

The command names and options are kept stable: operations scripts depend on them.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import click
from flask.cli import AppGroup
from sqlmodel import Session

from kpi import db
from kpi.accounts.roles import ROLE_LABELS
from kpi.accounts.service import AccountError, create_user, set_password
from kpi.budget import service as budget
from kpi.cli_support import fail
from kpi.dataset import load_default_dataset_if_empty
from kpi.formatting import format_number, json_number
from kpi.indicators.importer import ImportRejected, import_target_table, preview_rows
from kpi.indicators.service import indicator_table
from kpi.indicators.table_reader import TargetTableError, read_target_table
from kpi.migrate import upgrade_to_head

kpi_cli = AppGroup("kpi", help="预算绩效指标跟踪系统的运维命令。")


def _attach_feature_commands() -> None:
    # Feature packages keep their own commands; the group collects them here. `kpi demo-scale`
    # is not among them: the synthetic-data generator lives in tools/, which app.py adds.
    from kpi.audit.commands import audit_group
    from kpi.backup.commands import backup_command, restore_command
    from kpi.evaluation.commands import self_evaluation_export
    from kpi.finance.commands import export_consolidated_command
    from kpi.indicators.commands import roll_year_command
    from kpi.jobs.commands import worker_command
    from kpi.monitoring.commands import export_group
    from kpi.progress.commands import export_progress_command, progress_command
    from kpi.recheck.commands import check_selfeval_command
    from kpi.reminders.commands import reminders_command, scheduler_command
    from kpi.results.commands import import_results_command

    for command in (
        progress_command,
        import_results_command,
        export_group,
        reminders_command,
        scheduler_command,
        worker_command,
        backup_command,
        restore_command,
        audit_group,
        check_selfeval_command,
        roll_year_command,
    ):
        kpi_cli.add_command(command)
    for command in (export_progress_command, export_consolidated_command, self_evaluation_export):
        export_group.add_command(command)


@kpi_cli.command("init")
def init_command() -> None:
    """Migrate the database to head and load the default dataset if it is empty (repeatable)."""
    upgrade_to_head(db.engine())
    with db.transaction() as session:
        summary = load_default_dataset_if_empty(session)
    if summary is None:
        click.echo("数据库已是最新结构；已有数据，未重复载入默认数据集。")
    else:
        click.echo(
            f"已载入默认数据集：{summary.unit} {summary.year} 年，{summary.budget_lines} 条预算，"
            f"单位整体指标 {summary.unit_indicators} 项，项目指标 {summary.project_indicators} 项。"
        )


@kpi_cli.command("import-targets")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--unit", "unit_name", required=True, help="预算单位名称（不存在则新建）")
@click.option("--year", required=True, type=click.IntRange(2000, 2100), help="预算年度")
@click.option("--dry-run", is_flag=True, help="只显示将导入的内容，不写入数据库")
@click.option("--replace", is_flag=True, help="覆盖该单位该年度已有的同一张指标表（仅限未批复的草稿表）")
@click.option("--draft", is_flag=True, help="导入为草稿（未批复）：可在指标设置中直接修改；默认导入为已批复")
def import_targets_command(file: Path, unit_name: str, year: int, dry_run: bool, replace: bool, draft: bool) -> None:
    """Import a target table (.xlsx) for UNIT and YEAR; all rows or none.

    The table is marked approved (批复), as published tables are; --draft leaves it a draft."""
    if not unit_name.strip():
        fail("--unit 不能为空")
    if not file.exists():
        fail(f"文件不存在：{file}")
    try:
        table = read_target_table(file)
    except TargetTableError as error:
        fail(f"{file.name}：{error}")
    session = Session(db.engine(), expire_on_commit=False)
    try:
        summary = import_target_table(
            session,
            table,
            unit_name=unit_name,
            year=year,
            replace=replace,
            dry_run=dry_run,
            status="draft" if draft else "approved",
        )
        if dry_run:
            session.rollback()
        else:
            session.commit()
    except ImportRejected as error:
        session.rollback()
        fail(f"{file.name} 未导入，未写入任何数据：\n" + "\n".join(f"  - {p}" for p in error.problems))
    except Exception as error:  # a fault mid-loop: nothing was committed, say so instead of a traceback
        session.rollback()
        fail(f"{file.name} 导入中断（{type(error).__name__}：{error}），已全部撤销，未写入任何数据。")
    finally:
        session.close()

    layout = "指标性质|指标值|度量单位 分列" if table.layout == "split" else "指标值单列"
    click.echo(f"工作表“{table.sheet}”，表头在第 {table.header_row} 行（{layout}）。")
    if dry_run:
        for row in preview_rows(summary):
            comparator = row["comparator"] or ""
            parsed = (
                f"{comparator}{format_number(row['target_value'])}{row['unit'] or ''}"
                if row["target_value"] is not None
                else ""
            )
            project = f"[{row['project']}] " if row["project"] else ""
            click.echo(
                f"  第 {row['row']} 行 {project}{row['level1']} / {row['level2']} / {row['name']}：{row['target_text']} → {row['kind']} {parsed}"
            )
            for note in row["notes"]:  # what the row decided that the text left open
                click.echo(f"      说明：{note}")
        click.echo(
            f"试运行：将导入 {summary.indicator_count} 项指标到 {summary.unit} {summary.year} 年；未写入数据库。"
        )
        return
    for name in summary.created_projects:
        click.echo(f"新建项目“{name}”（预算数待补录）。")
    for imported in summary.tables:
        label = f"项目“{imported.project}”" if imported.project else "单位整体"
        replaced = f"（替换原有 {imported.replaced} 项）" if imported.replaced else ""
        click.echo(f"{label}：导入 {len(imported.specs)} 项指标{replaced}。")
    for link in summary.links:  # 同一指标 (kpi/indicators/links.py): entered once, on the project's row
        click.echo(f"同一指标：单位整体“{link.name}”{link.note}。")
    state = "草稿（未批复，可直接修改）" if draft else "已批复（如需修改指标值或分值，请提交绩效目标调整）"
    click.echo(f"已导入 {summary.indicator_count} 项指标到 {summary.unit} {summary.year} 年，状态：{state}。")


@kpi_cli.command("indicators")
@click.option("--unit", "unit_name", required=True, help="预算单位名称")
@click.option("--year", required=True, type=int, help="预算年度")
@click.option("--project", default=None, help="项目名称；不填则列出单位整体指标表")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出")
def indicators_command(unit_name: str, year: int, project: str | None, as_json: bool) -> None:
    """List the indicators of a unit's table (unit-wide, or one project's own)."""
    with Session(db.engine()) as session:
        try:
            unit = budget.get_unit(session, unit_name)
            fiscal_year = budget.get_year(session, year)
        except budget.NotFound as error:
            fail(str(error))
        line = None
        if project is not None:
            line = budget.find_project(session, unit, fiscal_year, project)
            if line is None:
                fail(f"项目不存在：{project}（{unit.name} {year} 年）")
        rows = indicator_table(session, unit, fiscal_year, line)
        names = {item.id: item.name for item in budget.projects(session, unit, fiscal_year)}
    if as_json:
        payload = [indicator_json(row, names.get(row.budget_line_id)) for row in rows]
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    for row in rows:
        click.echo(f"{row.level1}\t{row.level2}\t{row.name}\t{row.target_text}\t{names.get(row.budget_line_id, '')}")
    click.echo(f"共 {len(rows)} 项指标。")


def indicator_json(row, project: str | None) -> dict:
    """The stable JSON shape of one indicator (documented in the README)."""
    return {
        "level1": row.level1,
        "level2": row.level2,
        "name": row.name,
        "target_text": row.target_text,
        "comparator": row.comparator if row.target_value is not None else None,
        "target_value": json_number(row.target_value),
        "unit": row.unit,
        "kind": row.kind,
        "project": project,
        "direction": row.direction,
        "aggregation": row.aggregation,
        "target_date": row.target_date_to.isoformat() if row.target_date_to else None,
        "points": json_number(row.points),
    }


def _password_from_env_or_prompt() -> str:
    password = os.environ.get("KPI_PASSWORD")
    if password:
        return password
    return click.prompt("密码", hide_input=True, confirmation_prompt="再次输入密码")


@kpi_cli.command("create-user")
@click.argument("name")
@click.option(
    "--role",
    required=True,
    type=click.Choice(["staff", "reviewer", "finance", "admin"]),
    help="staff=填报人, reviewer=审核人, finance=财政局, admin=管理员",
)
@click.option("--unit", "unit_name", default=None, help="所属单位（填报人、审核人必填）")
@click.option("--email", default=None, help="邮箱（接收提醒）")
@click.option("--display-name", default="", help="显示名称")
def create_user_command(name: str, role: str, unit_name: str | None, email: str | None, display_name: str) -> None:
    """Create a user; the password comes from KPI_PASSWORD or a hidden prompt."""
    password = _password_from_env_or_prompt()
    with Session(db.engine(), expire_on_commit=False) as session:
        try:
            user = create_user(
                session,
                {
                    "username": name,
                    "password": password,
                    "role": role,
                    "unit": unit_name,
                    "email": email,
                    "display_name": display_name,
                },
            )
            session.commit()
        except AccountError as error:
            session.rollback()
            fail(str(error))
    click.echo(f"已创建用户 {user.username}（{ROLE_LABELS[user.role]}）。")


@kpi_cli.command("set-password")
@click.argument("name")
def set_password_command(name: str) -> None:
    """Set a user's password (KPI_PASSWORD or a hidden prompt) and unlock the account."""
    password = _password_from_env_or_prompt()
    with Session(db.engine()) as session:
        try:
            set_password(session, name, password)
            session.commit()
        except AccountError as error:
            session.rollback()
            fail(str(error))
    click.echo(f"已修改 {name} 的密码。")


_attach_feature_commands()
