"""Named scoring schemes (计分方案, docs/rules/scoring.md §15): the ways published tables score.

``preset("whole-points")`` gives the ScoringSettings of a scheme; ``PRESETS`` keeps, for each
name, its Chinese title and what it applies, for an admin to choose from. A preset is a
starting point: the year's settings may still change any value. Pure: no I/O.
"""

from collections.abc import Mapping
from decimal import Decimal
from types import MappingProxyType
from typing import NamedTuple

from kpi.domain.scoring_settings import ScoringSettings


class Preset(NamedTuple):
    title: str  # 中文名称, as the settings page shows it
    description: str  # the rules it applies, in Chinese
    settings: ScoringSettings


# 产出 70, 效益 20, 满意度 10: the level points of the one published table that leaves the budget
# out of 总分 (tests/data/published/21); used only for rows printed without 分值.
_OUTSIDE_LEVELS = {"产出指标": Decimal(70), "效益指标": Decimal(20), "满意度指标": Decimal(10)}
# Hubei: 预算执行 20 and 80 for the indicators; the form's two 年度绩效目标 blocks of 40 are not a
# level the engine knows, so the printed 分值 carry them, and rows without 分值 fall back to
# first levels 40 / 30 / 10 (docs/rules/scoring.md §15).
_HUBEI_LEVELS = {"产出指标": Decimal(40), "效益指标": Decimal(30), "满意度指标": Decimal(10)}

PRESETS: Mapping[str, Preset] = MappingProxyType(
    {
        "default": Preset(
            "默认（财预〔2020〕10号）",
            "预算执行 10 分计入总分；产出 50、效益 30、满意度 10，一级指标内平分或按单位设定分值；"
            "得分保留 2 位小数；满意度对照目标计分；反向指标线性扣分",
            ScoringSettings(),
        ),
        "printed-points": Preset(
            "按表列分值",
            "预算执行 10 分计入总分；各指标按表中列示的分值计分，不按一级指标分值调整；得分保留 2 位小数",
            ScoringSettings(weights="printed"),
        ),
        "budget-outside-total": Preset(
            "预算执行不计入总分",
            "预算执行得分单列，不计入总分；各指标按表中列示的分值计分，合计 100 分"
            "（未列分值时按产出 70、效益 20、满意度 10 分配）",
            ScoringSettings(budget_mode="shown", level_points=_OUTSIDE_LEVELS, weights="printed"),
        ),
        "whole-points": Preset(
            "得分取整",
            "预算执行 10 分计入总分；各指标按表中列示的分值计分；得分四舍五入取整（执行率 86.2% × 10 分 = 9 分）",
            ScoringSettings(weights="printed", rounding=0),
        ),
        "satisfaction-share": Preset(
            "满意度按比例计分",
            "同默认方案，但满意度指标按 分值 × 满意度 计分（满意度 95%、分值 10 分得 9.5 分），不论目标值",
            ScoringSettings(satisfaction_rule="share"),
        ),
        "hubei": Preset(
            "湖北样式",
            "预算执行 20 分计入总分；两个年度绩效目标各 40 分由表中列示的分值体现，按表列分值计分"
            "（未列分值时按产出 40、效益 30、满意度 10 分配）；得分保留 2 位小数",
            ScoringSettings(budget_points=Decimal(20), level_points=_HUBEI_LEVELS, weights="printed"),
        ),
    }
)
PRESET_NAMES: tuple[str, ...] = tuple(PRESETS)  # the order above: the default first


def preset(name: str) -> ScoringSettings:
    """The settings of a named scheme; ValueError in Chinese, listing the names, for another."""
    found = PRESETS.get(name) if isinstance(name, str) else None
    if found is None:
        raise ValueError(f"未知的计分方案：{name}（可选：{'、'.join(PRESET_NAMES)}）")
    return found.settings


def preset_label(name: str) -> str:
    """How a person reads a scheme's name: its Chinese title, with the name the CLI takes
    (按表列分值（printed-points）); an unknown name as it is."""
    found = PRESETS.get(name) if isinstance(name, str) else None
    return f"{found.title}（{name}）" if found is not None else str(name)
