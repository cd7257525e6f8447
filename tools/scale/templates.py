"""Indicator templates for synthetic units, taken from the seed dataset (kpi/data/szcc_2023.yaml).

Each seed indicator becomes a template with a handful of target *variants*: the published target
with its number scaled (≥19000宗 → ≥9500宗 … ≥38000宗), its percentage moved, or its deadline
moved. Every variant's text is parsed once, here, through kpi.domain (parse_target and
infer_aggregation), so a synthetic indicator is exactly what an import of that text would make,
and nothing is parsed per row. A variant whose parse changes the kind or comparator is dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from kpi.dataset import read_dataset
from kpi.domain.aggregation import Aggregation, infer_aggregation
from kpi.domain.targets import Comparator, Direction, Target, TargetKind, parse_target

SEED_YEAR = 2023
# The seed's projects, in the order their templates are spread over a synthetic unit's projects.
SEED_PROJECTS = ("市场监督管理事务", "信息化类", "综合管理类", "修缮维护类")
# Further project names for synthetic units (2–5 projects each, drawn from all of these).
EXTRA_PROJECTS = ("专项业务经费", "宣传教育类", "课题研究类", "政府购买服务类", "设备购置类", "信息系统运维类")
SCALES = ("0.5", "0.75", "1", "1.25", "1.5", "2", "3")
PERCENTS = ("60", "70", "80", "85", "90", "95", "98")
DISTRICTS = 10  # 深圳市的行政区
DEADLINES = ("12月31日前", "11月30日前", "10月31日前", "9月30日前", "6月30日前")
_NUMBER = re.compile(r"(?<![0-9.])[0-9]+(?:\.[0-9]+)?")


@dataclass(frozen=True)
class Variant:
    """One parsed target: the Indicator columns it sets, and the enums the domain wants."""

    columns: dict  # target_text, comparator, target_value, … aggregation (Indicator column names)
    kind: TargetKind
    comparator: Comparator | None
    direction: Direction
    aggregation: Aggregation


@dataclass(frozen=True)
class Template:
    level1: str
    level2: str
    name: str
    project_slot: int | None  # which of the unit's projects it measures (None: the whole unit)
    variants: tuple[Variant, ...]  # variants[0] is the published target


@dataclass(frozen=True)
class Catalogue:
    """Everything generation reads from the seed, for one budget year."""

    year: int
    unit_templates: tuple[Template, ...]  # the 单位整体 table, in published order
    project_templates: tuple[Template, ...]  # a project's own table (without 项目完成时间)
    completion: Template  # 项目完成时间: every project's own table has it
    annual_goal: str
    projects: tuple[tuple[str, str, str], ...]  # (name, description, goal)


@lru_cache(maxsize=8)
def catalogue(year: int) -> Catalogue:
    """The templates for ``year`` (the seed's 2023 and 2022 are moved to that year)."""
    data = read_dataset()
    in_year = _year_mover(year)
    seed_projects = {line["name"]: line for line in data["budget_lines"] if line["kind"] == "project"}
    unit = [_template(item, in_year) for item in data["unit_indicators"]]
    unit_names = {t.name for t in unit}
    own: dict[tuple[str, str], Template] = {}
    for line in seed_projects.values():
        for item in line.get("indicators") or []:
            template = _template({**item, "project": line["name"]}, in_year)
            own.setdefault((template.name, template.variants[0].columns["target_text"]), template)
    completion = next(t for t in own.values() if t.name == "项目完成时间")
    project_own = tuple(t for t in own.values() if t.name != "项目完成时间")
    # Project targets not in the unit table widen the unit pool to 71, so 60–70 can be drawn.
    extra = tuple(t for t in project_own if t.name not in unit_names)
    projects = []
    for name in SEED_PROJECTS + EXTRA_PROJECTS:
        line = seed_projects.get(name, {})
        description = in_year(
            (line.get("description") or f"按照{SEED_YEAR}年工作计划安排，用于{name}相关工作。").strip()
        )
        goal = in_year(
            (
                line.get("goal")
                or f"通过实施{name}项目，按期完成年度各项工作任务，项目计划于{SEED_YEAR}年12月31日前完成。"
            ).strip()
        )
        projects.append((name, description, goal))
    return Catalogue(
        year,
        tuple(unit) + extra,
        project_own,
        completion,
        in_year(data["unit"]["annual_goal"].strip()),
        tuple(projects),
    )


def _year_mover(year: int):
    mapping = {str(SEED_YEAR): str(year), str(SEED_YEAR - 1): str(year - 1)}
    pattern = re.compile("|".join(mapping))
    return lambda text: pattern.sub(lambda m: mapping[m.group(0)], text)


def _template(item: dict, in_year) -> Template:
    text = in_year(str(item.get("target") or ""))
    project = item.get("project")
    slot = SEED_PROJECTS.index(project) if project in SEED_PROJECTS else None
    name = in_year(item["name"])
    published = parse_target(text)
    variants = [_variant(name, published)]
    seen = {text}
    for candidate in _candidate_texts(text, published):
        if candidate in seen:
            continue
        seen.add(candidate)
        parsed = parse_target(candidate)
        if parsed.kind is published.kind and parsed.comparator is published.comparator:
            variants.append(_variant(name, parsed))
    return Template(item["level1"], item["level2"], name, slot, tuple(variants))


def _candidate_texts(text: str, target: Target) -> list[str]:
    """Perturbed versions of a target text: the number scaled, the percentage or deadline moved."""
    if target.kind is TargetKind.DEADLINE:
        m = re.search(r"(\d{4}年)\d{1,2}月\d{1,2}日前", text)
        return [text[: m.start()] + m.group(1) + tail + text[m.end() :] for tail in DEADLINES] if m else []
    if target.value is None or target.kind not in (TargetKind.COUNT, TargetKind.PERCENT, TargetKind.MONEY):
        return []  # qualitative, budget-relative and ranges keep their published text
    m = _NUMBER.search(text)
    if m is None:
        return []
    number = Decimal(m.group(0))
    if target.kind is TargetKind.PERCENT:
        if number >= 100:
            return []  # 100% stays 100%: a 合格率 is not perturbed downwards
        options = PERCENTS
    else:
        scaled = {max(Decimal(1), (number * Decimal(s)).to_integral_value()) for s in SCALES}
        if "行政区" in text:
            scaled = {n for n in scaled if n <= DISTRICTS}  # a city has only so many districts
        options = [str(n) for n in sorted(scaled)]
    return [text[: m.start()] + option + text[m.end() :] for option in options]


def _variant(name: str, target: Target) -> Variant:
    aggregation = infer_aggregation(name, target)
    columns = {
        "target_text": target.text,
        "comparator": target.comparator.value if target.comparator else None,
        "target_value": target.value,
        "target_upper": target.upper,
        "unit": target.unit,
        "qualifier": target.qualifier,
        "kind": target.kind.value,
        "direction": target.direction.value,
        "target_date_from": target.date_from,
        "target_date_to": target.date_to,
        "aggregation": aggregation.value,
    }
    return Variant(columns, target.kind, target.comparator, target.direction, aggregation)
