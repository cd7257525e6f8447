"""Test data for the self-evaluation: a whole year of results for the seed unit, imported through `kpi import-results`.

The year is varied on purpose, so that every rule of docs/rules/scoring.md is exercised: targets met,
missed and over-completed (≥ 130%), qualitative bands 达成 and 部分达成, a deadline met and one
missed, a reverse indicator past its limit, and a project spending over its budget.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from openpyxl import Workbook
from sqlmodel import Session, select

from kpi import db
from kpi.budget import service as budget
from kpi.budget.models import BudgetLine
from kpi.db import make_engine
from kpi.evaluation.result import EvaluationResult
from kpi.evaluation.sheet import evaluate
from kpi.indicators.models import Indicator

UNIT = "深圳市消费者委员会秘书处"
UNIT_ID, YEAR = 2, 2023
REPORT_URL = f"/units/{UNIT_ID}/{YEAR}/self-evaluation"
PERIODS = {1: "Q1", 2: "Q2", 3: "Q3", 4: "Q4"}
# Completion of each numeric indicator, in turn: on target, short, over-completed, far short, a little over.
FACTORS = (Decimal("1"), Decimal("0.9"), Decimal("1.4"), Decimal("0.5"), Decimal("1.1"))
# 全年执行数 by line: 基本支出 short, 修缮维护类 over its budget (项目支出金额 ≤预算金额 then loses points).
SPENDING = {
    "基本支出": Decimal("1200"),
    "市场监督管理事务": Decimal("1371"),
    "信息化类": Decimal("250"),
    "综合管理类": Decimal("17"),
    "修缮维护类": Decimal("2.2"),
}
LATE = "项目完成时间"  # the unit-wide deadline, reported late on purpose
ONE_SHORT = "投诉调解辅助服务"  # the one target missed in a year that is not varied


def attach_evaluation(app):
    """Register the blueprint and `kpi export self-evaluation` unless the app already has them."""
    from kpi.evaluation.commands import self_evaluation_export
    from kpi.evaluation.routes import bp
    from kpi.monitoring.commands import export_group

    if "evaluation" not in app.blueprints:
        app.register_blueprint(bp)
    kpi_group = app.cli.commands["kpi"]
    if "export" not in kpi_group.commands:
        kpi_group.add_command(export_group)
    if "self-evaluation" not in kpi_group.commands["export"].commands:
        kpi_group.commands["export"].add_command(self_evaluation_export)
    return app


def ids_of(sqlite_url: str) -> dict:
    """Indicator ids by name (unit table; "项目:名称" for a project's own) and budget line ids by name."""
    engine = make_engine(sqlite_url)
    with Session(engine) as session:
        lines = {row.id: row.name for row in session.exec(select(BudgetLine))}
        indicators = {}
        for row in session.exec(select(Indicator)):
            key = row.name if row.scope == "unit" else f"{lines[row.budget_line_id]}:{row.name}"
            indicators[key] = row.same_as_id or row.id  # 同一指标: entered on its project's row
    engine.dispose()
    return {"indicator": indicators, "line": {name: line_id for line_id, name in lines.items()}}


def _quarters(total: Decimal) -> list[Decimal]:
    """A cumulative total in four whole (or 2-decimal) quarterly amounts."""
    share = (total / 4).quantize(Decimal("0.01"), ROUND_HALF_UP)
    return [share, share, share, total - 3 * share]


def year_of_results(session: Session, *, varied: bool = True) -> tuple[list[list], list[list]]:
    """(result rows, spending rows) for the import file: every indicator, every quarter.

    Not ``varied``: every target met, on time and within its limits, except ONE_SHORT."""
    unit, year = budget.get_unit(session, UNIT), budget.get_year(session, YEAR)
    lines = {line.id: line.name for line in budget.budget_lines(session, unit, year)}
    indicators = session.exec(
        select(Indicator).where(Indicator.unit_id == unit.id, Indicator.year_id == year.id).order_by(Indicator.id)
    ).all()
    rows = []
    for position, indicator in enumerate(indicators):
        if indicator.same_as_id is not None:
            continue  # 同一指标: the unit row shows its project row's figures (kpi/indicators/links.py)
        project = lines[indicator.budget_line_id] if indicator.scope == "project" else None
        factor = FACTORS[position % len(FACTORS)] if varied else Decimal("1")
        if not varied and indicator.name == ONE_SHORT:  # its project's row, and so the unit table's
            factor = Decimal("0.9")
        for quarter, value in _values(indicator, factor, position if varied else 0, late=varied):
            rows.append([UNIT, YEAR, PERIODS[quarter], indicator.name, value, project])
    spending = [
        [UNIT, YEAR, PERIODS[q], name, amount]
        for name, total in SPENDING.items()
        for q, amount in enumerate(_quarters(total), start=1)
    ]
    return rows, spending


def _values(indicator: Indicator, factor: Decimal, position: int, *, late: bool):
    aggregation, target = indicator.aggregation, indicator.target_value
    if aggregation == "budget":
        return []
    if aggregation == "qualitative":
        return [(q, "达成" if position % 2 == 0 else "部分达成") for q in (2, 4)]
    if aggregation == "deadline":
        late = late and indicator.scope == "unit" and indicator.name == LATE
        return [(4, dt.datetime(2024, 1, 15) if late else dt.datetime(2023, 12, 20))]
    if indicator.direction == "reverse":  # a limit: past it by half, or well within it
        return list(enumerate(_quarters(target * (Decimal("1.5") if late else Decimal("0.5"))), start=1))
    if aggregation == "rate":
        return [(q, f"{min(target * factor, Decimal(100)).quantize(Decimal('0.01'))}%") for q in (2, 4)]
    if aggregation == "level":
        return [(q, (target * factor).quantize(Decimal("1"))) for q in (2, 4)]
    return list(enumerate(_quarters((target * factor).quantize(Decimal("1"))), start=1))


def write_results_xlsx(path, rows, spending):
    wb = Workbook()
    ws = wb.active
    ws.title = "指标完成情况"
    ws.append(["单位", "年度", "期间", "三级指标", "完成值", "项目"])
    for row in rows:
        ws.append([float(v) if isinstance(v, Decimal) else v for v in row])
    lines = wb.create_sheet("预算执行情况")
    lines.append(["单位", "年度", "期间", "项目", "执行数（万元）"])
    for row in spending:
        lines.append([float(v) if isinstance(v, Decimal) else v for v in row])
    wb.save(path)
    return path


def import_a_year(app, tmp_path, *, varied: bool = True):
    """Import the whole year through `flask kpi import-results`, as a unit would."""
    with app.app_context(), Session(db.engine()) as session:
        rows, spending = year_of_results(session, varied=varied)
    path = write_results_xlsx(tmp_path / "results-2023.xlsx", rows, spending)
    outcome = app.test_cli_runner().invoke(args=["kpi", "import-results", str(path)])
    assert outcome.exit_code == 0, outcome.output
    return path


def scored(app) -> EvaluationResult:
    """The self-evaluation as the service scores it now."""
    with app.app_context(), Session(db.engine(), expire_on_commit=False) as session:
        return evaluate(session, budget.get_unit(session, UNIT), budget.get_year(session, YEAR))


def completed_form(result: EvaluationResult, text: str = "已按要求说明。") -> dict[str, str]:
    """Form fields that write every 实际完成情况 and every explanation still missing."""
    from kpi.evaluation.validation import goal_field, incomplete

    form = {}
    for kind, key, _name in incomplete(result):
        form[goal_field(key) if kind == "goal" else f"i{key}-explanation"] = text
    return form
