"""年度结转: a unit's target tables of one year copied into a later year as drafts to review.

Everything that defines a table comes over: the unit's 单位整体 table and every project's own
table, with their indicators' levels, 年度指标值, 分值, aggregation rules and quarterly plans,
the 年度总体目标, and the budget lines with their amounts to fill (kpi.budget.carry_over).
The copies are drafts (docs/rules/lifecycle.md §1): the unit reviews them and finance
approves them with the new budget. A year that already has tables is refused unless it is
replaced, and a refusal changes nothing: every check runs before the first write, and the
caller commits the whole run, or rolls it all back on any error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pydantic import ValidationError
from sqlmodel import Session, select

from kpi.budget import carry_over
from kpi.budget import service as budget
from kpi.budget.models import BudgetLine, FiscalYear, Unit
from kpi.indicators import year_tables
from kpi.indicators.links import link_year
from kpi.indicators.models import Indicator
from kpi.indicators.schemas import IndicatorSpec, describe_validation_error
from kpi.indicators.service import build_indicator
from kpi.indicators.tables import mark_year, tables_of_year
from kpi.indicators.views import DIRECTION_LABELS

MIN_YEAR, MAX_YEAR = 2000, 2100
# What a person may have set on the indicator settings page beyond the target text: kept as set.
KEPT_SETTINGS = ("aggregation", "plan_q1", "plan_q2", "plan_q3", "plan_q4")
YEAR_IN_TEXT = re.compile(r"((?:19|20)\d{2})\s*年")


class RolloverRejected(ValueError):
    """Nothing was copied; `problems` say why, in Chinese."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class UnitRollover:
    """What one unit's run copied: the line the command and the admin page print."""

    unit: str
    source_year: int
    year: int
    unit_indicators: int = 0
    projects: int = 0  # project tables (projects with indicators of their own)
    project_indicators: int = 0
    budget_lines: int = 0
    replaced: int = 0  # indicators the run removed from the year first (replace)
    dated: int = 0  # copied targets that still name an earlier year, e.g. "2023年12月31日前"
    dated_years: list[int] = field(default_factory=list)

    @property
    def line(self) -> str:
        text = (
            f"{self.unit}：已复制 {self.unit_indicators} 个单位整体指标、{self.projects} 个项目"
            f"（{self.project_indicators} 个指标）为 {self.year} 年草稿，{self.budget_lines} 条预算的金额待填"
        )
        if self.replaced:
            text += f"（已替换原有 {self.replaced} 个指标）"
        if self.dated:
            named = "、".join(str(year) for year in self.dated_years)
            text += f"；其中 {self.dated} 个指标值写有往年（{named} 年）的日期，请审核时修改"
        return text + "。"


def parse_year(text: object, label: str) -> int:
    """A year typed on the command line or in the form; RolloverRejected if it is not one."""
    value = str(text if text is not None else "").strip()
    if not (value.isascii() and value.isdigit() and MIN_YEAR <= int(value) <= MAX_YEAR):
        raise RolloverRejected([f"{label}必须是 {MIN_YEAR}–{MAX_YEAR} 之间的年份：{value or '（空）'}"])
    return int(value)


def roll_year(
    session: Session,
    *,
    source_year: int,
    target_year: int,
    unit_name: str | None = None,
    replace: bool = False,
    actor,
    replace_hint: str = "如需覆盖请使用 --replace",
) -> list[UnitRollover]:
    """Copy every unit's tables (or `unit_name`'s) from `source_year` into `target_year` as drafts.

    Raises RolloverRejected, having written nothing, on bad input or a year that already has
    tables (unless `replace`: then its draft tables and budget lines are removed first; an
    approved or submitted table, or one with entered figures, is never removed). The caller
    commits, or rolls back on any exception.
    """
    if target_year <= source_year:
        raise RolloverRejected([f"目标年度（{target_year}）必须晚于来源年度（{source_year}）"])
    source = budget.find_year(session, source_year)
    units = _units_to_copy(session, source, source_year, unit_name)
    target = budget.find_year(session, target_year)
    problems = [
        problem for unit in units for problem in year_tables.blockers(session, unit, target, replace, replace_hint)
    ]
    if problems:
        raise RolloverRejected(problems)

    reason = f"年度结转：由 {source_year} 年复制为 {target_year} 年草稿"
    if target is None:
        target = budget.get_or_create_year(session, target_year)
        year_tables.audit(session, actor, None, "fiscal_year", target.id, "create", f"{target_year} 年度", reason)
    return [_copy_unit(session, unit, source, target, actor=actor, reason=reason) for unit in units]


def carry_year_settings(session: Session, *, source_year: int, target_year: int, actor) -> str | None:
    """After ``roll_year``, in its transaction: the source year's reminder rules and scoring
    scheme for a target year that has none of its own; the line to print, or None."""
    source, target = budget.find_year(session, source_year), budget.find_year(session, target_year)
    if source is None or target is None:
        return None
    carried = carry_over.carry_settings(source, target)
    if not carried:
        return None
    session.add(target)
    named = "、".join(carried)
    reason = f"年度结转：沿用 {source_year} 年的设置"
    year_tables.audit(
        session, actor, None, "fiscal_year", target.id, "update", f"{named}：沿用 {source_year} 年", reason
    )
    return f"{target_year} 年沿用 {source_year} 年的{named}，可在管理页面修改。"


def _units_to_copy(session: Session, source: FiscalYear | None, source_year: int, unit_name: str | None) -> list[Unit]:
    if unit_name is not None:
        if not unit_name.strip():
            raise RolloverRejected(["单位名称不能为空"])
        unit = budget.find_unit(session, unit_name)
        if unit is None:
            raise RolloverRejected([f"单位不存在：{unit_name.strip()}"])
        if source is None or not year_tables.indicators_of(session, unit.id, source.id):
            raise RolloverRejected([f"{unit.name} {source_year} 年没有指标表，没有可复制的内容"])
        return [unit]
    if source is None:
        raise RolloverRejected([f"{source_year} 年度不存在，没有可复制的指标表"])
    with_tables = select(Indicator.unit_id).where(Indicator.year_id == source.id)
    units = list(session.exec(select(Unit).where(Unit.id.in_(with_tables)).order_by(Unit.name)))
    if not units:
        raise RolloverRejected([f"{source_year} 年没有任何单位的指标表，没有可复制的内容"])
    return units


def _copy_unit(
    session: Session, unit: Unit, source: FiscalYear, year: FiscalYear, *, actor, reason: str
) -> UnitRollover:
    result = UnitRollover(unit=unit.name, source_year=source.year, year=year.year)
    result.replaced = year_tables.clear(session, unit, year, actor=actor, reason=reason)

    lines: dict[int, BudgetLine] = {}
    for line in budget.budget_lines(session, unit, source):
        lines[line.id] = copy = carry_over.carry_line(session, line, year)
        kind = "基本支出" if copy.kind == "basic" else "项目"
        year_tables.audit(
            session, actor, unit.id, "budget_line", copy.id, "create", f"{kind}“{copy.name}”（预算数待填）", reason
        )
    result.budget_lines = len(lines)
    for goal in year_tables.goals_of(session, unit.id, source.id):
        copy = carry_over.carry_goal(session, goal, year, lines.get(goal.budget_line_id))
        year_tables.audit(session, actor, unit.id, "performance_goal", copy.id, "create", copy.text, reason)

    rows = year_tables.indicators_of(session, unit.id, source.id)
    copies = [copy_indicator(row, unit=unit, year=year, line=lines.get(row.budget_line_id)) for row in rows]
    session.add_all(copies)
    session.flush()
    _carry_links(session, rows, copies, unit, year)
    for copy in copies:
        summary = f"{copy.level1} / {copy.level2} / {copy.name}：{copy.target_text}"
        year_tables.audit(session, actor, unit.id, "indicator", copy.id, "create", summary, reason)
    mark_year(session, unit.id, year.id, "draft")
    names = {line.id: line.name for line in lines.values()}
    for table in tables_of_year(session, unit.id, year.id).values():
        what = "单位整体指标表" if table.scope == "unit" else f"项目“{names.get(table.budget_line_id)}”指标表"
        year_tables.audit(session, actor, unit.id, "target_table", table.id, "create", f"{what}（草稿）", reason)

    unit_rows = [copy for copy in copies if copy.scope == "unit"]
    project_rows = [copy for copy in copies if copy.scope == "project"]
    result.unit_indicators, result.project_indicators = len(unit_rows), len(project_rows)
    result.projects = len({copy.budget_line_id for copy in project_rows})
    past = [_past_years(copy, year.year) for copy in copies]
    result.dated = sum(1 for found in past if found)
    result.dated_years = sorted(set().union(*past))
    return result


def _carry_links(session: Session, rows: list[Indicator], copies: list[Indicator], unit: Unit, year: FiscalYear):
    """同一指标 (kpi.indicators.links): a unit row that was a project's indicator is the copied
    project row's, entered once again; then the year is matched as an import matches it."""
    copy_of = {row.id: copy for row, copy in zip(rows, copies)}
    for row, copy in zip(rows, copies):
        if row.same_as_id in copy_of:
            copy.same_as_id = copy_of[row.same_as_id].id
            session.add(copy)
    session.flush()
    link_year(session, unit.id, year.id)


def copy_indicator(row: Indicator, *, unit: Unit, year: FiscalYear, line: BudgetLine | None) -> Indicator:
    """`row` again in `year`, built as an import of the new year's table would build it.

    Its target is read again in the new year (a "9月前" deadline falls in the new year), with
    the direction the source row had (a 正向/反向 column its text no longer shows); the
    aggregation rule and quarterly plan are kept as a person may have set them; its link to a
    project's row (同一指标) is carried by _carry_links once the copies have ids.
    """
    values = {
        "level1": row.level1,
        "level2": row.level2,
        "name": row.name,
        "target_text": row.target_text,
        "points": row.points,
        "level1_points": row.level1_points,
    }
    try:
        spec = IndicatorSpec.model_validate(values)
        copy = _build(spec, row, unit, year, line)
        if copy.direction != row.direction:
            spec = IndicatorSpec.model_validate({**values, "direction_text": DIRECTION_LABELS[row.direction]})
            copy = _build(spec, row, unit, year, line)
    except ValidationError as error:
        reasons = "；".join(f"{label}：{reason}" for label, reason in describe_validation_error(error))
        raise RolloverRejected([f"{unit.name} 的指标“{row.name}”无法复制（{reasons}），未写入任何数据"]) from error
    for name in KEPT_SETTINGS:
        setattr(copy, name, getattr(row, name))
    return copy


def _build(spec: IndicatorSpec, row: Indicator, unit: Unit, year: FiscalYear, line: BudgetLine | None) -> Indicator:
    return build_indicator(
        spec, unit=unit, year=year, scope=row.scope, budget_line=line, display_order=row.display_order
    )


def _past_years(row: Indicator, year: int) -> set[int]:
    """The years before `year` that the row's target names ("2023年12月31日前") or falls in."""
    named = {int(found) for found in YEAR_IN_TEXT.findall(row.target_text)}
    named |= {day.year for day in (row.target_date_from, row.target_date_to) if day is not None}
    return {found for found in named if found < year}
