"""`flask --app app kpi progress --unit NAME --year YYYY [--quarter N] [--project NAME] [--json]`
and `kpi export progress --year YYYY --unit NAME --out FILE.xlsx`.

Thin: finds the unit and year, asks the progress service, prints. Like `kpi indicators`, it lists
the unit-wide table (单位整体) unless --project names a project's own table.

`export progress` writes the 绩效指标完成进度表 (kpi.progress.workbook) and keeps a copy under
KPI_EXPORT_DIR/<year>/<unit>. A missing or unknown unit or year is a Chinese message on stderr
and exit code 1 (the options are checked here, not by click, so the message is ours). It is
attached to the `export` group of kpi/monitoring/commands.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlmodel import Session

from kpi import db
from kpi.budget import service as budget
from kpi.cli_support import fail, require_xlsx, write_export
from kpi.core.labels import QUARTER_LABELS
from kpi.formatting import format_number, json_number
from kpi.progress.rows import STATUS_TEXT, IndicatorRow
from kpi.progress.service import NotFound, UnitProgress, unit_progress
from kpi.progress.workbook import export_progress


@click.command("progress")
@click.option("--unit", "unit_name", required=True, help="预算单位名称")
@click.option("--year", required=True, type=int, help="预算年度")
@click.option("--quarter", type=click.IntRange(1, 4), default=None, help="截至季度（1–4）；不填则为最近填报的季度")
@click.option("--project", default=None, help="项目名称；不填则列出单位整体指标表")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出")
@with_appcontext
def progress_command(unit_name: str, year: int, quarter: int | None, project: str | None, as_json: bool) -> None:
    """Show each indicator's progress: year to date, 完成率, 应完成 and status."""
    with Session(db.engine()) as session:
        try:
            unit = budget.get_unit(session, unit_name)
            fiscal_year = budget.get_year(session, year)
            progress = unit_progress(session, unit, fiscal_year, as_of_quarter=quarter)
        except (budget.NotFound, NotFound) as error:
            fail(str(error))
        if project is not None and budget.find_project(session, unit, fiscal_year, project) is None:
            fail(f"项目不存在：{project}（{unit.name} {year} 年）")
    rows = _table(progress, project)
    if as_json:
        payload = [progress_json(row) for row in rows]
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    _print_table(progress, rows, project)


def _table(progress: UnitProgress, project: str | None) -> list[IndicatorRow]:
    if project is None:
        return [row for row in progress.rows if row.indicator.scope == "unit"]
    return [row for row in progress.rows if row.indicator.scope == "project" and row.project == project]


def progress_json(row: IndicatorRow) -> dict:
    """The stable JSON shape of one indicator's progress (numbers via json_number)."""
    indicator, p = row.indicator, row.progress
    actual = p.actual
    return {
        "level1": indicator.level1,
        "level2": indicator.level2,
        "name": indicator.name,
        "target_text": indicator.target_text,
        "project": row.project,
        "aggregation": indicator.aggregation,
        "unit": indicator.unit,  # 度量单位, as in `kpi indicators --json`
        "actual": json_number(actual.value),
        "actual_band": actual.band.value if actual.band else None,
        "actual_date": actual.achieved_on.isoformat() if actual.achieved_on else None,
        "numerator": json_number(actual.numerator),
        "denominator": json_number(actual.denominator),
        "completion_pct": json_number(p.completion_pct),
        "expected_pct": json_number(p.expected_pct),
        "status": p.status.value,
        "forecast": json_number(p.forecast),
        "explanation": p.explanation,
    }


def _print_table(progress: UnitProgress, rows: list[IndicatorRow], project: str | None) -> None:
    as_of = f"截至{QUARTER_LABELS[progress.as_of_quarter]}" if progress.as_of_quarter else "尚无季度填报"
    table = f"项目“{project}”" if project else "单位整体"
    click.echo(f"{progress.unit.name} {progress.year} 年 · {table}指标进度（{as_of}）")
    click.echo("状态\t三级指标\t指标值\t累计/最新\t完成率\t应完成\t全年预测")
    for row in rows:
        p = row.progress
        click.echo(
            "\t".join(
                [
                    STATUS_TEXT[p.status],
                    row.indicator.name,
                    row.indicator.target_text,
                    row.actual_text or "—",
                    _pct(p.completion_pct),
                    _pct(p.expected_pct),
                    row.forecast_text or "—",
                ]
            )
        )
    counts = {status: 0 for status in STATUS_TEXT}
    for row in rows:
        counts[row.status] += 1
    summary = "，".join(f"{STATUS_TEXT[status]} {count} 项" for status, count in counts.items())
    click.echo(f"共 {len(rows)} 项指标：{summary}。")


def _pct(value) -> str:
    return "—" if value is None else f"{format_number(value)}%"


@click.command("progress")
@click.option("--unit", "unit_name", help="预算单位名称（必填）")
@click.option("--year", type=int, help="预算年度（必填）")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="输出文件（.xlsx，必填）")
@with_appcontext
def export_progress_command(unit_name: str | None, year: int | None, out: Path | None) -> None:
    """Write the 绩效指标完成进度表 of UNIT and YEAR (as of its latest reported quarter) to OUT."""
    if not (unit_name or "").strip():
        fail("请用 --unit 指定预算单位名称")
    if year is None:
        fail("请用 --year 指定预算年度，例如 --year 2023")
    if out is None:
        fail("请用 --out 指定输出文件，例如 --out 进度表.xlsx")
    require_xlsx(out)
    with Session(db.engine(), expire_on_commit=False) as session:
        try:
            unit = budget.get_unit(session, unit_name)
            fiscal_year = budget.get_year(session, year)
            progress = unit_progress(session, unit, fiscal_year)
        except (budget.NotFound, NotFound) as error:
            fail(str(error))
        exported = export_progress(progress, current_app.config["KPI_EXPORT_DIR"])
    write_export(exported, out, f" {unit.name} {year} 年绩效指标完成进度表")
