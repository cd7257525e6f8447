"""`flask --app app kpi check-selfeval FILE.xlsx [--preset NAME] [--json]`: the finance bureau's 复核.

Exit 0 whenever the file was read, whatever the differences; exit 1, with the row and column in
Chinese, when it cannot be read.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from kpi.cli_support import fail
from kpi.domain.numbers import plain_number
from kpi.domain.scoring_presets import PRESET_NAMES, preset, preset_label
from kpi.formatting import json_number
from kpi.recheck.compare import TableCheck, check_table
from kpi.recheck.reader import ReadError, read_self_evaluation
from kpi.recheck.schemes import DEFAULT_PRESET


@click.command("check-selfeval")
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--preset",
    "preset_name",
    default=DEFAULT_PRESET,
    help="计分方案（--list-presets 列出全部；默认 printed-points：按表中分值）",
)
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出")
@click.option("--list-presets", is_flag=True, help="每行列出一个计分方案名称")
def check_selfeval_command(file: Path | None, preset_name: str, as_json: bool, list_presets: bool) -> None:
    """复核单位自评表：按计分方案重新计分，逐行与表中得分比较。"""
    if list_presets:
        for name in PRESET_NAMES:
            click.echo(name)
        return
    if file is None:
        fail("请指定要复核的自评表文件（.xlsx）")
    try:
        settings = preset(preset_name)
    except ValueError as error:
        fail(str(error))
    if not file.is_file():
        fail(f"文件不存在：{file}")
    try:
        tables = read_self_evaluation(file)
    except ReadError as error:
        fail(f"{file.name} 无法读取：{error}")
    checks = [check_table(table, settings) for table in tables]
    if as_json:
        documents = [as_document(check, preset_name) for check in checks]
        click.echo(json.dumps(documents[0] if len(documents) == 1 else documents, ensure_ascii=False, indent=2))
        return
    for check in checks:
        _print(check, preset_name)


def as_document(check: TableCheck, preset: str) -> dict:
    """The issue's JSON shape: rows, budget and total, numbers as JSON numbers."""
    return {
        "sheet": check.table.sheet,
        "title": check.table.title,
        "year": check.table.year,
        "preset": preset,
        "rows": [
            {
                "row": row.row,
                "name": row.name,
                "points": json_number(row.points),
                "target_text": row.target_text,
                "actual": row.actual,
                "published_score": json_number(row.published_score),
                "computed_score": json_number(row.computed_score),
                "working": row.working,
            }
            for row in check.rows
        ],
        "budget": {
            "published": json_number(check.budget_published),
            "computed": json_number(check.budget_computed),
            "working": check.budget_working,
        },
        "total": {"published": json_number(check.total_published), "computed": json_number(check.total_computed)},
    }


def _print(check: TableCheck, preset: str) -> None:
    table = check.table
    click.echo(f"{table.title}（工作表“{table.sheet}”，计分方案：{preset_label(preset)}）")
    for row in check.rows:
        computed = "需人工判断" if row.computed_score is None else plain_number(row.computed_score)
        published = "—" if row.published_score is None else plain_number(row.published_score)
        mark = "≠" if row.differs else " "
        click.echo(f" {mark} 第 {row.row} 行 {row.name}：表中 {published}，复核 {computed}　{row.working}")
    budget = "—" if check.budget_published is None else plain_number(check.budget_published)
    computed = "—" if check.budget_computed is None else plain_number(check.budget_computed)
    click.echo(f"   预算执行：表中 {budget}，复核 {computed}　{check.budget_working}")
    total = "—" if check.total_published is None else plain_number(check.total_published)
    differing = sum(row.differs for row in check.rows)
    click.echo(
        f"   总分：表中 {total}，复核 {plain_number(check.total_computed)}；"
        f"{differing} 行得分不同，{check.judgements} 行需人工判断（按表中得分计入复核总分）。"
    )
