"""`flask --app app kpi roll-year --from 2023 --to 2024 [--unit NAME] [--replace]`: thin, the work is in rollover."""

from __future__ import annotations

from dataclasses import dataclass

import click
from flask.cli import with_appcontext
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from kpi import db
from kpi.cli_support import fail
from kpi.indicators.rollover import RolloverRejected, carry_year_settings, parse_year, roll_year


@dataclass(frozen=True)
class ImportActor:
    """Who the audit trail names for a command-line copy: not a person, so no user id (as imports)."""

    username: str = "import"
    id: None = None


# The years are read as text and checked by the rollover service, so that the command and the
# admin page give the same Chinese message for a bad year (click's own would be in English).
@click.command("roll-year")
@click.option("--from", "source_text", required=True, metavar="YEAR", help="来源年度，如 2023")
@click.option("--to", "target_text", required=True, metavar="YEAR", help="目标年度，如 2024（须晚于来源年度）")
@click.option("--unit", "unit_name", default=None, help="只复制这个预算单位；不填则复制来源年度有指标表的全部单位")
@click.option("--replace", is_flag=True, help="目标年度已有草稿指标表时删除后重新复制（已批复或已有填报的不能覆盖）")
@with_appcontext
def roll_year_command(source_text: str, target_text: str, unit_name: str | None, replace: bool) -> None:
    """Copy each unit's target tables of --from into --to as draft tables, budget amounts to fill; all or nothing."""
    session = Session(db.engine(), expire_on_commit=False)
    try:
        source, target = parse_year(source_text, "来源年度（--from）"), parse_year(target_text, "目标年度（--to）")
        results = roll_year(
            session, source_year=source, target_year=target, unit_name=unit_name, replace=replace, actor=ImportActor()
        )
        settings = carry_year_settings(session, source_year=source, target_year=target, actor=ImportActor())
        session.commit()
    except RolloverRejected as rejected:
        session.rollback()
        fail("未复制，未写入任何数据：", rejected.problems)
    except IntegrityError:  # another copy into the same year committed first
        session.rollback()
        fail("目标年度的指标表刚被其他操作写入，本次未复制、未写入任何数据；请重新运行。")
    except Exception as error:  # a fault mid-run: nothing was committed, say so instead of a traceback
        session.rollback()
        fail(f"复制中断（{type(error).__name__}：{error}），已全部撤销，未写入任何数据。")
    finally:
        session.close()
    for result in results:
        click.echo(result.line)
    if settings:
        click.echo(settings)
