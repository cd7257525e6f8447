"""`flask --app app kpi export self-evaluation --unit NAME --year YYYY --out FILE.xlsx`.

Thin: find the unit and year, ask the service for the workbook, write it.

Attached to the `kpi export` group (kpi.monitoring.commands.export_group) by kpi/cli.py.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlmodel import Session

from kpi import db
from kpi.budget import service as budget
from kpi.cli_support import fail, require_xlsx, write_export
from kpi.evaluation.service import export_result
from kpi.evaluation.sheet import evaluate


@click.command("self-evaluation")
@click.option("--unit", "unit_name", required=True, help="预算单位名称")
@click.option("--year", required=True, type=int, help="预算年度")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="输出文件（.xlsx）")
@with_appcontext
def self_evaluation_export(unit_name: str, year: int, out: Path) -> None:
    """Write the 绩效自评表 of UNIT and YEAR to OUT, scored as the year's results stand now."""
    require_xlsx(out)
    with Session(db.engine(), expire_on_commit=False) as session:
        try:
            unit = budget.get_unit(session, unit_name)
            fiscal_year = budget.get_year(session, year)
        except budget.NotFound as error:
            fail(str(error))
        result = evaluate(session, unit, fiscal_year)
        if not (result.quarters.indicators or result.quarters.lines):
            fail(f"{unit.name} {year} 年没有指标或预算，无法导出绩效自评表")
        exported = export_result(result, current_app.config["KPI_EXPORT_DIR"])
    write_export(exported, out, f" {unit.name} {year} 年绩效自评表（总分 {result.total}，评价等级 {result.grade}）")
