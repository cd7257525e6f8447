"""Claiming a report for a write: the one place that takes its lock and moves its version.

Every write to a report (a save, a transition) starts with `lock`: the report's row is
read *as committed* and locked until the transaction ends, so two saves of one report take
turns and the second sees the first's work (docs/engineering.md §4: optimistic locking with the ORM).
`claim` then compares the version the user saw with the committed one and bumps it; the
bump is a plain UPDATE that leaves the session's objects alone, checked by its row count.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import sqlalchemy as sa
from sqlmodel import Session

from kpi.core.rows import insert_or_ignore, lock_row
from kpi.db import utcnow
from kpi.workflow.kinds import ReportKind
from kpi.workflow.states import EDITABLE_STATUSES, Conflict, Locked, locked_message

Report = TypeVar("Report")


def lock(
    session: Session, kind: ReportKind, report: Report | None, create: Callable[[], Report]
) -> tuple[Report, bool]:
    """(the report as committed, locked; whether this call created it).

    `report` is the row as the page loaded it (None if there was none); `create` builds a
    new one, identified by the kind's UNIQUE `keys`. A row someone else created meanwhile is
    found, not duplicated: two first saves of one quarter cannot both insert."""
    model, keys, created = kind.model, kind.keys, False
    if report is None:
        fresh = create()
        values = {name: value for name, value in fresh.model_dump().items() if value is not None}
        report_id = insert_or_ignore(session, model, values, list(keys))
        created = report_id is not None
        if report_id is None:  # created by someone else: find it (their insert has committed)
            report_id = session.execute(
                sa.select(model.id).where(*(getattr(model, key) == getattr(fresh, key) for key in keys))
            ).scalar_one()
    else:
        report_id = report.id
    return lock_row(session, model, report_id), created


def bump(session: Session, model, report) -> None:
    """Move the locked report's version on by one (the next save must have seen this one)."""
    bumped = session.execute(
        sa.update(model)
        .where(model.id == report.id, model.version == report.version)
        .values(version=report.version + 1, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if bumped.rowcount != 1:  # cannot happen under the lock; never go on if it does
        raise Conflict()
    session.refresh(report)


def claim(
    session: Session,
    kind: ReportKind,
    report: Report | None,
    create: Callable[[], Report],
    expected_version: int | None,
    conflict: Callable[[], Conflict] = Conflict,
    *,
    editable: bool = False,
) -> tuple[Report, bool]:
    """The locked report with its version bumped (or newly created), else `conflict()` is raised.

    `expected_version` is the version the user saw (0 for a report not yet created; None
    skips the check). With `editable`, a report that is no longer editable as committed
    raises Locked. Returns (report, created)."""
    report, created = lock(session, kind, report, create)
    if editable and report.status not in EDITABLE_STATUSES:
        raise Locked(locked_message(report.status, kind.what))
    if created:
        if expected_version not in (None, 0):
            raise conflict()
        return report, True
    if expected_version is not None and report.version != expected_version:
        raise conflict()
    bump(session, kind.model, report)
    return report, False
