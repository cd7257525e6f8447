"""同一指标 (enter once): a unit-table indicator that repeats a project's indicator is that indicator.

The 单位整体支出绩效目标表 often lists a project's own indicators again (投诉调解辅助服务 ≥19000宗
is in the unit table and in 市场监督管理事务's). They are one measure, so the unit row stores a
link to the project's row (Indicator.same_as_id) and its quarterly figures are the project row's
(kpi.results.sheet): entered once, on the project, seen the same in progress, monitoring and scoring.

The rule (issue #17):
- same 三级指标 and same 年初指标值, compared after normalising width and whitespace (NFKC, every
  space removed: "≥18000 宗" is "≥18000宗", "（" is "(");
- a unit row naming its project (budget_line_id) is matched in that project's table only; a
  unit-wide row (项目完成时间 …) in every project's table, and linked only when exactly one
  matches: the same deadline in four projects is four measures, not one;
- targets that differ are different measures (a unit total ≥5万宗 against a project's ≥2万宗):
  never linked, both rows are entered;
- the 年初 target is compared, so a later 绩效目标调整 of either row keeps the link: the figure is
  still one fact, and each row is judged against its own (adjusted) target. A link is only ever
  made here, never silently dropped; it goes when its project row is deleted (a draft table
  replaced), and the import then links the new row if it still matches.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from kpi.budget.models import BudgetLine
from kpi.indicators.models import Indicator

SAME_AS_MESSAGE = "本指标与项目「{project}」的同名指标为同一指标，请在该项目中填报"


@dataclass(frozen=True)
class Link:
    """One unit-table row and the project row it repeats, as plain values: a dry run reads them
    after its transaction is rolled back."""

    indicator_id: int
    name: str
    target_text: str
    source_id: int
    source_name: str
    source_target_text: str
    project: str

    @classmethod
    def of(cls, indicator: Indicator, source: Indicator, project: str) -> Link:
        return cls(
            indicator.id, indicator.name, indicator.target_text, source.id, source.name, source.target_text, project
        )

    @property
    def note(self) -> str:
        return f"与项目“{self.project}”的同名指标“{self.source_name}”为同一指标：季度完成值在该项目中填报一次"


def normalise(text: str | None) -> str:
    """Text compared for sameness: full-width folded to half-width (NFKC), all whitespace removed."""
    return "".join(unicodedata.normalize("NFKC", text or "").split())


def measure_key(indicator: Indicator) -> tuple[str, str]:
    """What makes two rows one measure: the 三级 name and the 年初 target, normalised."""
    return normalise(indicator.name), normalise(indicator.initial_target_text)


def match(unit_rows: list[Indicator], project_rows: list[Indicator]) -> list[tuple[Indicator, Indicator]]:
    """Pairs (unit row, project row) that are one measure, by the rule above; unlinked unit rows only."""
    by_key: dict[tuple[str, str], list[Indicator]] = {}
    for row in project_rows:
        by_key.setdefault(measure_key(row), []).append(row)
    pairs = []
    for row in unit_rows:
        if row.same_as_id is not None:
            continue
        candidates = by_key.get(measure_key(row), [])
        if row.budget_line_id is not None:
            candidates = [candidate for candidate in candidates if candidate.budget_line_id == row.budget_line_id]
        if len(candidates) == 1:
            pairs.append((row, candidates[0]))
    return pairs


def link_year(session: Session, unit_id: int, year_id: int) -> list[Link]:
    """Link every unit-table row of the unit's year that repeats a project's row; the new links.

    Existing links are kept. The caller commits (or rolls back, on a dry run)."""
    rows = list(session.exec(select(Indicator).where(Indicator.unit_id == unit_id, Indicator.year_id == year_id)))
    names = _project_names(session, unit_id, year_id)
    links = []
    unit_rows = [row for row in rows if row.scope == "unit"]
    project_rows = [row for row in rows if row.scope == "project"]
    for row, source in match(unit_rows, project_rows):
        row.same_as_id = source.id
        session.add(row)
        links.append(Link.of(row, source, names.get(source.budget_line_id, "")))
    session.flush()
    return links


def links_of_year(session: Session, unit_id: int, year_id: int) -> list[Link]:
    """Every link of the unit's year, in the unit table's order."""
    source = aliased(Indicator)
    rows = session.exec(
        select(Indicator, source)
        .join(source, Indicator.same_as_id == source.id)
        .where(Indicator.unit_id == unit_id, Indicator.year_id == year_id)
        .order_by(Indicator.display_order, Indicator.id)
    ).all()
    names = _project_names(session, unit_id, year_id)
    return [Link.of(row, origin, names.get(origin.budget_line_id, "")) for row, origin in rows]


def unlink_rows(session: Session, ids: list[int]) -> None:
    """Drop the links to rows about to be deleted (the database does too: ON DELETE SET NULL)."""
    if not ids:
        return
    # The ORM statement also clears the rows already in the session (synchronize_session).
    session.execute(sa.update(Indicator).where(Indicator.same_as_id.in_(ids)).values(same_as_id=None))


def _project_names(session: Session, unit_id: int, year_id: int) -> dict[int, str]:
    lines = session.exec(
        select(BudgetLine.id, BudgetLine.name).where(BudgetLine.unit_id == unit_id, BudgetLine.year_id == year_id)
    ).all()
    return dict(lines)
