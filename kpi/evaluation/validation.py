"""Reading and checking what the self-evaluation form (绩效自评) sends; what a save would change.

The inputs are named by table and indicator: ``g-unit`` / ``g-<line id>`` for a 年度总体目标's
实际完成情况, ``i<id>-explanation`` for 偏差原因分析及改进措施 and ``i<id>-ratio`` for a
qualitative score, typed as a percentage of 分值 (85 = 85%). A ratio must lie inside the band of
the year's assessment (docs/rules/scoring.md §6, ``check_qualitative_ratio``); anything wrong is reported in
Chinese beside its field, every fault at once. Drafts may leave texts blank; submitting (送审)
needs every 实际完成情况 and every explanation docs/rules/scoring.md §9 requires (``IndicatorScore.needs_explanation``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from kpi.domain.entries import BAND_LABELS
from kpi.domain.scoring import check_qualitative_ratio
from kpi.evaluation.result import EvaluationResult
from kpi.formatting import format_number
from kpi.indicators.links import SAME_AS_MESSAGE
from kpi.workflow import changes as workflow_changes

MAX_TEXT = 2000
HUNDRED = Decimal(100)
GOAL_LABEL = "实际完成情况"
EXPLANATION_LABEL = "偏差原因分析及改进措施"
RATIO_LABEL = "定性指标得分（占分值%）"
OVERRIDE_LABEL = "人工调整得分"
OVERRIDE_REASON_LABEL = "人工调整理由"
MISSING_GOAL = "送审前须填写实际完成情况"

Key = tuple[str, object, str]  # ("goal", line id or None, "actual_text") / ("indicator", id, "explanation"|"ratio")


InputRejected = workflow_changes.InputRejected  # faults by Key (see above), or on submit what is missing


@dataclass
class EvaluationInput:
    """What was posted, typed. Only the fields posted are present; the rest keep their stored values."""

    goals: dict[int | None, str | None] = field(default_factory=dict)  # by budget line id (None: the unit)
    explanations: dict[int, str | None] = field(default_factory=dict)  # by indicator id
    ratios: dict[int, Decimal | None] = field(default_factory=dict)  # share of 分值 (0.85), by indicator id
    # A reviewer's 人工调整, by indicator id: (score, reason), or None to take it back.
    overrides: dict[int, tuple[Decimal, str] | None] = field(default_factory=dict)


class Change(workflow_changes.Change):
    """One stored field a self-evaluation save changes ("self_evaluation", "budget_line" or "indicator")."""

    def show(self, value: object) -> str:
        return display(value, self.field)


def goal_field(goal_key: int | None) -> str:
    return "g-unit" if goal_key is None else f"g-{goal_key}"


def parse_input(result: EvaluationResult, form: Mapping[str, str], *, ratios_only: bool = False) -> EvaluationInput:
    """The posted fields, typed; InputRejected lists every fault. ``ratios_only`` reads the ratios
    alone (what a reviewer may change)."""
    data, errors = _parse(result, form, ratios_only)
    if errors:
        raise InputRejected(errors)
    return data


def validate_input(result: EvaluationResult, form: Mapping[str, str], *, submitting: bool = False) -> EvaluationInput:
    """The typed form, or InputRejected with every fault (and, submitting, every text still missing)."""
    data, errors = _parse(result, form, False)
    if submitting:
        missing = {key: message for key, message in incomplete(result, data).items() if key not in errors}
        if missing and not errors:
            raise InputRejected(missing, submitting=True)
        errors.update(missing)
    if errors:
        raise InputRejected(errors)
    return data


def _parse(result: EvaluationResult, form: Mapping[str, str], ratios_only: bool) -> tuple[EvaluationInput, dict]:
    errors: dict[Key, str] = {}
    data = EvaluationInput()
    if not ratios_only:
        for table in result.tables:
            name = goal_field(table.goal_key)
            if name in form:
                data.goals[table.goal_key] = _text(form[name], ("goal", table.goal_key, "actual_text"), errors)
    linked = {}
    for indicator_id, row in result.indicators.items():
        explanation = f"i{indicator_id}-explanation"
        if explanation in form and not ratios_only and row.source is not None:
            linked[indicator_id] = form[explanation]  # checked once the project rows are read
        elif explanation in form and not ratios_only:
            data.explanations[indicator_id] = _text(
                form[explanation], ("indicator", indicator_id, "explanation"), errors
            )
        ratio = f"i{indicator_id}-ratio"
        if ratio in form:
            data.ratios[indicator_id] = _ratio(row, form[ratio], ("indicator", indicator_id, "ratio"), errors)
        override = f"i{indicator_id}-override"
        if ratios_only and (override in form or f"{override}-reason" in form):  # the reviewer's step only
            data.overrides[indicator_id] = _override(row, form, indicator_id, errors)
    for indicator_id, text in linked.items():
        # 同一指标: explained on the project's row only; nothing, or the text the row shows, is no entry.
        row = result.indicators[indicator_id]
        shown = _explained(data, row.source.id, row.explanation)
        if _text(text, ("indicator", indicator_id, "explanation"), {}) not in (None, shown):
            errors[("indicator", indicator_id, "explanation")] = SAME_AS_MESSAGE.format(project=row.source_project)
    return data, errors


def _explained(data: EvaluationInput, indicator_id: int, stored: str | None) -> str | None:
    return data.explanations[indicator_id] if indicator_id in data.explanations else stored


def _override(row, form: Mapping[str, str], indicator_id: int, errors: dict[Key, str]):
    """(score, reason) of a 人工调整, None for none; a score needs its reason and fits 0–分值."""
    score_key, reason_key = ("indicator", indicator_id, "override"), ("indicator", indicator_id, "override_reason")
    text = (form.get(f"i{indicator_id}-override") or "").strip()
    reason = _text(form.get(f"i{indicator_id}-override-reason"), reason_key, errors)
    if not text and not reason:
        return None
    if not text:
        errors[score_key] = "填写了调整理由，请同时填写调整后的得分"
        return None
    try:
        score = Decimal(text)
    except InvalidOperation:
        score = None
    points = row.score.points
    if score is None or not score.is_finite() or not 0 <= score <= points:
        errors[score_key] = f"请填写 0–{format_number(points)} 之间的得分（本指标分值 {format_number(points)}）"
        return None
    if score != score.quantize(Decimal("0.01")):
        errors[score_key] = "最多两位小数"
        return None
    if not reason:
        errors[reason_key] = "人工调整得分须填写调整理由"
        return None
    return score, reason


def incomplete(result: EvaluationResult, data: EvaluationInput | None = None) -> dict[Key, str]:
    """What must still be written before submitting: the typed value wins over the stored one."""
    data = data or EvaluationInput()
    missing: dict[Key, str] = {}
    for table in result.tables:
        goal = data.goals[table.goal_key] if table.goal_key in data.goals else table.goal_actual
        if not goal:
            missing[("goal", table.goal_key, "actual_text")] = MISSING_GOAL
        for row in table.rows:
            explained_on = row.source or row.indicator  # 同一指标: asked once, on the project's row
            if not row.score.needs_explanation or _explained(data, explained_on.id, row.explanation):
                continue
            message = f"{row.score.explanation_reason}，送审前须填写{EXPLANATION_LABEL}"
            key = ("indicator", explained_on.id, "explanation")
            if row.source is None:
                missing[key] = message
            else:
                missing.setdefault(key, f"{message}（单位整体表中的同一指标）")
    return missing


def pending_changes(result: EvaluationResult, data: EvaluationInput) -> list[Change]:
    """The stored fields ``data`` would change, with old and new values, in page order."""
    changes = []
    report_id = result.report.id if result.report else None
    for table in result.tables:
        if table.goal_key in data.goals and (table.goal_actual or None) != data.goals[table.goal_key]:
            entity, entity_id = ("self_evaluation", report_id) if table.is_unit else ("budget_line", table.line.id)
            changes.append(
                Change(
                    entity, entity_id, table.title, GOAL_LABEL, table.goal_actual or None, data.goals[table.goal_key]
                )
            )
        for row in table.rows:
            indicator_id = row.indicator.id
            stored = result.items.get(indicator_id)
            if indicator_id in data.explanations:
                old = stored.explanation if stored else None
                if old != data.explanations[indicator_id]:
                    changes.append(
                        Change(
                            "indicator",
                            indicator_id,
                            row.indicator.name,
                            EXPLANATION_LABEL,
                            old,
                            data.explanations[indicator_id],
                        )
                    )
            if indicator_id in data.overrides:
                new = data.overrides[indicator_id] or (None, None)
                old = (stored.override_score, stored.override_reason) if stored else (None, None)
                for label, before, after in zip((OVERRIDE_LABEL, OVERRIDE_REASON_LABEL), old, new):
                    if before != after:
                        changes.append(Change("indicator", indicator_id, row.indicator.name, label, before, after))
            if indicator_id in data.ratios:
                old = stored.chosen_ratio if stored else None
                if old != data.ratios[indicator_id]:
                    changes.append(
                        Change(
                            "indicator", indicator_id, row.indicator.name, RATIO_LABEL, old, data.ratios[indicator_id]
                        )
                    )
    return changes


def display(value: object, label: str = "") -> str:
    """How a stored value reads in messages and the audit trail (a ratio as a percentage)."""
    if value is None or value == "":
        return "（空）"
    if isinstance(value, Decimal):
        return f"{format_number(value * HUNDRED)}%" if label == RATIO_LABEL else format_number(value)
    return str(value)


def percent_text(ratio: Decimal | None) -> str:
    """A stored share of 分值 as the form shows it: 0.85 → "85"."""
    return "" if ratio is None else format_number(ratio * HUNDRED).replace(",", "")


def _text(raw: str | None, key: Key, errors: dict[Key, str]) -> str | None:
    text = (raw or "").replace("\r\n", "\n").strip()
    if len(text) > MAX_TEXT:
        errors[key] = f"最多 {MAX_TEXT} 字（现为 {len(text)} 字）"
    return text or None


def _ratio(row, raw: str | None, key: Key, errors: dict[Key, str]) -> Decimal | None:
    text = (raw or "").strip().removesuffix("%").removesuffix("％").strip()
    if not text:
        return None
    if not row.is_qualitative:
        errors[key] = "只有定性指标可以选定得分"
        return None
    if row.band is None:
        errors[key] = "尚未评价（季度填报未选择完成等级），不能选定得分"
        return None
    try:
        percent = Decimal(text)
    except InvalidOperation:
        errors[key] = "请填写 0–100 之间的数字（占分值的百分比）"
        return None
    if not percent.is_finite() or not 0 <= percent <= HUNDRED:
        errors[key] = "请填写 0–100 之间的数字（占分值的百分比）"
        return None
    if percent != percent.quantize(Decimal("0.01")):
        errors[key] = "最多两位小数"
        return None
    ratio = (percent / HUNDRED).quantize(Decimal("0.0001"))
    try:
        check_qualitative_ratio(row.band, ratio)
    except ValueError as error:
        errors[key] = f"{error}，请在该档内选择（当前评价：{BAND_LABELS[row.band]}）"
        return None
    return ratio
