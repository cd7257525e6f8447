"""`flask --app app kpi export …`: report workbooks from the command line. Thin: find, ask the service, write.

`kpi export monitoring --unit NAME --year YYYY --out FILE.xlsx` writes the 绩效运行监控表. Later
reports (self-evaluation, …) add their own subcommands to `export_group`.
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
from kpi.indicators.service import indicator_table
from kpi.monitoring.service import export_workbook


@click.group("export", help="导出报表（Excel，单位：万元），同时在 exports/ 下保存副本。")
def export_group() -> None:
    """Export report workbooks."""


@export_group.command("monitoring")
@click.option("--unit", "unit_name", required=True, help="预算单位名称")
@click.option("--year", required=True, type=int, help="预算年度")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="输出文件（.xlsx）")
@with_appcontext
def export_monitoring_command(unit_name: str, year: int, out: Path) -> None:
    """Write the 绩效运行监控表 of UNIT and YEAR to OUT (a report not started exports its prefilled values)."""
    require_xlsx(out)
    with Session(db.engine(), expire_on_commit=False) as session:
        try:
            unit = budget.get_unit(session, unit_name)
            fiscal_year = budget.get_year(session, year)
        except budget.NotFound as error:
            fail(str(error))
        if not budget.budget_lines(session, unit, fiscal_year) and not _has_indicators(session, unit, fiscal_year):
            fail(f"{unit.name} {year} 年没有指标或预算，无法导出绩效运行监控表")
        exported = export_workbook(session, unit, fiscal_year, current_app.config["KPI_EXPORT_DIR"])
    write_export(exported, out, f" {unit.name} {year} 年绩效运行监控表")


def _has_indicators(session: Session, unit, fiscal_year) -> bool:
    return bool(indicator_table(session, unit, fiscal_year))
