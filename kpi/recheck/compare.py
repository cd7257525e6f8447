"""Score a unit's own 自评表 afresh under a scoring scheme, row by row beside what it printed.

Each row's target is read with its row (kpi.domain.target_context: the name, the table's year,
万元), its 实际完成值 as a number: "98%" is 98, "≥266米" is 266 with a note (the operator only
says the target was reached), and a word ("完成", "达成预期指标", "是") cannot be scored by a rule:
the row needs a judgement, its computed score is None and the working says why. The rows are
scored together by kpi.domain.scoring with the printed 分值, so that the points are the table's.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from kpi.domain.scoring import IndicatorInput, score_self_evaluation
from kpi.domain.scoring_presets import preset
from kpi.domain.scoring_settings import ScoringSettings
from kpi.domain.target_context import TargetContext, read_target
from kpi.domain.targets import TargetKind, parse_target
from kpi.recheck.reader import PublishedTable
from kpi.recheck.schemes import DEFAULT_PRESET

MONEY_UNIT = "万元"


@dataclass(frozen=True)
class RowCheck:
    row: int
    name: str
    points: Decimal | None  # as printed
    target_text: str
    actual: str  # as printed
    published_score: Decimal | None
    computed_score: Decimal | None  # None: the row needs a judgement (see working)
    working: str

    @property
    def differs(self) -> bool:
        return self.computed_score is not None and self.computed_score != self.published_score


@dataclass(frozen=True)
class TableCheck:
    table: PublishedTable
    rows: list[RowCheck]
    budget_published: Decimal | None
    budget_computed: Decimal | None
    budget_working: str
    total_published: Decimal | None
    total_computed: Decimal

    @property
    def judgements(self) -> int:
        return sum(row.computed_score is None for row in self.rows)


def check_table(table: PublishedTable, settings: ScoringSettings | None = None) -> TableCheck:
    """The table scored afresh (default: by its printed 分值, kpi.recheck.schemes), row by row."""
    settings = settings if settings is not None else preset(DEFAULT_PRESET)
    context = {row.row: TargetContext(row.name, table.year, MONEY_UNIT) for row in table.rows}
    # A cap set by the budget (≤预算金额) is judged against the table's own 全年预算数.
    budget_line = table.money.full_year if table.money else None
    inputs, reasons, notes = [], {}, {}
    for row in table.rows:
        item, reason, note = _input(row, context[row.row], budget_line)
        inputs.append(item)
        if reason:
            reasons[row.row] = reason
        if note:
            notes[row.row] = note
    money = table.money
    budget, spent = (money.full_year or Decimal(0), money.spent or Decimal(0)) if money else (Decimal(0), Decimal(0))
    evaluation = score_self_evaluation(inputs, budget=budget, spent=spent, settings=settings)
    rows = []
    for row, scored in zip(table.rows, evaluation.indicators):
        if row.row in reasons:
            rows.append(_row(row, None, reasons[row.row]))
        else:
            note = notes.get(row.row)
            rows.append(_row(row, scored.score, f"{note}；{scored.working}" if note else scored.working))
    budget_score = evaluation.budget if money else None
    judged = sum((row.published_score or Decimal(0)) for row in rows if row.computed_score is None)
    computed = sum((row.computed_score for row in rows if row.computed_score is not None), Decimal(0)) + judged
    if budget_score is not None and budget_score.counted:  # a budget shown beside 总分 is not in it
        computed += budget_score.score
    return TableCheck(
        table,
        rows,
        money.score if money else None,
        budget_score.score if budget_score else None,
        budget_score.working if budget_score else "表中没有预算执行栏",
        table.total_score,
        computed,
    )


def _row(row, computed: Decimal | None, working: str) -> RowCheck:
    return RowCheck(row.row, row.name, row.points, row.target_text, row.actual_text, row.score, computed, working)


def _input(row, context: TargetContext, budget_line: Decimal | None) -> tuple[IndicatorInput, str | None, str | None]:
    """The row as the scoring rules take it, the reason it needs a judgement (or None), and a note
    for an actual written with an operator (or None)."""
    target = read_target(row.target_text, context)
    actual = parse_target(row.actual_text) if row.actual_text else None
    reason = None
    value = day = None
    if actual is None or not row.actual_text.strip():
        reason = "实际完成值为空，需人工判断"
    elif target.kind in (TargetKind.DEADLINE, TargetKind.PERIOD):
        day = actual.date_to
        if day is None:
            reason = f"时效指标的实际完成值“{row.actual_text}”没有日期，需人工判断"
    elif target.kind is TargetKind.BUDGET_RELATIVE and budget_line is None:
        reason = "以预算为上限的指标，表中没有全年预算数，需人工判断"
    elif target.kind is TargetKind.QUALITATIVE:
        reason = f"定性指标（实际完成值“{row.actual_text}”），需按档次人工判断"
    elif actual.value is None:
        reason = f"实际完成值为文字“{row.actual_text}”，不能按规则计分，需人工判断"
    else:
        value = actual.value
    note = None
    if actual is not None and actual.explicit_operator and actual.value is not None:
        note = f"实际完成值写有运算符（“{row.actual_text}”），按数值 {actual.value} 计"  # the number is what counts
    item = IndicatorInput(
        key=row.row,
        level1=row.level1,
        level2=row.level2,
        name=row.name,
        kind=target.kind,
        comparator=target.comparator,
        direction=target.direction,
        target_value=target.value,
        target_date=target.date_to,
        actual=value,
        actual_date=day,
        points=row.points,
        budget_target=budget_line if target.kind is TargetKind.BUDGET_RELATIVE else None,
    )
    return item, reason, note
