"""The 一级/二级 of a row whose published form left them out (docs/rules/targets.md §8).

A printed table merges its level cells, so they read blank below their first row and carry down
from the row above. Three things a carried level cannot tell, a standard 二级 can:
- a satisfaction block with no 二级 at all takes the standard label 服务对象满意度指标;
- a first level printed as its points only ("(50分)") or not at all is the standard 一级 of the
  row's standard 二级;
- a blank 一级 cell under a 二级 of the other output/benefit family starts that family: the
  社会效益 rows after the 产出 rows of a table that prints no 一级 on them are 效益指标, never
  产出指标. Satisfaction is left under whatever 一级 carries it, since older forms file
  服务对象满意度指标 under 效益指标 themselves.
Each decision is a note the dry run prints.
"""

from __future__ import annotations

from typing import NamedTuple

STANDARD_LEVEL2 = {  # a first level with one standard 二级
    "满意度指标": "服务对象满意度指标",
    "满意度": "服务对象满意度指标",
}

OUTPUT, BENEFIT, SATISFACTION = "产出指标", "效益指标", "满意度指标"
STANDARD_LEVEL1 = {
    **dict.fromkeys(("数量指标", "质量指标", "时效指标", "成本指标"), OUTPUT),
    **dict.fromkeys(("经济效益指标", "社会效益指标", "生态效益指标", "可持续影响指标"), BENEFIT),
    **dict.fromkeys(("服务对象满意度指标", "社会公众或服务对象满意度指标"), SATISFACTION),
}
_FAMILIES = {OUTPUT, BENEFIT}  # a 二级 of one never sits under the other


def standard_level1(level2: str) -> str | None:
    """The standard 一级 of a standard 二级, printed with or without 指标 (社会效益, 社会效益指标)."""
    label = level2.strip()
    return STANDARD_LEVEL1.get(label) or (None if label.endswith("指标") else STANDARD_LEVEL1.get(label + "指标"))


class Levels(NamedTuple):
    level1: str
    level2: str
    notes: tuple[str, ...]


def row_levels(level1: str, level2: str, *, printed: bool) -> Levels:
    """The levels of one row: ``level1``/``level2`` as carried down, ``printed`` when the row's own
    一级 cell holds a label."""
    notes: tuple[str, ...] = ()
    standard = standard_level1(level2) if level2 else None
    if not level1 and standard:
        level1 = standard
        notes = (f"一级指标为空，按二级指标“{level2}”的标准一级“{level1}”读取",)
    elif not printed and standard in _FAMILIES and level1 in _FAMILIES and standard != level1:
        notes = (f"一级指标为空，二级指标“{level2}”不属于上方的“{level1}”，按其标准一级“{standard}”读取",)
        level1 = standard
    if not level2 and level1 in STANDARD_LEVEL2:
        level2 = STANDARD_LEVEL2[level1]
        notes = (*notes, f"二级指标为空（表中合并单元格），按标准名称“{level2}”读取")
    return Levels(level1, level2, notes)
