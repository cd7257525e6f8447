"""Helpers for the backup tests: a database with something in every kind of column, and a row-by-row comparison."""

from __future__ import annotations

import hashlib
import io
import json
from datetime import UTC, date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Session, select

from kpi import db
from kpi.accounts.models import LoginThrottle
from kpi.audit.service import record
from kpi.backup.service import backup_tables, dump
from kpi.budget.models import BudgetLine, FiscalYear, Unit
from kpi.core.codec import as_utc
from kpi.evaluation.models import SelfEvaluation, SelfEvaluationGoal, SelfEvaluationItem
from kpi.indicators.models import Indicator
from kpi.jobs.models import ExportJob
from kpi.monitoring.models import MonitoringBudgetItem, MonitoringItem, MonitoringReport
from tests.progress.gen import gen_quarter, update_indicator
from tests.reminders.gen import quarter_action, set_monitoring_status, set_rules, tick

KEY = b"backup-key-of-the-test-deployment"  # service-level tests; CLI tests use the app's KPI_BACKUP_KEY
AWKWARD_TEXT = '引号 " 反斜杠 \\ 换行\n制表\t表情 😀 =SUM(A1) 2023-01-01'


def attach_backup(app):
    """Attach `kpi backup`, `kpi restore` and `kpi audit` unless kpi/cli.py already does."""
    from kpi.audit.commands import audit_group
    from kpi.backup.commands import backup_command, restore_command

    kpi_group = app.cli.commands["kpi"]
    for command in (backup_command, restore_command, audit_group):
        if command.name not in kpi_group.commands:
            kpi_group.add_command(command)
    return app


def gen_busy_database(app) -> None:
    """Results, an approved and a draft quarter, reminders, notifications, e-mails, monitoring, audit events…"""
    gen_quarter(
        app,
        1,
        {
            "投诉调解辅助服务": {"value": "5000"},
            "投诉处理总成功率": {"numerator": "45", "denominator": "50"},
            "干部职工满意度": {"band": "部分达成", "assessment": AWKWARD_TEXT},
        },
        spending={"信息化类": "100.5", "基本支出": "1234.5678"},
        submit=True,
    )
    quarter_action(app, 1, "approve", "szcc_reviewer")
    gen_quarter(app, 2, {"项目完成时间": {"achieved_on": "2023-06-30"}, "投诉调解辅助服务": {"value": "4500.25"}})
    update_indicator(app, "投诉调解辅助服务", plan_q1=Decimal("4750.1234"), plan_q2=Decimal("0.0001"))
    set_rules(app, {"monitoring": {"notice": "08-01", "escalations": [3, 7]}, "备注": AWKWARD_TEXT})
    set_monitoring_status(app, "draft")
    tick(app, date(2023, 8, 1))
    with app.app_context(), db.transaction() as session:
        gen_odd_rows(session)


def gen_odd_rows(session: Session) -> None:
    """Edge cases: a parent unit with a larger id than its child, huge and tiny money, a year without settings."""
    child = Unit(name="后建上级的下属单位", created_at=datetime(2023, 3, 1, 1, 2, 3, 456789, tzinfo=UTC))
    session.add(child)
    session.flush()
    parent = Unit(name="后建的主管部门")
    session.add(parent)
    session.flush()
    child.parent_id = parent.id
    year = FiscalYear(year=2031)
    session.add_all([child, year])
    session.flush()
    session.add(
        BudgetLine(
            unit_id=child.id,
            year_id=year.id,
            kind="project",
            name=AWKWARD_TEXT,
            initial_budget=Decimal("123456789012.3456"),
            adjusted_budget=Decimal("0.0001"),
        )
    )
    record(
        session,
        actor="cli",
        entity="unit",
        entity_id=child.id,
        action="update",
        field="parent_id",
        old_value=None,
        new_value=parent.id,
        reason=AWKWARD_TEXT,
    )
    gen_report_items(session)
    gen_adjustment(session)
    # A table keyed by two text columns rather than an id.
    session.add(
        LoginThrottle(
            subject="login:szcc_staff",
            source="10.0.0.7",
            failures=3,
            last_at=datetime(2023, 8, 1, 1, 2, 3, tzinfo=UTC),
        )
    )


def gen_adjustment(session: Session) -> None:
    """An approved 绩效目标调整 of the seeded unit-wide table: its item and two indicator versions."""
    from types import SimpleNamespace

    from kpi.adjustments import service as adjustments
    from kpi.adjustments.schemas import Proposal
    from kpi.indicators.tables import find_table

    indicator = session.exec(
        select(Indicator).where(Indicator.name == "投诉调解辅助服务", Indicator.scope == "unit")
    ).one()
    table = find_table(session, indicator.unit_id, indicator.year_id, None)
    user = SimpleNamespace(id=1, username="cli")
    proposal = Proposal(
        reason=AWKWARD_TEXT, basis="深财预〔2023〕88号", changes={indicator.id: ("≥1.7万宗", Decimal("12.25"))}
    )
    adjustment = adjustments.propose(session, table, proposal, user=user)
    for step in (adjustments.submit, adjustments.check, adjustments.approve):
        step(session, adjustment, user=user, expected_version=adjustment.version)


def gen_report_items(session: Session) -> None:
    """Rows for the report tables no generator fills yet: monitoring items and a self-evaluation."""
    report = session.exec(select(MonitoringReport)).first()
    indicator = session.exec(select(Indicator).order_by(Indicator.id)).first()
    line = session.exec(select(BudgetLine).order_by(BudgetLine.id)).first()
    session.add(
        MonitoringItem(
            report_id=report.id,
            indicator_id=indicator.id,
            july_value=Decimal("1603.5"),
            july_achieved_on=date(2023, 7, 31),
            forecast=Decimal("19000.0001"),
            deviation=True,
            cause=AWKWARD_TEXT,
            likelihood="有可能",
        )
    )
    session.add(MonitoringBudgetItem(report_id=report.id, budget_line_id=line.id, spent_july=Decimal("12.3456")))
    evaluation = SelfEvaluation(
        unit_id=report.unit_id, year_id=report.year_id, total_score=Decimal("92.50"), grade="优"
    )
    session.add(evaluation)
    session.flush()
    session.add(SelfEvaluationGoal(evaluation_id=evaluation.id, budget_line_id=None, actual_text=AWKWARD_TEXT))
    session.add(
        SelfEvaluationItem(evaluation_id=evaluation.id, indicator_id=indicator.id, chosen_ratio=Decimal("0.8333"))
    )
    session.add(
        ExportJob(
            year_id=report.year_id,
            requested_by_id=1,
            status="failed",
            progress_done=1,
            progress_total=3,
            error=AWKWARD_TEXT,
            finished_at=datetime(2023, 8, 1, 1, 2, 3, tzinfo=UTC),
        )
    )


def dump_text(engine, key: bytes = KEY) -> str:
    out = io.StringIO()
    dump(engine, out, key)
    return out.getvalue()


def dump_lines(text: str) -> list[str]:
    # Not splitlines(): that also splits on U+2028 and friends, which JSON leaves unescaped.
    return [line + "\n" for line in text.split("\n")[:-1]]


def reseal(lines: list[str]) -> str:
    """The forger's last step: recompute the SHA-256 trailer over edited lines (the HMAC needs the key)."""
    body, trailer = "".join(lines[:-1]), json.loads(lines[-1])
    trailer["sha256"] = hashlib.sha256(body.encode("utf-8")).hexdigest()
    return body + json.dumps(trailer, separators=(",", ":")) + "\n"


def promote_to_admin(text: str, username: str = "szcc_staff") -> str:
    """The attack of issue #13: edit a dump so that `username` is an admin, and reseal it."""
    lines = dump_lines(text)
    for index, line in enumerate(lines[1:-1], start=1):
        record = json.loads(line)
        if record["table"] == "user" and record["row"]["username"] == username:
            assert record["row"]["role"] != "admin"
            record["row"]["role"] = "admin"
            lines[index] = json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"
            return reseal(lines)
    raise AssertionError(f"no user {username} in the dump")


def as_version_1(text: str) -> str:
    """The same dump as an older program wrote it: format version 1, no key_id, no HMAC."""
    lines = dump_lines(text)
    header, trailer = json.loads(lines[0]), json.loads(lines[-1])
    header["format_version"] = 1
    del header["key_id"], trailer["hmac"]
    lines[0] = json.dumps(header, ensure_ascii=False, separators=(",", ":")) + "\n"
    lines[-1] = json.dumps(trailer, separators=(",", ":")) + "\n"
    return reseal(lines)


def all_rows(engine) -> dict[str, list[tuple]]:
    """Every table's rows in id order, datetimes in UTC (SQLite hands back naive UTC)."""
    with engine.connect() as conn:
        return {
            table.name: [
                tuple(_normal(value) for value in row)
                for row in conn.execute(sa.select(table).order_by(*table.primary_key.columns))
            ]
            for table in backup_tables()
        }


def _normal(value):
    return as_utc(value) if isinstance(value, datetime) else value


def assert_same_rows(source_engine, target_engine) -> None:
    source, target = all_rows(source_engine), all_rows(target_engine)
    assert list(source) == list(target)
    for name in source:
        assert len(source[name]) == len(target[name]), name
        for before, after in zip(source[name], target[name]):
            assert before == after, f"{name}: {before} != {after}"
            # Equal is not enough for money: the type and every digit must survive.
            assert [type(v) for v in before] == [type(v) for v in after], name
            assert [str(v) for v in before if isinstance(v, Decimal)] == [
                str(v) for v in after if isinstance(v, Decimal)
            ]
