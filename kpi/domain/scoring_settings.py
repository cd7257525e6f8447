"""The per-year settings of self-evaluation scoring (绩效自评, docs/rules/scoring.md §12, docs/rules/scoring.md §14), and the grade.

``ScoringSettings()`` holds the (default) values of docs/rules/scoring.md §12; ``ScoringSettings.from_dict`` reads the
overrides an admin stored in ``FiscalYear.settings["scoring"]`` and refuses inconsistent ones
with a message in Chinese. Every instance is valid: the checks run on construction. Pure: no
Flask, no database, no I/O. Numbers are Decimal, stored in JSON as strings.
"""

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from types import MappingProxyType
from typing import Literal

from kpi.domain.numbers import plain_number

HUNDRED = Decimal(100)

# docs/rules/scoring.md §1 (default): 预算执行 10 + 产出 50 + 效益 30 + 满意度 10 = 100.
DEFAULT_LEVEL_POINTS: Mapping[str, Decimal] = MappingProxyType(
    {"产出指标": Decimal(50), "效益指标": Decimal(30), "满意度指标": Decimal(10)}
)
# docs/rules/scoring.md §10 (default): 优 ≥ 90, 良 80–<90, 中 60–<80, 差 < 60; some provinces use 80/70/60.
DEFAULT_GRADE_BANDS: tuple[tuple[Decimal, str], ...] = (
    (Decimal(90), "优"),
    (Decimal(80), "良"),
    (Decimal(60), "中"),
    (Decimal(0), "差"),
)
GRADE_BANDS_80_70_60: tuple[tuple[Decimal, str], ...] = (
    (Decimal(80), "优"),
    (Decimal(70), "良"),
    (Decimal(60), "中"),
    (Decimal(0), "差"),
)

ReverseRule = Literal["linear", "ratio", "zero"]
REVERSE_RULES: dict[str, str] = {
    "linear": "分值 × max(0, 1 − (实际 − 目标) ÷ 目标)",  # the rule of deployed systems (docs/rules/scoring.md §5)
    "ratio": "分值 × 目标 ÷ 实际",  # the rule of some templates
    "zero": "超出目标即计 0 分",  # published tables that give nothing past a limit (docs/rules/scoring.md §14)
}
# The scheme settings of docs/rules/scoring.md §14; the first of each is the default, today's rule.
BudgetMode = Literal["counted", "shown", "none"]
BUDGET_MODES: dict[str, str] = {"counted": "计入总分", "shown": "单列，不计入总分", "none": "不设预算执行"}
Weights = Literal["levels", "printed"]
WEIGHTS: dict[str, str] = {"levels": "按一级指标分值分配", "printed": "按表中列示的分值，不作调整"}
SatisfactionRule = Literal["target", "share"]
SATISFACTION_RULES: dict[str, str] = {"target": "对照目标值计分", "share": "分值 × 满意度"}
ROUNDINGS: dict[int, str] = {2: "保留 2 位小数", 1: "保留 1 位小数", 0: "取整"}


@dataclass(frozen=True)
class ScoringSettings:
    """Weights, grade cut-offs and rule variants of docs/rules/scoring.md §12 for one budget year.

    ``level_points`` gives each first-level indicator (一级指标) its points. A label the map
    does not name (成本指标 as a first level, say) weighs 0 until the admin configures it; see
    ``scoring.allocate_points`` for what happens to empty levels. ``grade_bands`` lists
    (cut-off, grade) from the highest cut-off down to 0: a total at or above a cut-off gets
    its grade."""

    budget_points: Decimal = Decimal(10)  # 预算执行; 20 in some provinces
    level_points: Mapping[str, Decimal] = field(default_factory=lambda: DEFAULT_LEVEL_POINTS, hash=False)
    grade_bands: tuple[tuple[Decimal, str], ...] = DEFAULT_GRADE_BANDS
    reverse_rule: ReverseRule = "linear"
    over_completion_at: Decimal = Decimal(130)  # completion in % that needs 偏差原因分析 (docs/rules/scoring.md §9)
    budget_mode: BudgetMode = "counted"  # docs/rules/scoring.md §14.1
    weights: Weights = "levels"  # docs/rules/scoring.md §14.2: "printed" keeps a table's printed 分值 as they are
    rounding: int = 2  # docs/rules/scoring.md §14.3: decimals of 得分 (2, 1, or 0 for whole points), half up
    satisfaction_rule: SatisfactionRule = "target"  # docs/rules/scoring.md §14.4

    def __post_init__(self):
        # Normalise what was passed (ints, strings, lists) and refuse what is inconsistent, so
        # that an invalid ScoringSettings cannot exist however it was made.
        budget = _points(self.budget_points, "预算执行分值")
        levels: dict[str, Decimal] = {}
        seen: dict[str, str] = {}
        if not isinstance(self.level_points, Mapping):
            raise ValueError("一级指标分值应为“指标名称: 分值”的对应表")
        for label, points in self.level_points.items():
            name = label.strip() if isinstance(label, str) else ""
            if not name:
                raise ValueError("一级指标名称不能为空")
            key = level_key(name)
            if key in seen:
                raise ValueError(f"一级指标“{seen[key]}”与“{name}”重复")
            seen[key] = name
            levels[name] = _points(points, f"一级指标“{name}”的分值")
        _choice(self.budget_mode, BUDGET_MODES, "预算执行计分方式")
        if self.budget_mode == "counted":
            if budget + sum(levels.values(), Decimal(0)) != HUNDRED:
                parts = " + ".join(plain_number(p) for p in (budget, *levels.values()))
                raise ValueError(
                    f"预算执行与各一级指标分值合计应为 100，现为 {parts} = "
                    f"{plain_number(budget + sum(levels.values(), Decimal(0)))}"
                )
        else:
            # Left out of 总分 (or absent), the budget cannot make up the 100: the levels do.
            if self.budget_mode == "none" and budget != 0:
                raise ValueError("不设预算执行时，预算执行分值应为 0")
            if sum(levels.values(), Decimal(0)) != HUNDRED:
                parts = " + ".join(plain_number(p) for p in levels.values()) or "0"
                raise ValueError(
                    f"预算执行不计入总分时，各一级指标分值合计应为 100，现为 {parts} = "
                    f"{plain_number(sum(levels.values(), Decimal(0)))}"
                )
        bands = _grade_bands(self.grade_bands)
        if self.reverse_rule not in REVERSE_RULES:
            raise ValueError("反向指标计分规则应为 linear（线性扣分）、ratio（目标 ÷ 实际）或 zero（超出目标即 0 分）")
        _choice(self.weights, WEIGHTS, "分值来源")
        _choice(self.satisfaction_rule, SATISFACTION_RULES, "满意度指标计分规则")
        rounding = _rounding(self.rounding)
        over = _number(self.over_completion_at, "超额完成阈值")
        if over <= HUNDRED:
            raise ValueError("超额完成阈值应大于 100%")
        object.__setattr__(self, "budget_points", budget)
        object.__setattr__(self, "level_points", MappingProxyType(levels))
        object.__setattr__(self, "grade_bands", bands)
        object.__setattr__(self, "over_completion_at", over)
        object.__setattr__(self, "rounding", rounding)

    @property
    def indicator_points(self) -> Decimal:
        """The points the first levels share: 100 less the budget when it counts in 总分."""
        return HUNDRED - self.budget_points if self.budget_mode == "counted" else HUNDRED

    def level_weight(self, label: str) -> tuple[str, Decimal] | None:
        """(configured label, points) for a first-level label as a table writes it, or None.

        "产出指标(50分)", "产出" and " 产出指标 " all find "产出指标"."""
        key = level_key(label)
        for name, points in self.level_points.items():
            if level_key(name) == key:
                return name, points
        return None

    @classmethod
    def from_dict(cls, d: Mapping[str, object] | None) -> "ScoringSettings":
        """Settings from ``FiscalYear.settings["scoring"]``; missing keys keep the docs/rules/scoring.md §12 defaults.

        ``level_points`` and ``grade_bands`` replace the defaults as a whole (a weight map must
        add up with the budget points to 100). Raises ValueError in Chinese for unknown keys
        and invalid values."""
        d = dict(d or {})
        unknown = sorted(set(d) - _KEYS)
        if unknown:
            raise ValueError(f"未知的计分设置：{'、'.join(map(str, unknown))}")
        kwargs: dict[str, object] = {}
        if "budget_points" in d:
            kwargs["budget_points"] = d["budget_points"]
        if "level_points" in d:
            kwargs["level_points"] = d["level_points"]
        if "grade_bands" in d:
            kwargs["grade_bands"] = d["grade_bands"]
        if "reverse_rule" in d:
            kwargs["reverse_rule"] = d["reverse_rule"]
        if "over_completion_at" in d:
            kwargs["over_completion_at"] = d["over_completion_at"]
        for key in _SCHEME_DEFAULTS:
            if key in d:
                kwargs[key] = d[key]
        return cls(**kwargs)

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready dict (numbers as strings, never floats) that from_dict reads back.

        The scheme keys of docs/rules/scoring.md §14 are written only when they differ from
        the default, so that a year or an approved report scored by today's rules stores the
        same dict as before they existed."""
        d: dict[str, object] = {
            "budget_points": plain_number(self.budget_points),
            "level_points": {name: plain_number(points) for name, points in self.level_points.items()},
            "grade_bands": [[plain_number(cut), grade] for cut, grade in self.grade_bands],
            "reverse_rule": self.reverse_rule,
            "over_completion_at": plain_number(self.over_completion_at),
        }
        for key, default in _SCHEME_DEFAULTS.items():
            if getattr(self, key) != default:
                d[key] = getattr(self, key)
        return d


_SCHEME_DEFAULTS: dict[str, object] = {
    "budget_mode": "counted",
    "weights": "levels",
    "rounding": 2,
    "satisfaction_rule": "target",
}
_KEYS = frozenset({"budget_points", "level_points", "grade_bands", "reverse_rule", "over_completion_at"}) | set(
    _SCHEME_DEFAULTS
)


def _choice(value: object, choices: Mapping[str, str], label: str) -> None:
    if not isinstance(value, str) or value not in choices:
        listed = "、".join(f"{key}（{meaning}）" for key, meaning in choices.items())
        raise ValueError(f"{label}应为 {listed} 之一")


def _rounding(value: object) -> int:
    """2, 1 or 0 from an int or its text ("0" from a form); anything else is refused."""
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or value not in ROUNDINGS:
        raise ValueError("得分保留位数应为 2、1 或 0（取整）")
    return value


# "产出指标(50分)", "（50分）", "(50 分)": a first-level label may carry its points (docs/rules/targets.md §1).
_POINTS_SUFFIX = re.compile(r"[(（]\s*[0-9]+(?:\.[0-9]+)?\s*分\s*[)）]$")
_SPACES = re.compile(r"\s+")


# Cached for speed: scoring looks up every indicator's first level (twice), and a year's
# tables only use a handful of labels; the key depends on the string alone.
@lru_cache(maxsize=1024)
def level_key(label: str) -> str:
    """What identifies a first-level label: no spaces, no "(50分)", no trailing 指标."""
    s = _SPACES.sub("", unicodedata.normalize("NFKC", label or ""))
    s = _POINTS_SUFFIX.sub("", s)
    return s.removesuffix("指标") or s


def _grade_bands(bands: object) -> tuple[tuple[Decimal, str], ...]:
    try:
        pairs = [(cut, grade) for cut, grade in bands]  # type: ignore[union-attr]
    except (TypeError, ValueError):
        raise ValueError("评价等级应为“分数线, 等级”的列表") from None
    if not pairs:
        raise ValueError("评价等级不能为空")
    result = []
    for cut, grade in pairs:
        if not isinstance(grade, str) or not grade.strip():
            raise ValueError("评价等级名称不能为空")
        cut = _number(cut, f"等级“{grade.strip()}”的分数线")
        if not 0 <= cut <= HUNDRED:
            raise ValueError(f"等级“{grade.strip()}”的分数线应在 0–100 之间")
        result.append((cut, grade.strip()))
    cuts = [cut for cut, _ in result]
    if any(a <= b for a, b in zip(cuts, cuts[1:])):
        raise ValueError("评价等级的分数线应从高到低排列，且不能重复")
    if cuts[-1] != 0:
        raise ValueError("最低一档评价等级的分数线应为 0，使每个总分都有等级")
    if len({grade for _, grade in result}) != len(result):
        raise ValueError("评价等级名称不能重复")
    return tuple(result)


def _points(value: object, label: str) -> Decimal:
    points = _number(value, label)
    if points < 0:
        raise ValueError(f"{label}不能为负数")
    if points > HUNDRED:
        raise ValueError(f"{label}不能超过 100")
    if points != points.quantize(Decimal("0.01")):
        raise ValueError(f"{label}最多两位小数")
    return points


def _number(value: object, label: str) -> Decimal:
    """A Decimal from what JSON or a form gives: Decimal, int, str, or a float read as typed."""
    if isinstance(value, bool):
        raise ValueError(f"{label}应为数字")
    if isinstance(value, float):
        value = repr(value)  # JSON gives 12.5 as a float; its repr is what was stored
    if isinstance(value, str):
        value = value.strip()
    try:
        number = Decimal(value)  # type: ignore[arg-type]
    except (InvalidOperation, TypeError, ValueError):
        raise ValueError(f"{label}应为数字") from None
    if not number.is_finite():
        raise ValueError(f"{label}应为数字")
    return number


def grade_for(total: Decimal, settings: ScoringSettings = ScoringSettings()) -> str:
    """评价等级 of a total: the grade of the highest cut-off the total reaches (docs/rules/scoring.md §10)."""
    for cut, grade in settings.grade_bands:
        if total >= cut:
            return grade
    return settings.grade_bands[-1][1]  # unreachable for totals ≥ 0: the last cut-off is 0
