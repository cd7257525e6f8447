"""Read models behind the self-evaluation pages (routes never query; templates never compute)."""

from __future__ import annotations

from decimal import Decimal

from kpi.core.error_summary import ErrorLink, error_links
from kpi.domain.entries import BAND_LABELS, BAND_LONG_LABELS
from kpi.domain.numbers import plain_number
from kpi.domain.scoring import BAND_RANGES
from kpi.domain.scoring_presets import PRESETS as SCHEMES
from kpi.domain.scoring_settings import BUDGET_MODES, ROUNDINGS, SATISFACTION_RULES, WEIGHTS
from kpi.evaluation.result import EvaluationResult, EvaluationTable, ScoredIndicator
from kpi.evaluation.settings import GRADES, PRESETS, form_values, level_rows, scheme_of
from kpi.evaluation.validation import goal_field, incomplete, percent_text
from kpi.evaluation.workbook import RULE_LABELS, grade_texts
from kpi.formatting import format_number
from kpi.indicators.service import group_by_level
from kpi.results.presenters import ytd_text
from kpi.workflow import STATUS_LABELS

HUNDRED = Decimal(100)
# The fields as the error summary names them.
FIELD_LABELS = {
    "actual_text": "实际完成情况",
    "explanation": "偏差原因分析及改进措施",
    "ratio": "得分（占分值%）",
    "override": "人工调整得分",
    "override_reason": "人工调整理由",
}


def report_page(result: EvaluationResult, form, user, *, typed=None, errors=None, conflict=None, changes=None) -> dict:
    """Everything the page needs; ``typed`` (the raw posted form) wins over stored values."""
    typed, errors = typed or {}, errors or {}
    unit_id = result.unit.id
    editable = result.editable and user.can("enter", unit_id)
    can_review = user.can("review", unit_id)
    ratios_editable = editable or (result.status == "submitted" and can_review)
    missing = incomplete(result) if editable and not errors else {}  # after a refusal, the errors say it
    tables = [_table(table, typed, errors, missing) for table in result.tables]
    return {
        "result": result,
        "form": form,
        "tables": tables,
        "errors": errors,
        "error_links": _error_links(result, errors),
        "editable": editable,
        "can_review": can_review,
        "ratios_editable": ratios_editable,
        "reviewer_ratios": ratios_editable and not editable,
        "status_label": STATUS_LABELS[result.status],
        "conflict": conflict,
        "changes": changes or [],
        "history": result.history,
        "missing_count": len(missing),
        "grades": grade_texts(result.settings.grade_bands),
    }


def _error_links(result: EvaluationResult, errors: dict) -> list[ErrorLink]:
    """The form's error summary, in the page's order: each table's goal, then its indicators."""
    labels, linked = {}, set()
    for table in result.tables:
        labels[("goal", table.goal_key)] = table.title
        labels.update({("indicator", row.indicator.id): row.indicator.name for row in table.rows})
        linked.update(row.indicator.id for row in table.rows if row.source)

    def target(key) -> str:
        kind, ident, name = key
        if kind == "goal":
            return goal_field(ident)
        if name == "explanation" and ident in linked:  # 同一指标: no textarea here, the row says why
            return f"ind-{ident}"
        return f"i{ident}-{name.replace('_', '-') if name == 'override_reason' else name}"

    return error_links(errors, order=[*labels], labels=labels, fields=FIELD_LABELS, target=target)


def _table(table: EvaluationTable, typed: dict, errors: dict, missing: dict) -> dict:
    by_id = {row.indicator.id: row for row in table.rows}
    groups = [
        (
            level1,
            [
                (level2, [_row(by_id[indicator.id], typed, errors, missing) for indicator in indicators])
                for level2, indicators in level2_groups
            ],
        )
        for level1, level2_groups in group_by_level([row.indicator for row in table.rows])
    ]
    name = goal_field(table.goal_key)
    key = ("goal", table.goal_key, "actual_text")
    return {
        "table": table,
        "groups": groups,
        "money": table.money,
        "evaluation": table.evaluation,
        "goal": {
            "name": name,
            "value": typed.get(name, table.goal_actual or ""),
            "error": errors.get(key),
            "missing": key in missing,
        },
        # A budget shown beside the total (budget_mode "shown") is not part of its 100 points.
        "points_total": (table.evaluation.budget.points if table.evaluation.budget.counted else Decimal(0))
        + sum(table.evaluation.level_points.values(), Decimal(0)),
    }


def _row(row: ScoredIndicator, typed: dict, errors: dict, missing: dict) -> dict:
    indicator, score = row.indicator, row.score
    prefix = f"i{indicator.id}-"
    own = {
        name: message
        for (kind, ident, name), message in errors.items()
        if kind == "indicator" and ident == indicator.id
    }
    band = row.band
    band_text = ""
    if band is not None:
        low, high = BAND_RANGES[band]
        band_text = f"{BAND_LONG_LABELS[band]}（{format_number(low * HUNDRED)}%–{format_number(high * HUNDRED)}%）"
    return {
        "scored": row,
        "indicator": indicator,
        "score": score,
        "actual": ytd_text(indicator, row.actual) or "—",
        "rule": RULE_LABELS.get(score.rule, score.rule),
        "explanation": typed.get(prefix + "explanation", row.explanation or ""),
        "ratio": typed.get(prefix + "ratio", percent_text(row.chosen_ratio)),
        "override": typed.get(prefix + "override", plain_number(row.override.score) if row.override else ""),
        "override_reason": typed.get(prefix + "override-reason", row.override.reason if row.override else ""),
        "ratio_allowed": row.is_qualitative and band is not None,
        "band": band_text,
        "band_short": BAND_LABELS[band] if band else "",
        "ratio_range": _range(band) if band is not None else None,
        "stale_ratio": percent_text(row.stale_ratio) if row.stale_ratio is not None else "",
        "errors": own,
        "missing": ("indicator", indicator.id, "explanation") in missing,
        # 同一指标: explained on the project's row, which this row shows (docs/rules/scoring.md §17)
        "linked": {"project": row.source_project, "anchor": f"#ind-{row.source.id}"} if row.source else None,
    }


def _range(band) -> tuple[str, str]:
    low, high = BAND_RANGES[band]
    return format_number(low * HUNDRED), format_number(high * HUNDRED)


def settings_page(
    year: int, settings, values: dict | None = None, errors: dict | None = None, warning: str | None = None
) -> dict:
    values = values if values is not None else form_values(settings)
    return {
        "year": year,
        "values": values,
        "errors": errors or {},
        "rows": level_rows(values),
        "presets": list(PRESETS),
        "grade_names": GRADES,
        "grades": grade_texts(settings.grade_bands),
        "warning": warning,
        "schemes": SCHEMES,
        "current_scheme": scheme_of(settings),
        "budget_modes": BUDGET_MODES,
        "weights": WEIGHTS,
        "roundings": {str(k): v for k, v in ROUNDINGS.items()},
        "satisfaction_rules": SATISFACTION_RULES,
    }
