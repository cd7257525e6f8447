"""`flask --app app kpi export progress|consolidated …`: the progress and consolidated workbooks.

    kpi export progress --year YYYY --unit NAME --out FILE.xlsx
    kpi export consolidated --year YYYY --out FILE.xlsx      (every unit: takes no --unit)

Thin: find the unit and year, ask kpi.finance.service, write the file; a copy lands under
KPI_EXPORT_DIR/<year>/<unit> (or /汇总). A missing or unknown unit or year is a Chinese message
on stderr and exit code 1 (the options are checked here, not by click, so the message is ours).
On a terminal, `consolidated` shows a progress bar over the units (click.progressbar).
Both are attached to the `export` group of kpi/monitoring/commands.py.
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
from kpi.cli_support import fail, require_xlsx, write_export
from kpi.finance import service
from kpi.progress.service import NotFound, unit_progress

YEAR_HELP = "预算年度（必填）"
OUT_HELP = "输出文件（.xlsx，必填）"


def _check(year: int | None, out: Path | None) -> None:
    if year is None:
        fail("请用 --year 指定预算年度，例如 --year 2023")
    if out is None:
        fail("请用 --out 指定输出文件，例如 --out 汇总表.xlsx")
    require_xlsx(out)


@click.command("progress")
@click.option("--unit", "unit_name", help="预算单位名称（必填）")
@click.option("--year", type=int, help=YEAR_HELP)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help=OUT_HELP)
@with_appcontext
def export_progress_command(unit_name: str | None, year: int | None, out: Path | None) -> None:
    """Write the 绩效指标完成进度表 of UNIT and YEAR (as of its latest reported quarter) to OUT."""
    if not (unit_name or "").strip():
        fail("请用 --unit 指定预算单位名称")
    _check(year, out)
    with Session(db.engine(), expire_on_commit=False) as session:
        try:
            unit = budget.get_unit(session, unit_name)
            fiscal_year = budget.get_year(session, year)
            progress = unit_progress(session, unit, fiscal_year)
        except (budget.NotFound, NotFound) as error:
            fail(str(error))
        exported = service.export_progress(progress, current_app.config["KPI_EXPORT_DIR"])
    write_export(exported, out, f" {unit.name} {year} 年绩效指标完成进度表")


@click.command("consolidated")
@click.option("--year", type=int, help=YEAR_HELP)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help=OUT_HELP)
@with_appcontext
def export_consolidated_command(year: int | None, out: Path | None) -> None:
    """Write the year's 预算绩效汇总表 (every unit, then one sheet per unit) to OUT."""
    _check(year, out)
    with Session(db.engine(), expire_on_commit=False) as session:
        try:
            fiscal_year = budget.get_year(session, year)
        except budget.NotFound as error:
            fail(str(error))
        bar = _ProgressBar() if _interactive() else None
        try:
            exported = service.export_consolidated(
                session, fiscal_year, current_app.config["KPI_EXPORT_DIR"], progress=bar
            )
        finally:
            if bar is not None:
                bar.close()
    write_export(exported, out, f" {year} 年预算绩效汇总表")


def _interactive() -> bool:
    """Is stdout a terminal (where a progress bar helps, and does not clutter a log)?"""
    return sys.stdout.isatty()


class _ProgressBar:
    """A click.progressbar over the units, opened on the builder's first call (when it knows the total)."""

    def __init__(self) -> None:
        self.bar = None

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None:
            self.bar = click.progressbar(length=total, label="正在生成汇总表", show_pos=True)
            self.bar.__enter__()
        self.bar.update(done - self.bar.pos)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
