"""One synthetic unit's rows: budget lines, goals, indicators and four quarters of figures.

``build_unit`` appends plain dicts, one per row and keyed by table name, to a batch that
tools.scale.writer inserts with Core bulk inserts. A unit depends only on (seed, its number), never
on how many units are generated, so 示例单位0001 is the same whether 10 or 1,000 are made. The
mid-year monitoring report and the self-evaluation are built by tools.scale.reports from the
figures made here; every score, deviation and forecast there comes from kpi.domain.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import cached_property

from kpi.domain.entries import Entry
from kpi.domain.progress import QuarterFigure
from kpi.domain.scoring import ScoringSettings
from tools.scale import values
from tools.scale.templates import Catalogue, Template, Variant

DEMO_PREFIX = "示例单位"
PARENTS = (
    "深圳市教育局",
    "深圳市民政局",
    "深圳市司法局",
    "深圳市市场监督管理局",
    "深圳市交通运输局",
    "深圳市生态环境局",
    "深圳市水务局",
    "深圳市文化广电旅游体育局",
)
UNIT_INDICATORS = (60, 70)  # the 单位整体 table of each unit: as many as the seed's 67, give or take
PROJECTS = (2, 5)
OWN_EXTRA = (1, 2)  # a project's own table: 项目完成时间 and one or two more
# Quarter statuses (draft → submitted → approved, or returned): early quarters are long settled.
QUARTER_STATUSES = {
    1: {"approved": 95, "returned": 3, "submitted": 2},
    2: {"approved": 92, "returned": 4, "submitted": 4},
    3: {"approved": 80, "submitted": 10, "returned": 10},
    4: {"approved": 40, "submitted": 30, "draft": 20, "returned": 10},
}
QUARTER_END_DAYS = {1: 31, 2: 30, 3: 30, 4: 31}  # the last day of March, June, September, December
RETURN_REASON = "部分数值与台账不一致，请核对后重新送审。"
Rows = dict[str, list[dict]]


def new_rows() -> Rows:
    return defaultdict(list)


def unit_name(index: int) -> tuple[str, str]:
    """(示例单位0001（深圳市教育局）, its 主管部门)."""
    parent = PARENTS[(index - 1) % len(PARENTS)]
    return f"{DEMO_PREFIX}{index:04d}（{parent}）", parent


@dataclass(frozen=True)
class Run:
    """What every unit of one generation run shares."""

    catalogue: Catalogue
    year: int
    year_id: int
    seed: int
    scoring: ScoringSettings


@dataclass
class Line:
    id: int
    kind: str
    name: str
    budget: Decimal  # 全年预算数
    spent: dict[int, Decimal]  # 执行数 by quarter
    july: Decimal  # 7月执行数


@dataclass
class Planned:
    """An indicator with its figures, as kept in memory for the reports."""

    id: int
    template: Template
    variant: Variant
    scope: str
    line_id: int | None
    entries: dict[int, Entry]  # each quarter's own figure

    @cached_property
    def figures(self) -> list[QuarterFigure]:  # read once the quarters are made
        return [QuarterFigure(q, self.entries[q]) for q in sorted(self.entries)]


@dataclass
class Unit:
    """One unit under construction: its lines, indicators and quarter statuses."""

    id: int
    index: int
    rng: random.Random
    lines: list[Line] = field(default_factory=list)
    indicators: list[Planned] = field(default_factory=list)
    quarter_status: dict[int, str] = field(default_factory=dict)

    @property
    def projects(self) -> list[Line]:
        return [line for line in self.lines if line.kind == "project"]


def build_unit(run: Run, ids, rows: Rows, index: int, unit_id: int) -> Unit:
    """Append one unit's budget, goals, indicators and quarters to ``rows``; ``ids(table)`` gives ids."""
    unit = Unit(unit_id, index, random.Random(f"{run.seed}:{index}"))
    _budget(run, ids, rows, unit)
    _indicators(run, ids, rows, unit)
    _quarters(run, ids, rows, unit)
    return unit


def stamp(day: date, hour: int = 10) -> datetime:
    """``hour`` o'clock in Shanghai (UTC+8, hour ≥ 8) on ``day``, as the UTC time it is stored as."""
    return datetime(day.year, day.month, day.day, hour - 8, tzinfo=UTC)


def weighted(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), list(weights.values()))[0]


def report_columns(status: str, submitted: date, rng: random.Random, created: date) -> dict:
    """The ReviewedReport columns for a report in ``status`` submitted (if it was) on ``submitted``."""
    reviewed = submitted + timedelta(days=rng.randint(1, 5))
    sent = status != "draft"
    done = status in ("approved", "returned")
    return {
        "status": status,
        "version": {"draft": 1, "submitted": 2}.get(status, 3),
        "submitted_at": stamp(submitted) if sent else None,
        "submitted_by_id": None,
        "reviewed_at": stamp(reviewed, 15) if done else None,
        "reviewed_by_id": None,
        "review_reason": RETURN_REASON if status == "returned" else None,
        "created_at": stamp(created, 9),
        "updated_at": stamp(reviewed if done else submitted, 16),
    }


def _budget(run: Run, ids, rows: Rows, unit: Unit) -> None:
    rng, cat = unit.rng, run.catalogue
    picked = sorted(rng.sample(range(len(cat.projects)), rng.randint(*PROJECTS)))
    specs = [("basic", "基本支出", "主要用于人员经费、公用经费等支出。", None)]
    specs += [("project", *cat.projects[i]) for i in picked]
    rows["performance_goal"].append(_goal(ids, unit.id, run.year_id, None, cat.annual_goal))
    for order, (kind, name, description, goal) in enumerate(specs, start=1):
        initial = values.budget_amount(rng, 300, 3000) if kind == "basic" else values.budget_amount(rng, 5, 1500)
        adjusted = (
            (initial * Decimal(str(round(rng.uniform(0.9, 1.1), 2)))).quantize(Decimal("0.01"))
            if rng.random() < 0.15
            else None
        )
        full_year = adjusted if adjusted is not None else initial
        spent = values.spending(rng, full_year, kind == "basic")
        july = (spent[3] * Decimal(str(round(rng.uniform(0.3, 0.36), 2)))).quantize(Decimal("0.01"))
        line = Line(ids("budget_line"), kind, name, full_year, spent, july)
        unit.lines.append(line)
        rows["budget_line"].append(
            {
                "id": line.id,
                "unit_id": unit.id,
                "year_id": run.year_id,
                "kind": kind,
                "name": name,
                "description": description,
                "initial_budget": initial,
                "adjusted_budget": adjusted,
                "fiscal_appropriation": initial,
                "other_funds": Decimal(0),
                "display_order": order,
            }
        )
        if goal:
            rows["performance_goal"].append(_goal(ids, unit.id, run.year_id, line.id, goal))


def _goal(ids, unit_id: int, year_id: int, line_id: int | None, text: str) -> dict:
    return {
        "id": ids("performance_goal"),
        "unit_id": unit_id,
        "year_id": year_id,
        "budget_line_id": line_id,
        "text": text,
    }


def _indicators(run: Run, ids, rows: Rows, unit: Unit) -> None:
    rng, cat = unit.rng, run.catalogue
    projects = unit.projects
    pool = cat.unit_templates
    chosen = sorted(rng.sample(range(len(pool)), rng.randint(*UNIT_INDICATORS)))
    created = stamp(date(run.year, 1, 10), 9)
    for order, i in enumerate(chosen, start=1):
        template = pool[i]
        line = projects[template.project_slot % len(projects)] if template.project_slot is not None else None
        _indicator(run, ids, rows, unit, template, "unit", line, order, created)
    for line in projects:
        own = [cat.completion, *rng.sample(cat.project_templates, rng.randint(*OWN_EXTRA))]
        for order, template in enumerate(own, start=1):
            _indicator(run, ids, rows, unit, template, "project", line, order, created)


def _indicator(
    run: Run,
    ids,
    rows: Rows,
    unit: Unit,
    template: Template,
    scope: str,
    line: Line | None,
    order: int,
    created: datetime,
) -> None:
    rng = unit.rng
    variant = template.variants[0] if rng.random() < 0.3 else rng.choice(template.variants)
    planned = Planned(ids("indicator"), template, variant, scope, line.id if line else None, {})
    unit.indicators.append(planned)
    rows["indicator"].append(
        {
            "id": planned.id,
            "unit_id": unit.id,
            "year_id": run.year_id,
            "scope": scope,
            "budget_line_id": planned.line_id,
            "level1": template.level1,
            "level2": template.level2,
            "name": template.name,
            "level1_points": None,
            **variant.columns,
            "points": None,
            "plan_q1": None,
            "plan_q2": None,
            "plan_q3": None,
            "plan_q4": None,
            "display_order": order,
            "version": 1,
            "created_at": created,
            "updated_at": created,
        }
    )


def _quarters(run: Run, ids, rows: Rows, unit: Unit) -> None:
    rng, year = unit.rng, run.year
    diligence = rng.uniform(0.75, 1.15)
    for q in range(1, 5):
        unit.quarter_status[q] = weighted(rng, QUARTER_STATUSES[q])
    for planned in unit.indicators:
        entries = values.quarter_entries(rng, planned.variant, diligence, year)
        if unit.quarter_status[4] == "draft":  # a draft last quarter is still being filled in
            entries = {q: e for q, e in entries.items() if q < 4 or rng.random() < 0.7}
        planned.entries = entries
    report_ids = {}
    for q in range(1, 5):
        quarter_end = date(year, 3 * q, QUARTER_END_DAYS[q])
        opened = quarter_end - timedelta(days=rng.randint(5, 20))
        submitted = quarter_end + timedelta(days=rng.randint(3, 14))
        report_ids[q] = ids("quarter_report")
        rows["quarter_report"].append(
            {
                "id": report_ids[q],
                "unit_id": unit.id,
                "year_id": run.year_id,
                "quarter": q,
                **report_columns(unit.quarter_status[q], submitted, rng, opened),
            }
        )
    for planned in unit.indicators:
        for q, entry in planned.entries.items():
            rows["indicator_result"].append(
                {
                    "id": ids("indicator_result"),
                    "report_id": report_ids[q],
                    "indicator_id": planned.id,
                    "value": entry.value,
                    "numerator": entry.numerator,
                    "denominator": entry.denominator,
                    "band": entry.band.value if entry.band else None,
                    "achieved_on": entry.achieved_on,
                    "assessment": entry.assessment,
                    "note": None,
                }
            )
    for line in unit.lines:
        for q, spent in line.spent.items():
            rows["budget_execution"].append(
                {
                    "id": ids("budget_execution"),
                    "report_id": report_ids[q],
                    "budget_line_id": line.id,
                    "spent": spent,
                    "note": None,
                }
            )
