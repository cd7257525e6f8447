"""`flask --app app kpi export consolidated --year YYYY --out FILE.xlsx`: the 预算绩效汇总表.

Thin: find the year, ask kpi.finance.service, write the file; a copy lands under
KPI_EXPORT_DIR/<year>/汇总. It takes every unit, so no --unit. A missing or unknown year is a
Chinese message on stderr and exit code 1 (the options are checked here, not by click, so the
message is ours). On a terminal it shows a progress bar over the units (click.progressbar).
Attached to the `export` group of kpi/monitoring/commands.py.
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


@click.command("consolidated")
@click.option("--year", type=int, help="预算年度（必填）")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="输出文件（.xlsx，必填）")
@with_appcontext
def export_consolidated_command(year: int | None, out: Path | None) -> None:
    """Write the year's 预算绩效汇总表 (every unit, then one sheet per unit) to OUT."""
    if year is None:
        fail("请用 --year 指定预算年度，例如 --year 2023")
    if out is None:
        fail("请用 --out 指定输出文件，例如 --out 汇总表.xlsx")
    require_xlsx(out)
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
