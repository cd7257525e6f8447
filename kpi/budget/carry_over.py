"""Carrying a unit's budget lines and goals into a new year (年度结转), the amounts left to fill.

A new year's budget is not known when its target tables are drafted, so the lines come over
with their names, kinds, descriptions and order, but not their money. `initial_budget` is NOT
NULL and every reader (totals, 执行率, the workbooks) takes it as a number, so it is 0, which
all of them already treat as "no budget yet" (执行率 then shows blank, as for a project an
import created); the other amounts are NULL, which the pages print as blank. So that a 0 is
never read as a real 0, the description starts with AMOUNTS_TO_FILL until the unit fills it.
"""

from __future__ import annotations

import copy
from decimal import Decimal

from sqlmodel import Session

from kpi.budget.models import BudgetLine, FiscalYear, PerformanceGoal

AMOUNTS_TO_FILL = "【预算数待填】"


def without_mark(description: str) -> str:
    """The description without the to-fill mark (a line carried twice is marked once)."""
    text = description.strip()
    return text[len(AMOUNTS_TO_FILL) :].lstrip() if text.startswith(AMOUNTS_TO_FILL) else text


def amounts_to_fill(line: BudgetLine) -> bool:
    """Whether the line's amounts were carried over empty and are still to be filled."""
    return line.description.startswith(AMOUNTS_TO_FILL)


def carry_line(session: Session, line: BudgetLine, year: FiscalYear) -> BudgetLine:
    """A copy of `line` in `year`, with its amounts to fill (the caller commits)."""
    description = without_mark(line.description)
    copy = BudgetLine(
        unit_id=line.unit_id,
        year_id=year.id,
        kind=line.kind,
        name=line.name,
        description=f"{AMOUNTS_TO_FILL}{description}",
        initial_budget=Decimal(0),
        adjusted_budget=None,
        fiscal_appropriation=None,
        other_funds=None,
        display_order=line.display_order,
    )
    session.add(copy)
    session.flush()
    return copy


def carry_goal(session: Session, goal: PerformanceGoal, year: FiscalYear, line: BudgetLine | None) -> PerformanceGoal:
    """The 年度总体目标 `goal` again in `year`, for the unit or for the carried `line`."""
    copy = PerformanceGoal(
        unit_id=goal.unit_id, year_id=year.id, budget_line_id=line.id if line else None, text=goal.text
    )
    session.add(copy)
    session.flush()
    return copy


# Per-year settings (FiscalYear.settings) a new year takes over: reminder windows are month-days
# and the scoring scheme is rules, so neither names a date of one year (docs/rules/lifecycle.md §1).
SETTING_LABELS = {"reminders": "提醒规则", "scoring": "计分方案"}


def carry_settings(source: FiscalYear, target: FiscalYear) -> list[str]:
    """Copy each of ``source``'s settings ``target`` has none of; the labels of those copied.

    A setting the new year already has is its own and is kept."""
    own = dict(target.settings or {})
    carried = [key for key in (source.settings or {}) if key not in own]
    if carried:
        target.settings = {**own, **{key: copy.deepcopy(source.settings[key]) for key in carried}}
    return [SETTING_LABELS.get(key, key) for key in carried]
