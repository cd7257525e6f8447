"""`flask --app app kpi export self-evaluation --unit NAME --year YYYY --out FILE.xlsx`.

Thin: find the unit and year, ask the service for the workbook, write it.

Attached to the `kpi export` group (kpi.monitoring.commands.export_group) by kpi/cli.py.
"""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlmodel import Session

from kpi import db
from kpi.budget import service as budget
from kpi.evaluation.service import export_result
from kpi.evaluation.sheet import evaluate


def _fail(message: str) -> None:
    click.echo(f"错误：{message}", err=True)
    sys.exit(1)


@click.command("self-evaluation")
@click.option("--unit", "unit_name", required=True, help="预算单位名称")
@click.option("--year", required=True, type=int, help="预算年度")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="输出文件（.xlsx）")
@with_appcontext
def self_evaluation_export(unit_name: str, year: int, out: Path) -> None:
    """Write the 绩效自评表 of UNIT and YEAR to OUT, scored as the year's results stand now."""
    if out.suffix.lower() != ".xlsx":
        _fail(f"输出文件必须是 .xlsx：{out}")
    with Session(db.engine(), expire_on_commit=False) as session:
        try:
            unit = budget.get_unit(session, unit_name)
            fiscal_year = budget.get_year(session, year)
        except budget.NotFound as error:
            _fail(str(error))
        result = evaluate(session, unit, fiscal_year)
        if not (result.quarters.indicators or result.quarters.lines):
            _fail(f"{unit.name} {year} 年没有指标或预算，无法导出绩效自评表")
        exported = export_result(result, current_app.config["KPI_EXPORT_DIR"])
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(exported.data)
    except OSError as error:
        _fail(f"无法写入 {out}：{error.strerror or error}")
    click.echo(f"已导出 {unit.name} {year} 年绩效自评表（总分 {result.total}，评价等级 {result.grade}）：{out}")
    if exported.copy is not None:
        click.echo(f"副本：{exported.copy}")
