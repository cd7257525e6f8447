"""Each year's scoring settings (计分设置, docs/rules/scoring.md §12), as the admin edits them.

The form gives 预算执行分值 (10 or 20), the first-level weights (产出/效益/满意度, and any other
first level the tables use), the grade cut-offs (90/80/60, 80/70/60 or custom), the rule for a
reverse indicator past its limit (linear or 目标 ÷ 实际) and the over-completion trigger.
``parse_form`` checks each field and then the whole (kpi.domain.scoring_settings refuses what is
inconsistent, e.g. weights that do not add up to 100), with every message in Chinese beside its
field. ``save_settings`` stores them in ``FiscalYear.settings["scoring"]`` and audits the change.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

from sqlmodel import Session

from kpi.audit.service import record
from kpi.budget.models import FiscalYear
from kpi.domain.numbers import plain_number
from kpi.domain.scoring_presets import PRESETS as SCHEMES
from kpi.domain.scoring_settings import (
    BUDGET_MODES,
    DEFAULT_GRADE_BANDS,
    GRADE_BANDS_80_70_60,
    REVERSE_RULES,
    ROUNDINGS,
    SATISFACTION_RULES,
    WEIGHTS,
    ScoringSettings,
)
from kpi.evaluation.sheet import scoring_settings

GRADES = ("优", "良", "中")  # 差 is below the last cut-off
PRESETS = {"90/80/60": DEFAULT_GRADE_BANDS, "80/70/60": GRADE_BANDS_80_70_60}
LEVEL_ROWS_EXTRA = 2  # empty rows the form offers for another first level (成本指标, …)
MAX_LEVEL_ROWS = 10


class SettingsRejected(ValueError):
    """Invalid settings; ``errors`` maps form fields ("budget_points", "levels", …) to Chinese messages."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("；".join(errors.values()))
        self.errors = errors


def form_values(settings: ScoringSettings) -> dict[str, str]:
    """The settings as the strings the form shows."""
    values = {
        "budget_points": plain_number(settings.budget_points),
        "reverse_rule": settings.reverse_rule,
        "over_completion_at": plain_number(settings.over_completion_at),
        "budget_mode": settings.budget_mode,
        "weights": settings.weights,
        "rounding": str(settings.rounding),
        "satisfaction_rule": settings.satisfaction_rule,
        "scheme": scheme_of(settings) or "",
    }
    rows = list(settings.level_points.items())
    for index in range(min(len(rows) + LEVEL_ROWS_EXTRA, MAX_LEVEL_ROWS)):
        name, points = rows[index] if index < len(rows) else ("", None)
        values[f"level-{index}-name"] = name
        values[f"level-{index}-points"] = plain_number(points) if points is not None else ""
    preset = next((key for key, bands in PRESETS.items() if tuple(bands) == settings.grade_bands), "custom")
    values["grade_preset"] = preset
    for cut, grade in settings.grade_bands:
        if grade in GRADES:
            values[f"grade-{grade}"] = plain_number(cut)
    return values


def scheme_of(settings: ScoringSettings) -> str | None:
    """The named scheme (kpi.domain.scoring_presets) these settings are, if any."""
    return next((name for name, scheme in SCHEMES.items() if scheme.settings == settings), None)


def scheme_settings(name: str) -> ScoringSettings:
    """A named scheme's settings, or SettingsRejected for a name the page does not offer."""
    if name not in SCHEMES:
        raise SettingsRejected({"scheme": "请选择计分方案"})
    return SCHEMES[name].settings


def level_rows(values: Mapping[str, str]) -> list[int]:
    """The indices of the first-level rows the form shows."""
    used = [i for i in range(MAX_LEVEL_ROWS) if f"level-{i}-name" in values or f"level-{i}-points" in values]
    return used or list(range(LEVEL_ROWS_EXTRA))


def parse_form(form: Mapping[str, str]) -> ScoringSettings:
    """The settings the form describes, or SettingsRejected listing every fault."""
    errors: dict[str, str] = {}
    budget_points = _number(form, "budget_points", "预算执行分值", errors)
    levels: dict[str, Decimal] = {}
    for index in range(MAX_LEVEL_ROWS):
        name = (form.get(f"level-{index}-name") or "").strip()
        raw = (form.get(f"level-{index}-points") or "").strip()
        if not name and not raw:
            continue
        if not name:
            errors[f"level-{index}-name"] = "请填写一级指标名称"
            continue
        points = _number(form, f"level-{index}-points", f"“{name}”的分值", errors)
        if points is not None:
            levels[name] = points
    bands = _grade_bands(form, errors)
    rule = form.get("reverse_rule") or ""
    if rule not in REVERSE_RULES:
        errors["reverse_rule"] = "请选择反向指标计分规则"
    over = _number(form, "over_completion_at", "超额完成阈值", errors)
    # Fields a form from before the schemes did not have keep their defaults (docs/rules/scoring.md §14).
    variants = {
        "budget_mode": _choice(form, "budget_mode", BUDGET_MODES, "counted", "请选择预算执行的计分方式", errors),
        "weights": _choice(form, "weights", WEIGHTS, "levels", "请选择指标分值的来源", errors),
        "rounding": _choice(
            form, "rounding", {str(k): v for k, v in ROUNDINGS.items()}, "2", "请选择得分的取舍", errors
        ),
        "satisfaction_rule": _choice(
            form, "satisfaction_rule", SATISFACTION_RULES, "target", "请选择满意度的计分方式", errors
        ),
    }
    if errors:
        raise SettingsRejected(errors)
    try:
        return ScoringSettings(
            budget_points=budget_points,
            level_points=levels,
            grade_bands=bands,
            reverse_rule=rule,
            over_completion_at=over,
            budget_mode=variants["budget_mode"],
            weights=variants["weights"],
            rounding=int(variants["rounding"]),
            satisfaction_rule=variants["satisfaction_rule"],
        )
    except ValueError as error:
        raise SettingsRejected({_field_of(str(error)): str(error)}) from None


def save_settings(
    session: Session, fiscal_year: FiscalYear, settings: ScoringSettings | None, *, user
) -> ScoringSettings:
    """Store the year's settings (None: back to the docs/rules/scoring.md §12 defaults) and audit the change."""
    old, _ = scoring_settings(fiscal_year)
    stored = {key: value for key, value in (fiscal_year.settings or {}).items() if key != "scoring"}
    if settings is not None:
        stored["scoring"] = settings.to_dict()
    fiscal_year.settings = stored  # a new dict, so that SQLAlchemy sees the JSON change
    session.add(fiscal_year)
    new = settings or ScoringSettings()
    record(
        session,
        actor=user.username,
        user_id=user.id,
        entity="fiscal_year",
        entity_id=fiscal_year.id,
        action="update",
        field=f"{fiscal_year.year} 年计分设置",
        old_value=_json(old),
        new_value=_json(new),
    )
    session.flush()
    return new


def _grade_bands(form: Mapping[str, str], errors: dict[str, str]):
    preset = form.get("grade_preset") or ""
    if preset in PRESETS:
        return PRESETS[preset]
    if preset != "custom":
        errors["grades"] = "请选择评价等级分数线"
        return None
    cuts = [_number(form, f"grade-{grade}", f"“{grade}”的分数线", errors) for grade in GRADES]
    if any(cut is None for cut in cuts):
        return None
    if any(cut <= 0 for cut in cuts):
        errors["grades"] = "分数线应大于 0（“差”为最低一档，无需填写）"
        return None
    return [*zip(cuts, GRADES), (Decimal(0), "差")]


def _choice(form: Mapping[str, str], name: str, allowed, default: str, message: str, errors: dict) -> str:
    value = form.get(name)
    if value is None:
        return default
    if value not in allowed:
        errors[name] = message
        return default
    return value


def _field_of(message: str) -> str:
    """Which part of the form a message of ScoringSettings is about."""
    if "评价等级" in message or "分数线" in message:
        return "grades"
    if "超额" in message:
        return "over_completion_at"
    if "反向" in message:
        return "reverse_rule"
    if message.startswith("预算执行分值"):
        return "budget_points"
    return "levels"


def _number(form: Mapping[str, str], name: str, label: str, errors: dict[str, str]) -> Decimal | None:
    text = (form.get(name) or "").strip().removesuffix("%")
    if not text:
        errors[name] = f"请填写{label}"
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite():
        errors[name] = f"{label}应为数字"
        return None
    return value


def _json(settings: ScoringSettings) -> str:
    return json.dumps(settings.to_dict(), ensure_ascii=False, sort_keys=True)
