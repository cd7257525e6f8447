"""Small helpers that put quarterly results into the seeded database through results.service."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Session, select

from kpi import db
from kpi.accounts.models import User
from kpi.budget import service as budget
from kpi.budget.models import BudgetLine
from kpi.indicators.models import Indicator
from kpi.progress.service import UnitProgress, unit_progress
from kpi.results import service as results
from kpi.results.sheet import load_sheet

UNIT = "深圳市消费者委员会秘书处"
YEAR = 2023
PAST = date(2030, 1, 1)  # "today" for tests on the (past) 2023 budget year


def attach_progress(app):
    """Register the blueprint and `kpi progress` unless kpi/__init__.py and kpi/cli.py already do."""
    from kpi.progress.commands import progress_command
    from kpi.progress.routes import bp

    if "progress" not in app.blueprints:
        app.register_blueprint(bp)
    kpi_group = app.cli.commands["kpi"]
    if "progress" not in kpi_group.commands:
        kpi_group.add_command(progress_command)
    return app


def indicator_id(session: Session, name: str, scope: str = "unit") -> int:
    """The row a figure for ``name`` is entered on: a unit-table row that is a project's indicator
    (同一指标, kpi/indicators/links.py) is entered on that project's row, and shows it."""
    row_id, same_as = session.exec(
        select(Indicator.id, Indicator.same_as_id).where(Indicator.name == name, Indicator.scope == scope)
    ).one()
    return same_as or row_id


def line_id(session: Session, name: str) -> int:
    return session.exec(select(BudgetLine.id).where(BudgetLine.name == name)).one()


def gen_quarter(
    app,
    quarter: int,
    entries: dict[str, dict[str, str]] | None = None,
    spending: dict[str, str] | None = None,
    *,
    submit: bool = False,
) -> None:
    """Save one quarter's figures, by indicator name (unit table) and budget line name."""
    with app.app_context(), db.transaction() as session:
        unit, year = budget.get_unit(session, UNIT), budget.get_year(session, YEAR)
        user = session.exec(select(User).where(User.username == "szcc_staff")).one()
        sheet = load_sheet(session, unit, year, quarter)
        raw = {indicator_id(session, name): fields for name, fields in (entries or {}).items()}
        money = {line_id(session, name): amount for name, amount in (spending or {}).items()}
        results.save(session, sheet, results.validate_input(sheet, raw, money), user=user, expected_version=None)
        if submit:
            results.transition(
                session, load_sheet(session, unit, year, quarter), "submit", user=user, expected_version=None
            )


def update_indicator(app, name: str, scope: str = "unit", **values) -> None:
    with app.app_context(), db.transaction() as session:
        indicator = session.get(Indicator, indicator_id(session, name, scope))
        for key, value in values.items():
            setattr(indicator, key, value)
        session.add(indicator)


def gen_progress(app, *, as_of_quarter: int | None = None, today: date = PAST) -> UnitProgress:
    with app.app_context(), Session(db.engine(), expire_on_commit=False) as session:
        unit, year = budget.get_unit(session, UNIT), budget.get_year(session, YEAR)
        return unit_progress(session, unit, year, as_of_quarter=as_of_quarter, today=today)


def row(progress: UnitProgress, name: str, scope: str = "unit"):
    return next(r for r in progress.rows if r.indicator.name == name and r.indicator.scope == scope)


def dec(text: str) -> Decimal:
    return Decimal(text)


@contextmanager
def counting(engine):
    """Collect the SQL statements the engine runs inside the block."""
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
