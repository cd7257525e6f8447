"""Import a published target table (.xlsx) for a unit and year: all or nothing.

The reader turns the workbook into plain rows; this module validates every row,
then writes the whole table in the caller's transaction, or writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import ValidationError
from sqlmodel import Session

from kpi.budget import service as budget
from kpi.indicators.links import Link, link_year
from kpi.indicators.schemas import IndicatorSpec, describe_validation_error
from kpi.indicators.service import build_indicator, delete_table, indicator_table, target_of
from kpi.indicators.table_reader import TargetTable
from kpi.indicators.tables import find_table, mark_table


class ImportRejected(ValueError):
    """The table cannot be imported; `problems` name the row and column of each fault."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class ImportedTable:
    """One indicator table of the import: unit-wide (project None) or a project's own."""

    project: str | None
    specs: list[IndicatorSpec] = field(default_factory=list)
    replaced: int = 0


@dataclass
class ImportSummary:
    unit: str
    year: int
    tables: list[ImportedTable]
    created_unit: bool = False
    created_projects: list[str] = field(default_factory=list)
    dry_run: bool = False
    links: list[Link] = field(default_factory=list)  # 同一指标 made by this import (kpi.indicators.links)

    @property
    def indicator_count(self) -> int:
        return sum(len(table.specs) for table in self.tables)


def validate_rows(table: TargetTable) -> list[IndicatorSpec]:
    """Every row as an IndicatorSpec, or ImportRejected listing every faulty row."""
    specs, problems = [], []
    for row in table.rows:
        try:
            specs.append(
                IndicatorSpec.model_validate(
                    {
                        "level1": row.level1,
                        "level2": row.level2,
                        "name": row.name,
                        "target_text": row.target_text,
                        "comparator_text": row.comparator_text,
                        "value_text": row.value_text,
                        "unit_text": row.unit_text,
                        "direction_text": row.direction_text,
                        "initial_target_text": row.initial_target_text,
                        "notes": row.notes,
                        "points": row.points,
                        "level1_points": row.level1_points,
                        "project": row.project,
                        "row": row.row,
                    }
                )
            )
        except ValidationError as error:
            problems += [
                f"第 {row.row} 行（{label}列）：{reason}" for label, reason in describe_validation_error(error)
            ]
    seen: dict[tuple, int] = {}
    for spec in specs:
        key = (spec.project, spec.level1, spec.level2, spec.name)
        if key in seen:
            problems.append(f"第 {spec.row} 行（三级指标列）：与第 {seen[key]} 行重复：{spec.name}")
        seen.setdefault(key, spec.row)
    if problems:
        raise ImportRejected(problems)
    return specs


def import_target_table(
    session: Session,
    table: TargetTable,
    *,
    unit_name: str,
    year: int,
    replace: bool = False,
    dry_run: bool = False,
    status: str = "approved",
) -> ImportSummary:
    """Write the table's indicators; the caller commits (or rolls back on dry run/error).

    Each imported table gets `status`: "approved" (a published, 批复 table, the default) or
    "draft". An approved table is never replaced: it changes only by 绩效目标调整 (docs/rules/lifecycle.md §2).
    """
    specs = validate_rows(table)
    if not specs:
        raise ImportRejected([f"工作表“{table.sheet}”没有可导入的指标行"])
    grouped: dict[str | None, ImportedTable] = {}
    for spec in specs:
        grouped.setdefault(spec.project, ImportedTable(project=spec.project)).specs.append(spec)

    summary = ImportSummary(unit=unit_name.strip(), year=year, tables=list(grouped.values()), dry_run=dry_run)
    summary.created_unit = budget.find_unit(session, unit_name) is None
    unit = budget.get_or_create_unit(session, unit_name)
    fiscal_year = budget.get_or_create_year(session, year)

    problems = []
    for imported in summary.tables:
        line = None
        if imported.project:
            line, created = budget.get_or_create_project(session, unit, fiscal_year, imported.project)
            if created:
                summary.created_projects.append(imported.project)
        existing = indicator_table(session, unit, fiscal_year, line)
        label = f"项目“{imported.project}”的指标表" if imported.project else "单位整体指标表"
        if existing and not replace:
            problems.append(f"{unit.name} {year} 年的{label}已有 {len(existing)} 项指标；如需覆盖请使用 --replace")
            continue
        state = find_table(session, unit.id, fiscal_year.id, line.id if line else None)
        if existing and state is not None and state.is_approved:
            problems.append(
                f"{unit.name} {year} 年的{label}已批复，不能覆盖；如需修改指标值或分值，请提交绩效目标调整申请"
            )
            continue
        mark_table(
            session, unit_id=unit.id, year_id=fiscal_year.id, budget_line_id=line.id if line else None, status=status
        )
        imported.replaced = delete_table(session, unit, fiscal_year, line) if existing else 0
        for position, spec in enumerate(imported.specs, start=1):
            session.add(
                build_indicator(
                    spec,
                    unit=unit,
                    year=fiscal_year,
                    scope="project" if line else "unit",
                    budget_line=line,
                    display_order=position,
                )
            )
    if problems:
        raise ImportRejected(problems)
    session.flush()
    # The tables of the year, old and new, are matched again: a unit table imported after its
    # projects' links to them as a project table imported after the unit table does.
    summary.links = link_year(session, unit.id, fiscal_year.id)
    return summary


def preview_rows(summary: ImportSummary) -> list[dict]:
    """What a dry run shows: one dict per indicator with its parsed target."""
    rows = []
    notes = _link_notes(summary)
    for imported in summary.tables:
        for spec in imported.specs:
            target = target_of(spec, summary.year)
            rows.append(
                {
                    "row": spec.row,
                    "project": imported.project,
                    "level1": spec.level1,
                    "level2": spec.level2,
                    "name": spec.name,
                    "target_text": target.text,
                    "kind": target.kind.value,
                    "comparator": target.comparator.value if target.comparator else None,
                    "target_value": target.value,
                    "unit": target.unit,
                    "direction": target.direction.value,
                    "notes": [*spec.notes, *target.notes]
                    + (
                        [f"年初指标值“{spec.initial_target_text}”，调整后为本指标值"]
                        if spec.initial_target_text
                        else []
                    )
                    + notes.get((imported.project, spec.name), []),
                }
            )
    return rows


def _link_notes(summary: ImportSummary) -> dict[tuple[str | None, str], list[str]]:
    """The dry run's word on each 同一指标 link, on the unit row and on the project row it repeats."""
    notes: dict[tuple[str | None, str], list[str]] = {}
    for link in summary.links:
        notes.setdefault((None, link.name), []).append(link.note)
        notes.setdefault((link.project, link.source_name), []).append(
            f"单位整体表中的“{link.name}”与本指标为同一指标，显示本指标的季度完成值"
        )
    return notes
