"""The levels of a row whose form left them out (kpi/indicators/table_levels.py)."""

from __future__ import annotations

import pytest

from kpi.indicators.table_levels import row_levels, standard_level1


@pytest.mark.parametrize(
    ("carried", "level2", "printed", "expected"),
    [
        ("产出指标", "社会效益", False, "效益指标"),  # 37: the 社会效益 rows print no 一级
        ("产出指标", "社会效益指标", False, "效益指标"),
        ("效益指标", "数量指标", False, "产出指标"),
        ("产出指标", "可持续影响指标", False, "效益指标"),
        ("产出指标", "成本指标", False, "产出指标"),  # 成本 is an output 二级
        ("效益指标", "服务对象满意度指标", False, "效益指标"),  # 16, 22: older forms file it there
        ("效果指标", "社会效益指标", False, "效果指标"),  # 19: the publisher's own first levels
        ("项目完成指标", "数量指标", False, "项目完成指标"),
        ("成本指标", "经济成本指标", False, "成本指标"),  # 14, 20: 成本 as a first level
        ("产出指标", "社会效益指标", True, "产出指标"),  # printed on the row: the publisher said so
        ("", "时效指标", False, "产出指标"),  # 30, 31: no 一级 at all
        ("", "社会效益", False, "效益指标"),
        ("", "其他指标", False, ""),
    ],
)
def test_a_blank_first_level_is_read_from_the_rows_standard_second_level(carried, level2, printed, expected):
    levels = row_levels(carried, level2, printed=printed)
    assert (levels.level1, levels.level2) == (expected, level2)
    assert bool(levels.notes) == (expected != carried)  # every decision is said


def test_a_satisfaction_block_without_a_second_level_takes_the_standard_label():
    levels = row_levels("满意度指标", "", printed=False)
    assert levels.level2 == "服务对象满意度指标" and "合并单元格" in levels.notes[0]


@pytest.mark.parametrize(
    ("level2", "level1"),
    [("数量", "产出指标"), ("生态效益", "效益指标"), ("满意度指标", None), ("社会效益指标指标", None), ("", None)],
)
def test_standard_first_levels_with_or_without_the_suffix(level2, level1):
    assert standard_level1(level2) == level1
