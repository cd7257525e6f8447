"""Small helpers for the finance bureau's tests: wire the feature in, add units with reports."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from kpi import db
from kpi.budget import service as budget
from kpi.budget.models import BudgetLine
from kpi.evaluation.models import SelfEvaluation
from kpi.monitoring.models import MonitoringReport
from kpi.results.models import BudgetExecution, QuarterReport

YEAR = 2023
SEED_UNIT = "深圳市消费者委员会秘书处"
SEED_UNIT_ID = 2


def attach_finance(app):
    """Register the finance blueprint and `kpi export progress|consolidated` unless the app has them."""
    from kpi.finance.commands import export_consolidated_command
    from kpi.finance.routes import bp
    from kpi.monitoring.commands import export_group
    from kpi.progress.commands import export_progress_command

    if "finance" not in app.blueprints:
        app.register_blueprint(bp)
    kpi_group = app.cli.commands["kpi"]
    if "export" not in kpi_group.commands:
        kpi_group.add_command(export_group)
    for command in (export_progress_command, export_consolidated_command):
        if command.name not in export_group.commands:
            export_group.add_command(command)
    return app


def when(text: str) -> datetime:
    """A UTC timestamp, as the workflow stores them."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def gen_unit(
    app,
    name: str,
    *,
    budget_amount: str = "100",
    parent: str | None = "深圳市财政局",
    quarters: dict[int, str] | None = None,
    spent: dict[int, str] | None = None,
    monitoring: str | None = None,
    evaluation: str | None = None,
    score: str | None = None,
    grade: str | None = None,
    submitted: str = "2023-04-10T02:00:00",
) -> int:
    """A unit with one budget line in 2023 and reports in the given statuses; returns its id.

    ``spent`` books each quarter's 执行数 on the quarter's report (created as a draft if needed);
    submitted and approved reports get ``submitted`` (UTC) as their submission time."""
    with app.app_context(), db.transaction() as session:
        unit = budget.get_or_create_unit(session, name, parent)
        year = budget.get_or_create_year(session, YEAR)
        line = BudgetLine(
            unit_id=unit.id, year_id=year.id, kind="basic", name="基本支出", initial_budget=Decimal(budget_amount)
        )
        session.add(line)
        at = when(submitted)

        def stamped(status: str | None) -> dict:
            return {"status": status, "submitted_at": at if status in ("submitted", "approved", "returned") else None}

        statuses = dict(quarters or {})
        for quarter in spent or {}:
            statuses.setdefault(quarter, "draft")
        reports = {}
        for quarter, status in statuses.items():
            reports[quarter] = QuarterReport(unit_id=unit.id, year_id=year.id, quarter=quarter, **stamped(status))
            session.add(reports[quarter])
        session.flush()
        for quarter, amount in (spent or {}).items():
            session.add(BudgetExecution(report_id=reports[quarter].id, budget_line_id=line.id, spent=Decimal(amount)))
        if monitoring:
            session.add(MonitoringReport(unit_id=unit.id, year_id=year.id, **stamped(monitoring)))
        if evaluation:
            session.add(
                SelfEvaluation(
                    unit_id=unit.id,
                    year_id=year.id,
                    total_score=Decimal(score) if score else None,
                    grade=grade,
                    **stamped(evaluation),
                )
            )
        session.flush()
        return unit.id


def gen_units(app, count: int, **options) -> list[int]:
    return [gen_unit(app, f"测试单位{index:04d}", **options) for index in range(1, count + 1)]
