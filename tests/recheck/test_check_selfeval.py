"""Does `kpi check-selfeval` re-check a filled-in 自评表: read every block, score afresh, compare, fail clearly?"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlmodel import Session

from kpi import db
from kpi.budget import service as budget
from kpi.evaluation.service import evaluate, export_result
from kpi.evaluation.workbook import GRID_HEADERS
from kpi.recheck.compare import check_table
from kpi.recheck.reader import ReadError, read_self_evaluation
from kpi.reports import style
from tests.evaluation.gen import UNIT, YEAR, import_a_year

PUBLISHED = Path(__file__).resolve().parents[1] / "data" / "published"


def published(number: str) -> dict:
    return json.loads(next(PUBLISHED.glob(f"{number}-*.json")).read_text(encoding="utf-8"))


def official_form(tmp_path: Path, table: dict, *, money: list | None = None) -> Path:
    """The published rows in the official layout: title, year, (money block), grid, 总分."""
    wb = Workbook()
    ws = wb.active
    ws.append([table["form"]])
    ws.append([f"（{table['year']}年度）"])
    ws.append([f"项目名称：{table['title']}"])
    if money:
        ws.append(["项目资金（万元）", "", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"])
        ws.append(money)
    ws.append(table["headers"])
    for row in table["rows"]:
        ws.append([None] * len(row))
        for column, value in enumerate(row, start=1):
            if value != "":  # as text, as the publisher typed it: "=8个" is not a formula
                style.write_text(ws.cell(row=ws.max_row, column=column), value)
    total = table.get("total") or {}
    width = len(table["headers"])
    points_at = next(i for i, label in enumerate(table["headers"]) if label in ("分值", "权重"))
    score_at = table["headers"].index("得分")
    last = [None] * width
    last[0], last[points_at], last[score_at] = "总分", total.get("points"), total.get("score")
    ws.append(last)
    path = tmp_path / f"{table['year']}-自评表.xlsx"
    wb.save(path)
    return path


def run(runner, *args):
    return runner.invoke(args=["kpi", "check-selfeval", *map(str, args)])


def test_a_yunnan_table_is_read_whole_and_scored_row_by_row(runner, tmp_path):
    table = published("11")  # 云南 永德县 2022: 指标性质 | 指标值 | 度量单位, 总分 100 / 96
    path = official_form(tmp_path, table)
    [read] = read_self_evaluation(path)
    assert read.year == 2022 and read.title.endswith("项目支出绩效自评表")
    assert [row.name for row in read.rows][:2] == ["学生受资助人数", "营养改善计划覆盖率"]
    assert read.rows[0].target_text == "≧735人次" and read.rows[0].points == 10
    assert read.rows[-1].level1 == "满意度指标"  # carried down from the merged cell
    assert (read.total_points, read.total_score) == (100, 96)
    check = check_table(read)
    rows = {row.name: row for row in check.rows}
    assert rows["学生受资助人数"].computed_score == Decimal("10.00") and not rows["学生受资助人数"].differs
    assert rows["减轻贫困学生家庭经济负担"].computed_score is None  # 有效: a judgement
    assert "人工判断" in rows["减轻贫困学生家庭经济负担"].working
    assert rows["资金到位及时率"].published_score == 7 and rows["资金到位及时率"].differs  # the publisher's own cut


def test_the_json_has_every_row_the_budget_and_both_totals(runner, tmp_path):
    path = official_form(tmp_path, published("11"))
    result = run(runner, path, "--json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert set(document) >= {"rows", "budget", "total"}
    first = document["rows"][0]
    assert set(first) >= {"name", "points", "target_text", "actual", "published_score", "computed_score", "working"}
    assert (first["name"], first["points"], first["published_score"], first["computed_score"]) == (
        "学生受资助人数",
        10,
        10,
        10,
    )
    judged = next(row for row in document["rows"] if row["name"] == "减轻贫困学生家庭经济负担")
    assert judged["computed_score"] is None and "人工判断" in judged["working"]
    assert document["total"]["published"] == 96 and document["budget"]["computed"] is None


def test_the_printed_check_names_its_scheme_in_words(runner, tmp_path):
    first = run(runner, official_form(tmp_path, published("11"))).output.splitlines()[0]
    assert "计分方案：按表列分值（printed-points）" in first


def test_an_actual_written_with_an_operator_counts_as_its_number_with_a_note(runner, tmp_path):
    table = {
        "form": "项目支出绩效自评表",
        "year": 2022,
        "title": "水表池",
        "headers": GRID_HEADERS,  # the official grid, as kpi.evaluation writes it
        "rows": [["产出指标", "数量指标", "新建管网长度", "≥266米", "≥266米", "20", "20", ""]],
        "total": {"points": "20", "score": "20"},
    }
    [read] = read_self_evaluation(official_form(tmp_path, table))
    [row] = check_table(read).rows
    assert row.computed_score == 20 and "按数值 266 计" in row.working


def test_our_own_self_evaluation_workbook_reads_back_to_its_own_scores(app, tmp_path):
    """The workbook kpi.evaluation writes is the official form: re-checked under the default
    scheme, every rule-scored row gives the score printed in it."""
    import_a_year(app, tmp_path)
    with app.app_context(), Session(db.engine(), expire_on_commit=False) as session:
        result = evaluate(session, budget.get_unit(session, UNIT), budget.get_year(session, YEAR))
        path = tmp_path / "ours.xlsx"
        path.write_bytes(export_result(result, tmp_path / "exports").data)
    tables = read_self_evaluation(path)
    assert len(tables) == len(result.tables)
    unit = check_table(tables[0])
    assert unit.table.year == YEAR and len(unit.rows) == len(result.unit_table.rows)
    assert unit.budget_published == unit.budget_computed
    differing = [(row.name, row.published_score, row.computed_score) for row in unit.rows if row.differs]
    assert not differing


def test_list_presets_prints_one_name_per_line(runner):
    from kpi.domain.scoring_presets import PRESET_NAMES

    result = run(runner, "--list-presets")
    assert result.exit_code == 0 and result.output.splitlines() == list(PRESET_NAMES)


def test_a_preset_decides_how_the_same_table_is_scored(runner, tmp_path):
    path = official_form(tmp_path, published("11"))
    by_default = json.loads(run(runner, path, "--json").output)
    levels = json.loads(run(runner, path, "--json", "--preset", "default").output)
    assert by_default["preset"] == "printed-points" and levels["preset"] == "default"
    first = [row["computed_score"] for row in (by_default["rows"][0], levels["rows"][0])]
    assert first == [10, 12.5]  # printed 分值 10, or 产出指标's 50 points over its four rows


@pytest.mark.parametrize(
    "rows, message",
    [
        ([["只有标题"]], "未找到自评表的指标表"),
        (
            [["三级指标", "年度指标值", "分值", "得分"], ["培训场次", "12场", "十", "10"]],
            "第 2 行（分值，C列）：“十”不是数字",
        ),
    ],
)
def test_a_file_that_cannot_be_read_exits_1_naming_the_row_and_column(runner, tmp_path, rows, message):
    wb = Workbook()
    for row in rows:
        wb.active.append(row)
    path = tmp_path / "坏表.xlsx"
    wb.save(path)
    with pytest.raises(ReadError):
        read_self_evaluation(path)
    result = run(runner, path)
    assert result.exit_code == 1 and message in result.output


def test_not_an_xlsx_and_no_file_and_an_unknown_preset_are_refused_in_chinese(runner, tmp_path):
    text = tmp_path / "x.xlsx"
    text.write_bytes(b"not a zip")
    assert run(runner, text).exit_code == 1
    assert "文件不存在" in run(runner, tmp_path / "missing.xlsx").output
    assert "未知的计分方案" in run(runner, text, "--preset", "nope").output
