"""Does `kpi check-selfeval` reproduce real published 自评表, read back from their official layout?

The same eight tables as tests/domain/test_published_scores.py, each written into a workbook in
the official layout (title, 预算执行 block where published, grid, 总分), read by the re-check's
reader and scored under the table's preset: every row the rules reproduce gives its published
得分, every word actual needs a judgement, and each publisher's own judgement differs as listed.
"""

from __future__ import annotations

import json

import pytest

from kpi.domain.scoring_presets import preset
from kpi.recheck.compare import check_table
from kpi.recheck.reader import read_self_evaluation
from tests.domain.test_published_scores import PUBLISHED, TABLES
from tests.recheck.test_check_selfeval import official_form


def money_row(table: dict) -> list | None:
    block = table.get("budget") or {}
    total = next((row for row in block.get("rows", []) if "资金总额" in row[0]), None)
    return None if total is None else [total[0], None, *total[1:]]


@pytest.mark.parametrize("spec", TABLES, ids=lambda spec: spec.file[:2])
def test_each_published_table_is_reproduced_under_its_preset(tmp_path, spec):
    table = json.loads((PUBLISHED / spec.file).read_text(encoding="utf-8"))
    table = {**table, "total": table.get("total") or {}}
    [read] = read_self_evaluation(official_form(tmp_path, table, money=money_row(table)))
    check = check_table(read, preset(spec.preset_name))
    checked = 0
    for row in check.rows:
        if row.published_score is None:
            continue
        if row.name in spec.words:
            assert row.computed_score is None and "人工判断" in row.working, row.name
        elif row.name in spec.judgements:
            assert row.computed_score == spec.judgements[row.name][0], row.name
            assert row.differs, row.name
        else:
            assert row.computed_score == row.published_score, (row.name, row.working)
        checked += 1
    assert checked > 0
