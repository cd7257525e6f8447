"""A report's step is announced on kpi.workflow's signal, and the reminders hear it from there."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from sqlmodel import Session, select

import kpi
from kpi import db
from kpi.budget import service as budget
from kpi.reminders.models import Notification
from kpi.reminders.notify import subscribe
from kpi.results import service as results
from kpi.results.models import QUARTER
from kpi.results.sheet import load_sheet
from kpi.workflow.signals import report_transitioned
from tests.reminders.gen import UNIT, YEAR, all_rows, user


def submit_quarter(session: Session, username: str = "szcc_staff"):
    unit, year = budget.get_unit(session, UNIT), budget.get_year(session, YEAR)
    sheet = load_sheet(session, unit, year, 1)
    return results.transition(session, sheet, "submit", user=user(session, username), expected_version=None)


def test_a_transition_sends_report_transitioned_with_the_step_and_its_session(app):
    heard = []

    def receiver(sender, **step):
        heard.append((sender, step))

    with report_transitioned.connected_to(receiver), app.app_context(), db.transaction() as session:
        report = submit_quarter(session)
        staff = user(session, "szcc_staff")

    [(sender, step)] = heard
    assert sender is QUARTER
    assert step == {"session": session, "report": report, "action": "submit", "actor": staff, "what": "2023年一季度"}


def test_the_reminders_receiver_writes_the_notification_of_a_transition(app):
    with app.app_context(), db.transaction() as session:
        submit_quarter(session)
    notes = all_rows(app, Notification, Notification.kind == "submitted")
    assert [note.title for note in notes] == ["深圳市消费者委员会秘书处 2023年一季度 已送审，请审核"]


def test_the_notification_is_rolled_back_with_a_step_that_fails_after_it(app):
    with pytest.raises(RuntimeError), app.app_context(), db.transaction() as session:
        submit_quarter(session)
        assert session.exec(select(Notification)).all(), "the receiver writes into the step's own session"
        raise RuntimeError("the request fails before its commit")
    assert all_rows(app, Notification) == []


def test_subscribing_again_connects_the_receiver_once(app):
    subscribe()
    subscribe()
    with app.app_context(), db.transaction() as session:
        submit_quarter(session)
    assert len(all_rows(app, Notification, Notification.kind == "submitted")) == 1


@pytest.mark.parametrize("feature", ["results", "monitoring", "evaluation"])
def test_a_report_feature_does_not_import_the_reminders(feature):
    # Features lean on the shared layers only; the reminders react through the signal.
    imported = set()
    for path in (Path(kpi.__file__).parent / feature).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                imported.add(node.module)
            elif isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
    assert not {name for name in imported if name == "kpi.reminders" or name.startswith("kpi.reminders.")}
