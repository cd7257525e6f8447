"""Validated input of a proposal: the new 年度指标值/分值 typed per indicator, reason and basis.

The proposal form has one pair of inputs per indicator (`i<id>-target`, `i<id>-points`), so
the FlaskForm carries CSRF, version, reason and basis, and this module checks the rest.
A blank input means "unchanged"; a value equal to the current one is unchanged too.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from pydantic import ValidationError
from sqlmodel import Field, SQLModel

from kpi.indicators.models import Indicator
from kpi.indicators.schemas import describe_validation_error

# Control characters break PostgreSQL (NUL) and the workbooks (openpyxl); keep tab/newline.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
MAX_REASON, MAX_BASIS = 2000, 500


class ItemInput(SQLModel):
    """One indicator's typed values, with the same limits as an imported indicator."""

    target_text: str | None = Field(default=None, max_length=2000)
    points: Decimal | None = Field(default=None, ge=0, le=100, max_digits=8, decimal_places=2)


@dataclass
class Proposal:
    """What a valid proposal changes: indicator id -> (new target or None, new points or None)."""

    reason: str
    basis: str
    changes: dict[int, tuple[str | None, Decimal | None]] = field(default_factory=dict)


class ProposalRejected(Exception):
    """Faults in the typed proposal; `errors` maps "reason", "basis", "items" or (id, "target"|"points")."""

    def __init__(self, errors: dict):
        super().__init__(f"有 {len(errors)} 处填写有误，请按提示修改。")
        self.message = str(self)
        self.errors = errors


def clean_text(value: str | None) -> str:
    return (value or "").strip()


def validate_proposal(
    indicators: list[Indicator], raw: Mapping[int, Mapping[str, str | None]], reason: str | None, basis: str | None
) -> Proposal:
    """The proposal, or ProposalRejected listing every fault (nothing is written either way)."""
    errors: dict = {}
    reason, basis = clean_text(reason), clean_text(basis)
    for key, text, limit, label in (
        ("reason", reason, MAX_REASON, "调整原因"),
        ("basis", basis, MAX_BASIS, "调整依据"),
    ):
        if not text:
            errors[key] = f"请填写{label}"
        elif len(text) > limit:
            errors[key] = f"{label}过长（最多 {limit} 字）"
        elif _CONTROL.search(text):
            errors[key] = f"{label}含有不可见的控制字符，请删除后重试"
    proposal = Proposal(reason=reason, basis=basis)
    for indicator in indicators:
        typed = raw.get(indicator.id) or {}
        target, points = clean_text(typed.get("target")), clean_text(typed.get("points"))
        if not target and not points:
            continue
        if _CONTROL.search(target) or _CONTROL.search(points):
            errors[(indicator.id, "target" if _CONTROL.search(target) else "points")] = "含有不可见的控制字符"
            continue
        try:
            item = ItemInput.model_validate({"target_text": target or None, "points": points or None})
        except ValidationError as error:
            for label, message in describe_validation_error(error):
                errors[(indicator.id, "points" if label == "分值" else "target")] = message
            continue
        new_target = item.target_text if item.target_text not in (None, indicator.target_text) else None
        new_points = item.points if item.points is not None and item.points != indicator.points else None
        if new_target is not None or new_points is not None:
            proposal.changes[indicator.id] = (new_target, new_points)
    if not errors and not proposal.changes:
        errors["items"] = "请至少为一项指标填写与现行不同的调整后指标值或分值"
    if errors:
        raise ProposalRejected(errors)
    return proposal
