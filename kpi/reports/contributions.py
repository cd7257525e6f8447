"""What the features lend each other's pages, without importing each other: the finance desk's
downloads, and the 待办 page's pending adjustments.

The finance bureau's 汇总表 shows every unit's progress, and its zip holds every unit's official
自评表; both are made by other features (kpi.progress, kpi.evaluation), which the finance feature
must not import (the features stay independent: pyproject.toml's import contracts). So each of
them *provides* its part here, once, when the app is set up (kpi.application), and the desk asks
for it by name: the finance feature knows what it needs, not who makes it.

Asking for a part nobody provided raises MissingContribution, in English, for the log: it is a
set-up error, never a user's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

# unit_progresses(session, fiscal_year, units, *, today=None) -> an iterator of each unit's
# UnitProgress (kpi.progress.service), or None for a unit with nothing in the year, in order,
# loading the units a batch at a time.
UNIT_PROGRESSES = "unit_progresses"
# self_evaluation_form(session, unit_id, year) -> UnitForm, or None when the unit has nothing to
# evaluate that year; ValueError when the form cannot be written (text Excel refuses).
SELF_EVALUATION_FORM = "self_evaluation_form"
# pending_adjustments(session, user) -> the 目标调整 waiting for this user (TodoItem): a unit's
# drafts and returned ones for its 填报人, those to check for its 审核人, to approve for 财政局.
PENDING_ADJUSTMENTS = "pending_adjustments"


@dataclass(frozen=True)
class TodoItem:
    """One line of the 待办 page (kpi.reminders.todo): what, whose, in what state, by when, where."""

    title: str  # "2023 年一季度填报", "2023 年目标调整（单位整体）"
    unit: str
    state: str  # 未填报, 草稿, 已退回, 待审核, 待批复 …
    link: str  # the page to act on it
    due_on: date | None = None
    overdue: bool = False
    note: str | None = None  # the reason it was returned
    action: str = "fill"  # fill, review or approve: who acts on it


@dataclass(frozen=True)
class UnitForm:
    """One unit's official form as a file: its name, its bytes, and whether it holds indicators."""

    name: str
    data: bytes
    has_indicators: bool


class MissingContribution(LookupError):
    """A part was asked for that no feature provided: the app was not set up (kpi.application)."""


_PROVIDED: dict[str, Callable] = {}


def provide(part: str, maker: Callable) -> None:
    """Let ``maker`` make ``part`` (idempotent: the same maker again changes nothing)."""
    _PROVIDED[part] = maker


def provided(part: str) -> Callable:
    try:
        return _PROVIDED[part]
    except KeyError:
        raise MissingContribution(f"no feature provides {part!r}: was the app created (kpi.application)?") from None
