"""The default dataset: the 2023 budget of 深圳市消费者委员会秘书处 (kpi/data/szcc_2023.yaml).

Loaded once, into an empty database, through the same validation path as imports.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import yaml
from sqlmodel import Session, select

from kpi.budget import service as budget
from kpi.budget.models import BudgetLine, PerformanceGoal, Unit
from kpi.indicators.links import link_year
from kpi.indicators.schemas import IndicatorSpec
from kpi.indicators.service import build_indicator
from kpi.indicators.tables import mark_year

DEFAULT_DATASET = Path(__file__).parent / "data" / "szcc_2023.yaml"


@dataclass(frozen=True)
class DatasetSummary:
    unit: str
    year: int
    budget_lines: int
    unit_indicators: int
    project_indicators: int
    links: int = 0  # unit-table rows that are a project's indicator (同一指标)


def is_empty(session: Session) -> bool:
    """True when no unit exists yet: the dataset is loaded only then, never twice."""
    return session.exec(select(Unit.id).limit(1)).first() is None


def read_dataset(path: Path = DEFAULT_DATASET) -> dict:
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def load_dataset(session: Session, data: dict) -> DatasetSummary:
    """Create the unit, its year, budget lines, goals and both kinds of indicator tables."""
    unit = budget.get_or_create_unit(session, data["unit"]["name"], data["unit"].get("parent"))
    year = budget.get_or_create_year(session, int(data["year"]))
    session.add(PerformanceGoal(unit_id=unit.id, year_id=year.id, text=data["unit"]["annual_goal"].strip()))

    lines: dict[str, BudgetLine] = {}
    project_count = 0
    for order, raw in enumerate(data["budget_lines"], start=1):
        line = BudgetLine(
            unit_id=unit.id,
            year_id=year.id,
            kind=raw["kind"],
            name=raw["name"],
            description=(raw.get("description") or "").strip(),
            initial_budget=Decimal(raw["initial_budget"]),
            adjusted_budget=_decimal(raw.get("adjusted_budget")),
            fiscal_appropriation=_decimal(raw.get("fiscal_appropriation")),
            other_funds=_decimal(raw.get("other_funds")),
            display_order=order,
        )
        session.add(line)
        session.flush()
        lines[line.name] = line
        if raw.get("goal"):
            session.add(
                PerformanceGoal(unit_id=unit.id, year_id=year.id, budget_line_id=line.id, text=raw["goal"].strip())
            )
        for position, item in enumerate(raw.get("indicators") or [], start=1):
            spec = _spec(item)
            session.add(
                build_indicator(spec, unit=unit, year=year, scope="project", budget_line=line, display_order=position)
            )
            project_count += 1

    for position, item in enumerate(data["unit_indicators"], start=1):
        spec = _spec(item)
        line = lines[spec.project] if spec.project else None
        session.add(build_indicator(spec, unit=unit, year=year, scope="unit", budget_line=line, display_order=position))
    session.flush()
    # 同一指标: the unit table's rows that repeat a project's are linked to them (kpi/indicators/links.py).
    links = link_year(session, unit.id, year.id)
    # The published tables were approved (批复) with the budget: fixed from the start (docs/rules/lifecycle.md §1).
    mark_year(session, unit.id, year.id, "approved")
    return DatasetSummary(unit.name, year.year, len(lines), len(data["unit_indicators"]), project_count, len(links))


def load_default_dataset_if_empty(session: Session) -> DatasetSummary | None:
    """Load the dataset and its demo accounts (local use only) into an empty database."""
    from kpi.accounts.service import create_demo_accounts

    if not is_empty(session):
        return None
    summary = load_dataset(session, read_dataset())
    create_demo_accounts(session)
    return summary


def _spec(item: dict) -> IndicatorSpec:
    return IndicatorSpec.model_validate(
        {
            "level1": item["level1"],
            "level2": item["level2"],
            "name": item["name"],
            "target_text": str(item.get("target") or ""),
            "points": item.get("points"),
            "project": item.get("project"),
        }
    )


def _decimal(value) -> Decimal | None:
    return None if value is None else Decimal(str(value))
