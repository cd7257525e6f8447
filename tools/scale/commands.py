"""`flask --app app kpi demo-scale --units N --year YYYY [--seed S] [--replace]`: synthetic load data."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from kpi import db
from tools.scale.generator import DEMO_PREFIX
from tools.scale.writer import DemoDataExists, generate, refusal

TABLE_LABELS = {
    "unit": "单位",
    "budget_line": "预算项目",
    "performance_goal": "绩效目标",
    "indicator": "指标",
    "quarter_report": "季度填报",
    "indicator_result": "指标完成值",
    "budget_execution": "预算执行",
    "monitoring_report": "运行监控",
    "monitoring_item": "监控指标",
    "monitoring_budget_item": "监控预算",
    "self_evaluation": "绩效自评",
    "self_evaluation_goal": "自评目标",
    "self_evaluation_item": "自评指标",
}


@click.command("demo-scale")
@click.option("--units", required=True, type=click.IntRange(1, 100_000), help="生成的示例单位数量")
@click.option("--year", required=True, type=click.IntRange(2000, 2100), help="预算年度")
@click.option("--seed", default=0, show_default=True, type=int, help="随机种子：同一种子生成相同数据")
@click.option("--replace", is_flag=True, help="先删除该年度已有的示例单位数据再生成")
@with_appcontext
def demo_scale_command(units: int, year: int, seed: int, replace: bool) -> None:
    """Generate N demo units (示例单位0001…) with a year of indicators, quarters and reports.

    For load tests and demonstrations only: the data is synthetic."""
    refused = None if replace else refusal(db.engine(), year)
    if refused:
        fail(refused)
    try:
        with click.progressbar(length=units, label=f"生成{DEMO_PREFIX}", file=sys.stderr) as bar:
            summary = generate(db.engine(), units=units, year=year, seed=seed, replace=replace, on_batch=bar.update)
    except DemoDataExists as error:  # another run got there in between
        fail(error)
    if summary.replaced_units:
        click.echo(f"已删除 {summary.replaced_units} 个示例单位在 {year} 年的原有数据。")
    click.echo(f"已生成 {summary.units} 个示例单位（{year} 年，种子 {seed}），用时 {summary.seconds:.1f} 秒。")
    total = 0
    for table, count in summary.rows.items():
        click.echo(f"  {TABLE_LABELS[table]}\t{count}")
        total += count
    click.echo(f"  合计\t{total} 行")


def fail(error: DemoDataExists) -> None:
    click.echo(f"错误：{error.message}", err=True)
    sys.exit(1)
