"""A synthetic unit's mid-year monitoring report and self-evaluation, judged by kpi.domain.

The monitoring lines take their 1–7月 figures, straight-line projections and deviations from
kpi.domain.monitoring, exactly as a save through the form would store them; an explanation is
written where the rules ask for one (always once the report is submitted). The self-evaluation's
``total_score`` and ``grade`` are the snapshot kpi.evaluation keeps: the 单位整体 table scored by
kpi.domain.scoring (every budget line's money, every quarter's figures, the qualitative scores
chosen here).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from kpi.domain.aggregation import Aggregation
from kpi.domain.monitoring import CAUSE_CATEGORIES, LIKELIHOODS, IndicatorTarget, monitor_budget, monitor_indicator
from kpi.domain.progress import year_to_date
from kpi.domain.scoring import IndicatorInput, score_self_evaluation
from kpi.domain.scoring_results import score_snapshot
from tools.scale import values
from tools.scale.generator import Line, Planned, Rows, Run, Unit, report_columns, weighted

MONITORING_STATUSES = {"approved": 50, "submitted": 20, "draft": 20, "returned": 10}
EVALUATION_STATUSES = {"approved": 35, "submitted": 25, "draft": 25, "returned": 15}
CAUSE = "受年度工作安排调整影响，进度慢于预期。"
OVER_CAUSE = "年初目标设定偏保守，实际需求高于预期。"
MEASURES = "加强统筹调度，按月跟踪进度，确保年底前完成。"
LINE_CAUSE = "部分采购及支付按合同约定集中在下半年。"
GOAL_DONE = "已按年度计划完成主要工作任务，总体目标基本实现。"
EXPLANATION = "偏差原因：客观条件变化导致进度滞后；改进措施：加强过程监控，提前谋划下年度工作。"
NO_PLAN = (None, None, None, None)
YEAR_END = 4


def build_monitoring(run: Run, ids, rows: Rows, unit: Unit) -> None:
    rng = unit.rng
    status = weighted(rng, MONITORING_STATUSES)
    explained = status != "draft" or rng.random() < 0.5  # a submitted report has every explanation
    report_id = ids("monitoring_report")
    submitted = date(run.year, 8, rng.randint(10, 31))
    rows["monitoring_report"].append(
        {
            "id": report_id,
            "unit_id": unit.id,
            "year_id": run.year_id,
            "summary": "1–7月各项工作按计划推进，总体目标完成情况良好。",
            **report_columns(status, submitted, rng, date(run.year, 8, 1)),
        }
    )
    to_july = {line.id: monitor_budget(line.budget, line.spent, line.july) for line in unit.lines}
    for line in unit.lines:
        judged = to_july[line.id]
        rows["monitoring_budget_item"].append(
            {
                "id": ids("monitoring_budget_item"),
                "report_id": report_id,
                "budget_line_id": line.id,
                "spent_july": line.july,
                "spent_to_july": judged.progress.spent,
                "forecast_spent": judged.forecast,
                "cause": LINE_CAUSE if judged.deviation and explained else None,
            }
        )
    for planned in unit.indicators:
        variant = planned.variant
        aggregation = variant.aggregation
        done = (
            planned.entries[min(planned.entries)].achieved_on
            if aggregation is Aggregation.DEADLINE and planned.entries
            else None
        )
        july = values.july_entry(rng, aggregation, planned.entries.get(3), done)
        budget_actual = budget_target = None
        if aggregation is Aggregation.BUDGET:
            lines = _linked(unit, planned)
            budget_actual = sum((to_july[line.id].progress.spent for line in lines), Decimal(0))
            budget_target = sum((line.budget for line in lines), Decimal(0))
        judged = monitor_indicator(
            _target(planned),
            [f for f in planned.figures if f.quarter <= 2],
            july,
            budget_actual=budget_actual,
            budget_target=budget_target,
        )
        trend = judged.trend
        needs = set(judged.required) if explained else set()
        rows["monitoring_item"].append(
            {
                "id": ids("monitoring_item"),
                "report_id": report_id,
                "indicator_id": planned.id,
                "july_value": july.value,
                "july_numerator": july.numerator,
                "july_denominator": july.denominator,
                "july_band": july.band.value if july.band else None,
                "july_achieved_on": july.achieved_on,
                "forecast": trend.value,
                "forecast_band": trend.band.value if trend.band else None,
                "forecast_date": trend.on,
                "deviation": bool(judged.deviation),
                "cause_category": rng.choice(CAUSE_CATEGORIES) if "cause_category" in needs else None,
                "cause": (CAUSE if judged.deviation else OVER_CAUSE) if "cause" in needs else None,
                "likelihood": rng.choice(LIKELIHOODS[:2]) if "likelihood" in needs else None,
                "corrective_measures": MEASURES if "corrective_measures" in needs else None,
            }
        )


def build_evaluation(run: Run, ids, rows: Rows, unit: Unit) -> None:
    """The self-evaluation, its goals' 实际完成情况, chosen qualitative scores and explanations."""
    rng = unit.rng
    status = "draft" if unit.quarter_status[YEAR_END] == "draft" else weighted(rng, EVALUATION_STATUSES)
    settled = status in ("submitted", "approved")
    evaluation_id = ids("self_evaluation")
    ratios: dict[int, Decimal] = {}
    inputs: dict[int, IndicatorInput] = {}
    for planned in unit.indicators:
        item = year_end_input(unit, planned)
        if item.band is not None and settled and rng.random() < 0.6:  # the reviewer picked a score
            ratios[planned.id] = values.chosen_ratio(rng, item.band)
            item = replace(item, chosen_ratio=ratios[planned.id])
        inputs[planned.id] = item
    tables = [([p for p in unit.indicators if p.scope == "unit"], unit.lines)]
    tables += [
        ([p for p in unit.indicators if p.scope == "project" and p.line_id == line.id], [line])
        for line in unit.projects
    ]
    explain: set[int] = set()
    snapshot = None
    scores: dict[str, list[str]] = {}
    for members, lines in tables:
        scored = score_self_evaluation(
            [inputs[p.id] for p in members],
            budget=sum((line.budget for line in lines), Decimal(0)),
            spent=sum((sum(line.spent.values(), Decimal(0)) for line in lines), Decimal(0)),
            settings=run.scoring,
        )
        snapshot = snapshot or scored  # the 单位整体 table comes first: it is the unit's total
        scores.update(score_snapshot(scored.indicators))
        explain.update(s.key for s in scored.indicators if s.needs_explanation)
    submitted = date(run.year + 1, 2, rng.randint(1, 27))
    rows["self_evaluation"].append(
        {
            "id": evaluation_id,
            "unit_id": unit.id,
            "year_id": run.year_id,
            "total_score": snapshot.total,
            "grade": snapshot.grade,
            "indicator_scores": scores,
            **report_columns(status, submitted, rng, date(run.year + 1, 1, 5)),
        }
    )
    written = status != "draft" or rng.random() < 0.5
    for line_id in [None, *(line.id for line in unit.projects)]:
        rows["self_evaluation_goal"].append(
            {
                "id": ids("self_evaluation_goal"),
                "evaluation_id": evaluation_id,
                "budget_line_id": line_id,
                "actual_text": GOAL_DONE if written else "",
            }
        )
    for planned in unit.indicators:
        explanation = EXPLANATION if planned.id in explain and written else None
        if explanation is None and planned.id not in ratios:
            continue
        rows["self_evaluation_item"].append(
            {
                "id": ids("self_evaluation_item"),
                "evaluation_id": evaluation_id,
                "indicator_id": planned.id,
                "chosen_ratio": ratios.get(planned.id),
                "actual_text": None,
                "explanation": explanation,
            }
        )


def year_end_input(unit: Unit, planned: Planned) -> IndicatorInput:
    """The year-end IndicatorInput, as kpi.evaluation builds it from the stored quarters."""
    variant = planned.variant
    budget_actual = budget_target = None
    if variant.aggregation is Aggregation.BUDGET:
        lines = _linked(unit, planned)
        budget_actual = sum((sum(line.spent.values(), Decimal(0)) for line in lines), Decimal(0))
        budget_target = sum((line.budget for line in lines), Decimal(0))
    actual = year_to_date(variant.aggregation, planned.figures, YEAR_END, budget_actual=budget_actual)
    template = planned.template
    return IndicatorInput(
        key=planned.id,
        level1=template.level1,
        level2=template.level2,
        name=template.name,
        kind=variant.kind,
        comparator=variant.comparator,
        direction=variant.direction,
        target_value=variant.columns["target_value"],
        target_date=variant.columns["target_date_to"],
        actual=actual.value,
        actual_date=actual.achieved_on,
        band=actual.band,
        budget_target=budget_target,
    )


def unit_table(unit: Unit) -> tuple[list[IndicatorInput], Decimal, Decimal]:
    """The 单位整体 table as scoring takes it: (inputs, 全年预算数, 执行数) over every budget line."""
    inputs = [year_end_input(unit, p) for p in unit.indicators if p.scope == "unit"]
    budget = sum((line.budget for line in unit.lines), Decimal(0))
    spent = sum((sum(line.spent.values(), Decimal(0)) for line in unit.lines), Decimal(0))
    return inputs, budget, spent


def _target(planned: Planned) -> IndicatorTarget:
    variant = planned.variant
    return IndicatorTarget(
        kind=variant.kind,
        comparator=variant.comparator,
        direction=variant.direction,
        target_value=variant.columns["target_value"],
        target_date=variant.columns["target_date_to"],
        aggregation=variant.aggregation,
        plan=NO_PLAN,
    )


def _linked(unit: Unit, planned: Planned) -> list[Line]:
    """The linked project, or every project when the indicator names none (docs/rules/aggregation.md §5)."""
    if planned.line_id is not None:
        return [line for line in unit.lines if line.id == planned.line_id]
    return unit.projects
