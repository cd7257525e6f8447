"""Validated input for indicators: the one path shared by the dataset, imports and forms.

`table=True` models do not validate (docs/engineering.md §2), so every source builds an
`IndicatorSpec` first and only then a table row.
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import ValidationError, field_validator, model_validator
from sqlmodel import Field, SQLModel

from kpi.domain.entries import size_problem
from kpi.domain.targets import parse_target, split_target

# Chinese labels for error messages, keyed by field name.
FIELD_LABELS = {
    "level1": "一级指标",
    "level2": "二级指标",
    "name": "三级指标",
    "target_text": "指标值",
    "points": "分值",
    "level1_points": "一级指标分值",
    "project": "项目名称",
}


class IndicatorSpec(SQLModel):
    """One third-level indicator as read from a table, a data file or a form."""

    level1: str = Field(min_length=1, max_length=100)
    level2: str = Field(min_length=1, max_length=100)
    name: str = Field(min_length=1, max_length=500)
    target_text: str = Field(default="", max_length=2000)
    comparator_text: str | None = Field(default=None, max_length=20)
    value_text: str | None = Field(default=None, max_length=200)
    unit_text: str | None = Field(default=None, max_length=50)
    direction_text: str | None = Field(default=None, max_length=20)  # a 正向/反向 column, if any
    # 年初指标值 of a table that prints it beside the adjusted one (target_text): kept as the
    # indicator's original target, as an approved 目标调整 keeps it (docs/rules/lifecycle.md).
    initial_target_text: str | None = Field(default=None, max_length=2000)
    notes: tuple[str, ...] = ()  # what the table reader decided for the row (Chinese)
    points: Decimal | None = Field(default=None, ge=0, le=100, max_digits=8, decimal_places=2)
    level1_points: Decimal | None = Field(default=None, ge=0, le=100, max_digits=8, decimal_places=2)
    project: str | None = Field(default=None, max_length=200)
    row: int | None = None

    @field_validator("level1", "level2", "name", "target_text", "project", mode="before")
    @classmethod
    def _strip(cls, value):
        if isinstance(value, str):
            value = value.strip()
            return value
        return value

    @field_validator("project", mode="after")
    @classmethod
    def _blank_project_is_none(cls, value):
        return value or None

    @model_validator(mode="after")
    def _target_fits(self):
        # The parsed 指标值 is stored as a Quantity: refuse what it cannot hold rather than round it.
        split = self.value_text is not None or self.comparator_text is not None or self.unit_text is not None
        target = (
            split_target(self.comparator_text or "", self.value_text or "", self.unit_text or "")
            if split
            else parse_target(self.target_text)
        )
        problem = target_size_problem(target.value, target.upper)
        if problem:
            raise FieldProblem("target_text", problem)
        return self


class FieldProblem(ValueError):
    """A whole-spec check that failed because of one field (``field``); the message is the reason."""

    def __init__(self, field: str, reason: str):
        super().__init__(reason)
        self.field = field


def target_size_problem(*values: Decimal | None) -> str | None:
    """Why a parsed target's value or upper bound does not fit its Quantity column, or None."""
    for value in values:
        problem = None if value is None else size_problem(value)
        if problem:
            return f"指标值{problem}"
    return None


def describe_validation_error(error: ValidationError) -> list[tuple[str, str]]:
    """(field label, Chinese reason) pairs for a pydantic error."""
    problems = []
    for item in error.errors():
        field = str(item["loc"][0]) if item["loc"] else ""
        kind = item["type"]
        ctx = item.get("ctx") or {}
        problem = ctx.get("error")
        if isinstance(problem, FieldProblem):
            problems.append((FIELD_LABELS.get(problem.field, problem.field), str(problem)))
            continue
        label = FIELD_LABELS.get(field, field)
        if kind == "string_too_short":
            reason = "不能为空"
        elif kind == "string_too_long":
            reason = f"过长（最多 {ctx.get('max_length')} 个字符）"
        elif kind in {"greater_than_equal", "greater_than"}:
            reason = "不能为负数"
        elif kind in {"less_than_equal", "less_than"}:
            reason = f"不能大于 {ctx.get('le', ctx.get('lt'))}"
        elif kind.startswith("decimal") and "digits" in kind or kind == "decimal_max_places":
            reason = "小数位数过多（最多 2 位）"
        elif kind.startswith("decimal") or kind.endswith("parsing") or kind.endswith("_type"):
            reason = "应为数字"
        else:
            reason = "格式不正确"
        problems.append((label, reason))
    return problems
