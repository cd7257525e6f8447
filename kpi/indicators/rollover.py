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

import sqlalchemy as sa
from pydantic import ValidationError
from sqlmodel import Session, SQLModel, select

from kpi.audit.service import record
from kpi.budget import carry_over
from kpi.budget import service as budget
from kpi.budget.models import BudgetLine, FiscalYear, PerformanceGoal, Unit
from kpi.indicators.models import TABLE_STATUS_LABELS, Indicator
from kpi.indicators.schemas import IndicatorSpec, describe_validation_error
from kpi.indicators.service import build_indicator
from kpi.indicators.tables import mark_year, tables_of_year
from kpi.indicators.views import DIRECTION_LABELS

MIN_YEAR, MAX_YEAR = 2000, 2100
# What a person may have set on the indicator settings page beyond the target text: kept as set.
KEPT_SETTINGS = ("aggregation", "plan_q1", "plan_q2", "plan_q3", "plan_q4")
# The rows a run writes (and --replace removes); a row of any other table that points at one
# of them (entered figures, a monitoring or self-evaluation item, an adjustment) blocks --replace.
OWN_TABLES = frozenset({"indicator", "target_table", "budget_line", "performance_goal"})
AUDIT_FIELD = "年度结转"
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
    problems = [problem for unit in units for problem in _blockers(session, unit, target, replace, replace_hint)]
    if problems:
        raise RolloverRejected(problems)

    reason = f"年度结转：由 {source_year} 年复制为 {target_year} 年草稿"
    if target is None:
        target = budget.get_or_create_year(session, target_year)
        _audit(session, actor, None, "fiscal_year", target.id, "create", f"{target_year} 年度", reason)
    return [_copy_unit(session, unit, source, target, actor=actor, reason=reason) for unit in units]


def _units_to_copy(session: Session, source: FiscalYear | None, source_year: int, unit_name: str | None) -> list[Unit]:
    if unit_name is not None:
        if not unit_name.strip():
            raise RolloverRejected(["单位名称不能为空"])
        unit = budget.find_unit(session, unit_name)
        if unit is None:
            raise RolloverRejected([f"单位不存在：{unit_name.strip()}"])
        if source is None or not _indicators(session, unit.id, source.id):
            raise RolloverRejected([f"{unit.name} {source_year} 年没有指标表，没有可复制的内容"])
        return [unit]
    if source is None:
        raise RolloverRejected([f"{source_year} 年度不存在，没有可复制的指标表"])
    with_tables = select(Indicator.unit_id).where(Indicator.year_id == source.id)
    units = list(session.exec(select(Unit).where(Unit.id.in_(with_tables)).order_by(Unit.name)))
    if not units:
        raise RolloverRejected([f"{source_year} 年没有任何单位的指标表，没有可复制的内容"])
    return units


def _indicators(session: Session, unit_id: int, year_id: int) -> list[Indicator]:
    query = select(Indicator).where(Indicator.unit_id == unit_id, Indicator.year_id == year_id)
    return list(session.exec(query.order_by(Indicator.scope.desc(), Indicator.display_order, Indicator.id)))


def _goals(session: Session, unit_id: int, year_id: int) -> list[PerformanceGoal]:
    query = select(PerformanceGoal).where(PerformanceGoal.unit_id == unit_id, PerformanceGoal.year_id == year_id)
    return list(session.exec(query.order_by(PerformanceGoal.id)))


def _blockers(session: Session, unit: Unit, year: FiscalYear | None, replace: bool, hint: str) -> list[str]:
    """Why the unit's `year` cannot take the copy: it has tables (without replace), or tables that
    replace may not remove. Empty when the year is free."""
    if year is None:
        return []
    tables = list(tables_of_year(session, unit.id, year.id).values())
    indicators = _indicators(session, unit.id, year.id)
    lines = budget.budget_lines(session, unit, year)
    if not (tables or indicators or lines or _goals(session, unit.id, year.id)):
        return []
    where = f"{unit.name} {year.year} 年"
    if not replace:
        return [
            f"{where}已有 {len(tables)} 张指标表（{len(indicators)} 个指标）、{len(lines)} 条预算，未复制；{hint}"
            "（覆盖将删除该年度的草稿指标表和预算）"
        ]
    problems = []
    fixed = [table for table in tables if table.status != "draft"]
    if fixed:
        states = "、".join(sorted({TABLE_STATUS_LABELS[table.status] for table in fixed}))
        problems.append(
            f"{where}有 {len(fixed)} 张指标表{states}，不能覆盖；如需修改指标值或分值，请提交绩效目标调整申请"
        )
    used = _references(
        session,
        {
            "indicator": [row.id for row in indicators],
            "budget_line": [line.id for line in lines],
            "target_table": [table.id for table in tables],
        },
    )
    if used:
        problems.append(f"{where}已有 {used} 条填报、监控、自评或调整记录引用这些指标或预算，不能覆盖")
    return problems


def _references(session: Session, ids: dict[str, list[int]]) -> int:
    """How many rows of other tables point at these rows. Found from the loaded models' foreign
    keys, so that this feature needs to know no other feature (the app loads every model)."""
    count = 0
    for table in SQLModel.metadata.sorted_tables:
        if table.name in OWN_TABLES:
            continue
        for key in table.foreign_keys:
            wanted = ids.get(key.column.table.name)
            if wanted and key.column.name == "id":
                query = sa.select(sa.func.count()).select_from(table).where(key.parent.in_(wanted))
                count += session.execute(query).scalar_one()
    return count


def _copy_unit(
    session: Session, unit: Unit, source: FiscalYear, year: FiscalYear, *, actor, reason: str
) -> UnitRollover:
    result = UnitRollover(unit=unit.name, source_year=source.year, year=year.year)
    result.replaced = _clear(session, unit, year, actor=actor, reason=reason)

    lines: dict[int, BudgetLine] = {}
    for line in budget.budget_lines(session, unit, source):
        lines[line.id] = copy = carry_over.carry_line(session, line, year)
        kind = "基本支出" if copy.kind == "basic" else "项目"
        _audit(session, actor, unit.id, "budget_line", copy.id, "create", f"{kind}“{copy.name}”（预算数待填）", reason)
    result.budget_lines = len(lines)
    for goal in _goals(session, unit.id, source.id):
        copy = carry_over.carry_goal(session, goal, year, lines.get(goal.budget_line_id))
        _audit(session, actor, unit.id, "performance_goal", copy.id, "create", copy.text, reason)

    copies = [
        copy_indicator(row, unit=unit, year=year, line=lines.get(row.budget_line_id))
        for row in _indicators(session, unit.id, source.id)
    ]
    session.add_all(copies)
    session.flush()
    for copy in copies:
        summary = f"{copy.level1} / {copy.level2} / {copy.name}：{copy.target_text}"
        _audit(session, actor, unit.id, "indicator", copy.id, "create", summary, reason)
    mark_year(session, unit.id, year.id, "draft")
    names = {line.id: line.name for line in lines.values()}
    for table in tables_of_year(session, unit.id, year.id).values():
        what = "单位整体指标表" if table.scope == "unit" else f"项目“{names.get(table.budget_line_id)}”指标表"
        _audit(session, actor, unit.id, "target_table", table.id, "create", f"{what}（草稿）", reason)

    unit_rows = [copy for copy in copies if copy.scope == "unit"]
    project_rows = [copy for copy in copies if copy.scope == "project"]
    result.unit_indicators, result.project_indicators = len(unit_rows), len(project_rows)
    result.projects = len({copy.budget_line_id for copy in project_rows})
    past = [_past_years(copy, year.year) for copy in copies]
    result.dated = sum(1 for found in past if found)
    result.dated_years = sorted(set().union(*past))
    return result


def copy_indicator(row: Indicator, *, unit: Unit, year: FiscalYear, line: BudgetLine | None) -> Indicator:
    """`row` again in `year`, built as an import of the new year's table would build it.

    Its target is read again in the new year (a "9月前" deadline falls in the new year), with
    the direction the source row had (a 正向/反向 column its text no longer shows); the
    aggregation rule and quarterly plan are kept as a person may have set them.
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


def _clear(session: Session, unit: Unit, year: FiscalYear, *, actor, reason: str) -> int:
    """Remove the unit's draft tables and budget of `year` (checked by _blockers); audited row by row."""
    indicators = _indicators(session, unit.id, year.id)
    groups: list[tuple[str, list[tuple[object, str]]]] = [
        ("indicator", [(row, f"{row.level1} / {row.level2} / {row.name}：{row.target_text}") for row in indicators]),
        ("performance_goal", [(goal, goal.text) for goal in _goals(session, unit.id, year.id)]),
        (
            "target_table",
            [
                (table, TABLE_STATUS_LABELS[table.status])
                for table in tables_of_year(session, unit.id, year.id).values()
            ],
        ),
        ("budget_line", [(line, line.name) for line in budget.budget_lines(session, unit, year)]),
    ]
    for entity, rows in groups:  # in this order: rows go before the budget lines they point at
        for row, summary in rows:
            _audit(session, actor, unit.id, entity, row.id, "delete", None, reason, old_value=summary)
            session.delete(row)
        session.flush()
    return len(indicators)


def _audit(session, actor, unit_id, entity, entity_id, action, new_value, reason, *, old_value=None) -> None:
    record(
        session,
        actor=actor.username,
        user_id=actor.id,
        unit_id=unit_id,
        entity=entity,
        entity_id=entity_id,
        action=action,
        field=AUDIT_FIELD,
        old_value=old_value,
        new_value=new_value,
        reason=reason,
    )
