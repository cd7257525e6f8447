"""Is the self-evaluation workbook's layout (labels, positions, merges) still the pinned one?

A failure means the layout changed. If that was deliberate, regenerate the golden file with
`.venv/bin/python -m tests.evaluation.golden` and review its diff in the commit.
"""

from __future__ import annotations

import io
import json

from openpyxl import load_workbook

from tests.evaluation.golden import GOLDEN, layout, seed_workbook


def test_the_unit_sheet_layout_matches_the_golden_file(sqlite_url):
    expected = json.loads(GOLDEN.read_text(encoding="utf-8"))
    actual = layout(seed_workbook(sqlite_url))
    assert actual["sheets"] == expected["sheets"]
    for key in ("freeze_panes", "print_title_rows", "orientation", "merged"):
        assert actual["unit_sheet"][key] == expected["unit_sheet"][key], key
    assert actual["unit_sheet"]["cells"] == expected["unit_sheet"]["cells"]


def test_the_golden_file_pins_the_published_labels():
    cells = json.loads(GOLDEN.read_text(encoding="utf-8"))["unit_sheet"]["cells"]
    assert cells["A1"] == "部门（单位）整体支出绩效自评表" and cells["A2"] == "（2023年度）"
    assert [cells[f"{c}13"] for c in "ABCDEFGH"] == [
        "一级指标",
        "二级指标",
        "三级指标",
        "年度指标值",
        "实际完成值",
        "分值",
        "得分",
        "偏差原因分析及改进措施",
    ]
    assert "总分" in cells.values()


def test_merged_cells_keep_the_borders_of_their_edges(sqlite_url):
    """openpyxl's merge_cells gives a merged range's edges the first cell's borders: the printed
    form keeps its grid lines around 单位名称's merged value (B4:H4)."""
    ws = load_workbook(io.BytesIO(seed_workbook(sqlite_url))).worksheets[0]
    assert "B4:H4" in {str(merged) for merged in ws.merged_cells.ranges}
    assert ws["C4"].border.top.style == ws["C4"].border.bottom.style == "thin"
    assert ws["H4"].border.right.style == "thin"
    assert ws["A2"].alignment.horizontal == "center"
