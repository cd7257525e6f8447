"""Each 自评表 of a self-evaluation, scored through kpi.domain.scoring with the year's settings.

- 单位整体: the unit-wide indicators; the money is every budget line (基本支出 + 项目支出);
- each project with indicators of its own: its table; the money is that project's line.

Apart from kpi.evaluation.sheet, which loads what is scored (or the approved basis) and
rescores: turning an indicator into the engine's input and laying out the money block
(docs/rules/layouts.md §2) is one idea, the same whichever figures it is given.
"""

from __future__ import annotations

from decimal import Decimal

from kpi.budget.models import BudgetLine
from kpi.domain.aggregation import Aggregation
from kpi.domain.entries import Band
from kpi.domain.progress import year_to_date
from kpi.domain.scoring import (
    Evaluation,
    IndicatorInput,
    ScoreOverride,
    check_qualitative_ratio,
    score_budget,
    score_self_evaluation,
)
from kpi.domain.targets import Comparator, Direction, TargetKind
from kpi.evaluation.result import YEAR_END, EvaluationResult, EvaluationTable, MoneyRow, ScoredIndicator
from kpi.indicators.models import Indicator
from kpi.results.sheet import QuarterSheet

UNIT_KEY = "unit"
ZERO = Decimal(0)


def score_tables(
    result: EvaluationResult,
    goals: dict[int | None, str],
    ratios: dict[int, Decimal | None],
    overrides: dict | None = None,
) -> list[EvaluationTable]:
    """The 单位整体 table, then each project's own, scored (``ratios``: qualitative scores by indicator
    id; ``overrides``: a reviewer's 人工调整 by indicator id, (score, reason) or None; both in place of
    the stored ones)."""
    lines = result.quarters.lines
    unit_rows, own = _by_table(result.quarters.indicators)
    posted = (ratios, overrides or {})
    tables = [_table(result, UNIT_KEY, "单位整体", None, goals.get(None), unit_rows, lines, posted)]
    for line in lines:
        if line.kind == "project" and own.get(line.id):
            tables.append(
                _table(result, f"project-{line.id}", line.name, line, goals.get(line.id), own[line.id], [line], posted)
            )
    return tables


def _by_table(indicators: list[Indicator]) -> tuple[list[Indicator], dict[int, list[Indicator]]]:
    """The unit-wide indicators, and each project's own by budget line id (in their order)."""
    unit_rows: list[Indicator] = []
    own: dict[int, list[Indicator]] = {}
    for indicator in indicators:
        if indicator.scope == "unit":
            unit_rows.append(indicator)
        elif indicator.scope == "project":
            own.setdefault(indicator.budget_line_id, []).append(indicator)
    return unit_rows, own


def _table(
    result: EvaluationResult,
    key: str,
    title: str,
    line: BudgetLine | None,
    goal: str | None,
    indicators: list[Indicator],
    lines: list[BudgetLine],
    posted: tuple[dict, dict],
) -> EvaluationTable:
    quarters, settings = result.quarters, result.settings
    prepared = [_prepare(result, indicator, *posted) for indicator in indicators]
    amount = sum((item.full_year_budget for item in lines), ZERO)
    spent = sum((quarters.spent_to_date(item.id, YEAR_END) for item in lines), ZERO)
    evaluation = score_self_evaluation([p[0] for p in prepared], budget=amount, spent=spent, settings=settings)
    # Evaluation.indicators are in the order given: zipped, not looked up one by one (by_key scans).
    rows = tuple(
        ScoredIndicator(
            indicator=indicator,
            actual=actual,
            score=score,
            band=inputs.band,
            chosen_ratio=inputs.chosen_ratio,
            explanation=_explanation(result, quarters.source_of(indicator) or indicator),
            stale_ratio=stale,
            override=inputs.override,
            source=quarters.source_of(indicator),
            source_project=quarters.source_project(indicator),
        )
        for indicator, (inputs, actual, stale), score in zip(indicators, prepared, evaluation.indicators, strict=True)
    )
    stored_goal = result.goals.get(line.id if line is not None else None)
    return EvaluationTable(
        key=key,
        title=title,
        line=line,
        goal=goal,
        goal_actual=stored_goal.actual_text if stored_goal else "",
        money=_money(result, line, lines, evaluation),
        rows=rows,
        evaluation=evaluation,
    )


def _explanation(result: EvaluationResult, explained_on: Indicator) -> str | None:
    """The stored explanation of a row, or of the project row a 同一指标 shows (what a linked
    row stored of its own before the link is not read)."""
    item = result.items.get(explained_on.id)
    return item.explanation if item else None


def _prepare(result: EvaluationResult, indicator: Indicator, ratios: dict[int, Decimal | None], overrides: dict):
    """(IndicatorInput, the year's figure, a stored ratio the band no longer allows)."""
    quarters = result.quarters
    aggregation = Aggregation(indicator.aggregation)
    budget_actual = budget_target = None
    if aggregation is Aggregation.BUDGET:
        # docs/rules/aggregation.md §5: a budget-relative target follows the linked project, or every project
        # (as kpi.progress.service does).
        budget_actual = quarters.spent_to_date(indicator.budget_line_id, YEAR_END)
        budget_target = sum((line.full_year_budget for line in _lines_of(quarters, indicator.budget_line_id)), ZERO)
    actual = year_to_date(aggregation, quarters.figures.get(indicator.id, []), YEAR_END, budget_actual=budget_actual)
    if indicator.id in ratios:
        ratio = ratios[indicator.id]
    else:
        item = result.items.get(indicator.id)
        ratio = item.chosen_ratio if item else None
    stale = None
    if ratio is not None and (actual.band is None or not _fits(actual.band, ratio)):
        stale, ratio = ratio, None  # the quarters changed the band since: score by the band's default
    inputs = IndicatorInput(
        key=indicator.id,
        level1=indicator.level1,
        level2=indicator.level2,
        name=indicator.name,
        kind=TargetKind(indicator.kind),
        comparator=Comparator(indicator.comparator) if indicator.comparator else None,
        direction=Direction(indicator.direction),
        target_value=indicator.target_value,
        target_date=indicator.target_date_to,
        actual=actual.value,
        actual_date=actual.achieved_on,
        band=actual.band,
        chosen_ratio=ratio,
        points=indicator.points,
        budget_target=budget_target,
        override=_override(result, indicator.id, overrides),
    )
    return inputs, actual, stale


def _override(result: EvaluationResult, indicator_id: int, overrides: dict) -> ScoreOverride | None:
    """The reviewer's 人工调整 (posted, else stored), as the scoring rules take it."""
    if indicator_id in overrides:
        given = overrides[indicator_id]
    else:
        item = result.items.get(indicator_id)
        given = (item.override_score, item.override_reason) if item and item.override_score is not None else None
    return ScoreOverride(*given) if given and given[1] else None


def _fits(band: Band, ratio: Decimal) -> bool:
    try:
        check_qualitative_ratio(band, ratio)
    except ValueError:
        return False
    return True


def _lines_of(quarters: QuarterSheet, line_id: int | None) -> list[BudgetLine]:
    """The linked budget line, or every project when the indicator is linked to none."""
    return [line for line in quarters.lines if (line.id == line_id if line_id is not None else line.kind == "project")]


def _money(
    result: EvaluationResult, line: BudgetLine | None, lines: list[BudgetLine], evaluation: Evaluation
) -> tuple[MoneyRow, ...]:
    """docs/rules/layouts.md §2: a project's 年度资金总额 / 其中：当年财政拨款 / 上年结转资金 / 其他资金; the
    unit's 年度资金总额 / 基本支出 / 项目支出 / 其他资金. Sources have no spending of their own."""
    quarters, scored = result.quarters, evaluation.budget
    total = MoneyRow(
        "年度资金总额",
        _sum(lines, "initial_budget"),
        _sum(lines, "full_year_budget"),
        sum((quarters.spent_to_date(item.id, YEAR_END) for item in lines), ZERO),
        scored.execution_rate,
        scored.points,
        scored.score,
    )
    other = MoneyRow("其他资金", _sum(lines, "other_funds"), _unadjusted(lines, "other_funds"), None)
    if line is not None:
        return (
            total,
            MoneyRow(
                "其中：当年财政拨款",
                _sum(lines, "fiscal_appropriation"),
                _unadjusted(lines, "fiscal_appropriation"),
                None,
            ),
            MoneyRow("上年结转资金", None, None, None),
            other,
        )
    rows = [total]
    for label, kind in (("基本支出", "basic"), ("项目支出", "project")):
        members = [item for item in lines if item.kind == kind]
        spent = sum((quarters.spent_to_date(item.id, YEAR_END) for item in members), ZERO)
        amount = _sum(members, "full_year_budget")
        rate = score_budget(amount, spent, result.settings).execution_rate if amount else None  # the domain's 执行率
        rows.append(MoneyRow(label, _sum(members, "initial_budget"), amount, spent, rate))
    rows.append(other)
    return tuple(rows)


def _sum(lines: list[BudgetLine], attribute: str) -> Decimal | None:
    values = [getattr(line, attribute) for line in lines if getattr(line, attribute) is not None]
    return sum(values, ZERO) if values else None


def _unadjusted(lines: list[BudgetLine], attribute: str) -> Decimal | None:
    """A source's 全年预算数 is its 年初预算数 while no line was adjusted; after an adjustment the
    split by source is not recorded, so it is left blank."""
    if any(line.adjusted_budget is not None for line in lines):
        return None
    return _sum(lines, attribute)
