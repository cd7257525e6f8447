"""The 绩效自评 workbook (docs/rules/scoring.md §11, docs/rules/layouts.md §2) in the house style of kpi.reports.style.

Sheet 1 is the 部门（单位）整体支出绩效自评表, then one 项目支出绩效自评表 per project with
indicators of its own, then 计分说明 with the working of every score. Each 自评表 has, in eight
columns (A–H): the merged title and "（YYYY年度）", the house header line (单位名称, 年度,
金额单位：万元), 项目名称/主管部门/实施单位 (单位名称/主管部门 for the unit), the money block,
年度总体目标 (预期目标 | 实际完成情况), the indicator grid with merged 一级/二级 cells, and a last
row 总分 with the total under 得分 and the 评价等级 beside it. Rows 1–13 are always the same
cells (tests/evaluation/golden pins them); the grid starts on row 14.

Numbers are real numbers with number formats (分值/得分 0.00, 执行率 0.00%, money #,##0.00);
user text is always stored as text, as ``style.write_text`` stores it. Each cell is decided as a
``style.Styled`` and written with ``style.put``; ranges are merged by openpyxl's ``merge_cells``.
The builder computes nothing: every figure, score and working comes from the EvaluationResult,
so from kpi.domain.scoring.
"""

from __future__ import annotations

import re
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Alignment
from openpyxl.worksheet.worksheet import Worksheet

from kpi.core.text import clean_text
from kpi.domain.aggregation import Aggregation
from kpi.domain.entries import BAND_LABELS
from kpi.domain.numbers import plain_number
from kpi.evaluation.result import EvaluationResult, EvaluationTable, ScoredIndicator
from kpi.indicators.service import group_by_level
from kpi.reports import pages, sizing, style
from kpi.reports.style import Styled
from kpi.workflow.history import sign_off

UNIT_SHEET = "部门（单位）整体支出绩效自评表"
PROJECT_SHEET = "项目支出绩效自评表"
NOTES_SHEET = "计分说明"
MONEY_HEADERS = ["年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"]
GRID_HEADERS = [
    "一级指标",
    "二级指标",
    "三级指标",
    "年度指标值",
    "实际完成值",
    "分值",
    "得分",
    "偏差原因分析及改进措施",
]
NOTES_HEADERS = ["自评表", "行号", "一级指标", "三级指标", "计分规则", "分值", "得分", "计分依据"]
WIDTH = len(GRID_HEADERS)
MONEY_ROW, GOAL_ROW, GRID_HEADER_ROW = 6, 11, 13
SCORE_FORMAT = "0.00"
RULE_LABELS = {
    "positive": "正向指标",
    "reverse": "反向指标",
    "qualitative": "定性指标",
    "deadline": "时效指标（按期完成）",
    "budget": "预算类指标",
    "missing": "缺少数据",
    "execution": "预算执行率",
    "satisfaction": "满意度（分值 × 满意度）",
}
REVERSE_LABELS = {
    "linear": "线性扣分：分值 × max(0, 1 − (实际 − 目标) ÷ 目标)",
    "ratio": "分值 × 目标 ÷ 实际",
    "zero": "超出目标即计 0 分",
}
BUDGET_MODE_TEXT = {"counted": "计入总分", "shown": "单列，不计入总分", "none": "不设预算执行"}
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
_WIDTHS = {"A": 12, "B": 16, "C": 30, "D": 16, "E": 16, "H": 40}
_CENTRED = Alignment(horizontal="center", vertical="center")


def workbook_name(result: EvaluationResult) -> str:
    return f"{result.unit.name}-{result.year.year}年绩效自评表.xlsx"


def build_self_evaluation_workbook(result: EvaluationResult) -> bytes:
    """The unit's 绩效自评 workbook as .xlsx bytes."""
    wb = Workbook()
    style.add_styles(wb)
    wb.remove(wb.active)
    names = sheet_names(result)
    placed: list[tuple[str, EvaluationTable, dict[int, int], int]] = []
    for table, name in zip(result.tables, names):
        rows = _table_sheet(wb.create_sheet(name), result, table)
        placed.append((name, table, rows, MONEY_ROW + 1))
    _notes_sheet(wb.create_sheet(NOTES_SHEET), result, placed)
    wb.properties.title = clean_text(
        f"{result.unit.name} {result.year.year}年绩效自评表"
    )  # a unit name is text from outside
    wb.properties.creator = "预算绩效指标跟踪系统"
    return style.workbook_bytes(wb)


def sheet_names(result: EvaluationResult) -> list[str]:
    """Sheet names in table order: at most 31 characters, no []:*?/\\, all different."""
    names: list[str] = []
    for table in result.tables:
        base = UNIT_SHEET if table.is_unit else f"{PROJECT_SHEET}-{_BAD_SHEET_CHARS.sub('_', table.title)}"
        name, n = base[:31], 1
        while name in names or name == NOTES_SHEET:
            n += 1
            name = f"{base[: 31 - len(str(n)) - 2]}({n})"
        names.append(name)
    return names


def _table_sheet(ws: Worksheet, result: EvaluationResult, table: EvaluationTable) -> dict[int, int]:
    """Write one 自评表; returns the sheet row of each indicator (by id)."""
    style.write_title(ws, UNIT_SHEET if table.is_unit else PROJECT_SHEET, WIDTH)
    _merge(ws, 2, 1, 2, WIDTH, Styled(f"（{result.year.year}年度）", style.SUBTITLE, alignment=_CENTRED))
    style.write_header_lines(ws, result.unit.name, result.year.year, width_cols=WIDTH, row=3)
    parent = result.parent.name if result.parent else ""
    if table.is_unit:
        _label_value(ws, 4, [("单位名称", result.unit.name, WIDTH)])
        _label_value(ws, 5, [("主管部门", parent, WIDTH)])
    else:
        _label_value(ws, 4, [("项目名称", table.title, WIDTH)])
        _label_value(ws, 5, [("主管部门", parent, 4), ("实施单位", result.unit.name, WIDTH)])
    _money_block(ws, table)
    _goal_block(ws, table)
    _header_row(ws, GRID_HEADER_ROW, GRID_HEADERS)
    rows = _grid(ws, GRID_HEADER_ROW + 1, table)
    _total_row(ws, GRID_HEADER_ROW + 1 + len(table.rows), table)
    signed = sign_off(result.history)
    style.write_sign_off(
        ws,
        GRID_HEADER_ROW + 3 + len(table.rows),
        WIDTH,
        signed.filed_by,
        signed.filed_on,
        signed.approved_by,
        signed.approved_on,
    )
    sizing.fit_columns(ws, 8, 40, skip_rows=3)
    for column, preferred in _WIDTHS.items():
        ws.column_dimensions[column].width = max(ws.column_dimensions[column].width or 0, preferred)
    sizing.fit_rows(ws, 4)
    style.setup_print(ws, GRID_HEADER_ROW, repeat_from=GRID_HEADER_ROW)
    pages.break_pages(
        ws, GRID_HEADER_ROW, repeat_from=GRID_HEADER_ROW, closing_from=GRID_HEADER_ROW + 1 + len(table.rows)
    )
    return rows


def _text(value, cell_style: str = style.TEXT) -> Styled:
    """User or label text, as ``style.write_text`` stores it (None: an empty cell)."""
    return Styled("" if value is None else str(value), cell_style)


def _put_row(ws: Worksheet, row: int, first_column: int, cells: list[Styled]) -> None:
    for column, styled in enumerate(cells, start=first_column):
        style.put(ws.cell(row=row, column=column), styled)


def _merge(ws: Worksheet, row: int, column: int, last_row: int, last_column: int, styled: Styled) -> None:
    """The value and look of ``styled`` in a range, merged when it is more than one cell (the
    first cell is written first: openpyxl gives the range's edges its borders)."""
    style.put(ws.cell(row=row, column=column), styled)
    if (last_row, last_column) != (row, column):
        ws.merge_cells(start_row=row, start_column=column, end_row=last_row, end_column=last_column)


def _header_row(ws: Worksheet, row: int, labels: list[str], first_column: int = 1) -> None:
    _put_row(ws, row, first_column, [_text(label, style.HEADER) for label in labels])


def _label_value(ws: Worksheet, row: int, pairs: list[tuple[str, str, int]]) -> None:
    """Label cells followed by merged value cells: (label, value, last column of the value)."""
    column = 1
    for label, value, last in pairs:
        style.put(ws.cell(row=row, column=column), _text(label, style.HEADER))
        _merge(ws, row, column + 1, row, last, _text(value))
        column = last + 1


def _money_block(ws: Worksheet, table: EvaluationTable) -> None:
    label = "部门（单位）资金（万元）" if table.is_unit else "项目资金（万元）"
    _merge(ws, MONEY_ROW, 1, MONEY_ROW + len(table.money), 1, _text(label, style.HEADER))
    _header_row(ws, MONEY_ROW, ["资金类别", *MONEY_HEADERS], first_column=2)
    for offset, money in enumerate(table.money, start=1):
        rate = None if money.execution_rate is None else money.execution_rate / 100
        _put_row(
            ws,
            MONEY_ROW + offset,
            2,
            [
                _text(money.label),
                Styled(money.initial, style.MONEY),
                Styled(money.full_year, style.MONEY),
                Styled(money.spent, style.MONEY),
                _score(money.points),
                Styled(rate, style.PERCENT),
                _score(money.score),
            ],
        )


def _goal_block(ws: Worksheet, table: EvaluationTable) -> None:
    _merge(ws, GOAL_ROW, 1, GOAL_ROW + 1, 1, _text("年度总体目标", style.HEADER))
    _merge(ws, GOAL_ROW, 2, GOAL_ROW, 5, _text("预期目标", style.HEADER))
    _merge(ws, GOAL_ROW, 6, GOAL_ROW, WIDTH, _text("实际完成情况", style.HEADER))
    _merge(ws, GOAL_ROW + 1, 2, GOAL_ROW + 1, 5, _text(table.goal))
    _merge(ws, GOAL_ROW + 1, 6, GOAL_ROW + 1, WIDTH, _text(table.goal_actual))
    longest = max(len(table.goal or ""), len(table.goal_actual or ""))
    ws.row_dimensions[GOAL_ROW + 1].height = min(max(30, 15 * (longest // 40 + 1) + 6), 300)


def _grid(ws: Worksheet, row: int, table: EvaluationTable) -> dict[int, int]:
    by_id = {scored.indicator.id: scored for scored in table.rows}
    placed = {}
    for level1, level2_groups in group_by_level([scored.indicator for scored in table.rows]):
        level1_start = row
        for level2, indicators in level2_groups:
            level2_start = row
            for indicator in indicators:
                _indicator_row(ws, row, by_id[indicator.id])
                placed[indicator.id] = row
                row += 1
            _merge(ws, level2_start, 2, row - 1, 2, _text(level2))
        _merge(ws, level1_start, 1, row - 1, 1, _text(level1))
    return placed


def _indicator_row(ws: Worksheet, row: int, scored: ScoredIndicator) -> None:
    indicator = scored.indicator
    _put_row(
        ws,
        row,
        3,
        [
            _text(indicator.name),
            _text(indicator.target_text),
            _actual(scored),
            _score(scored.score.points),
            _score(scored.score.score),
            _text(scored.explanation),
        ],
    )


def _actual(scored: ScoredIndicator) -> Styled:
    """实际完成值: a real number with the indicator's unit in its format, a band or a date."""
    indicator, actual = scored.indicator, scored.actual
    aggregation = indicator.aggregation
    if aggregation == Aggregation.QUALITATIVE:
        return _text(BAND_LABELS[actual.band] if actual.band else "尚未评价")
    if aggregation == Aggregation.DEADLINE:
        return _text("尚未完成") if actual.achieved_on is None else Styled(actual.achieved_on, style.DATE)
    if actual.value is None:
        return _text("未填报")
    if aggregation == Aggregation.BUDGET:
        return Styled(actual.value, style.MONEY)
    unit = "%" if aggregation == Aggregation.RATE else (indicator.unit or "")
    base = "#,##0.00" if aggregation == Aggregation.RATE else style.number_format_for(actual.value)
    unit = unit.replace('"', "").strip()
    return Styled(actual.value, style.NUMBER, f'{base}"{unit}"' if unit else base)  # a quoted unit keeps it a number


def _score(value: Decimal | None) -> Styled:
    return Styled(value, style.NUMBER, SCORE_FORMAT)


def _total_row(ws: Worksheet, row: int, table: EvaluationTable) -> None:
    evaluation = table.evaluation
    _merge(ws, row, 1, row, 5, _text("总分", style.HEADER))
    _put_row(
        ws,
        row,
        6,
        [
            _score(
                (evaluation.budget.points if evaluation.budget.counted else Decimal(0))
                + sum(evaluation.level_points.values(), Decimal(0))
            ),
            _score(evaluation.total),
            _text(f"评价等级：{evaluation.grade}", style.HEADER),
        ],
    )


def _settings_line(settings, levels: str) -> str:
    """计分设置 as a sentence: the budget's points and whether they count, the level weights."""
    mode = getattr(settings, "budget_mode", "counted")
    if mode == "none":
        return f"计分设置：不设预算执行；{levels}（合计 100 分）"
    budget = f"预算执行 {plain_number(settings.budget_points)} 分（{BUDGET_MODE_TEXT.get(mode, mode)}）"
    return f"计分设置：{budget}；{levels}（合计 100 分）"


def _notes_sheet(ws: Worksheet, result: EvaluationResult, placed) -> None:
    """计分说明: the settings, then every score's working, then how the 分值 were allocated."""
    style.write_title(ws, f"绩效自评计分说明（{result.year.year}年度）", WIDTH)
    row = style.write_header_lines(ws, result.unit.name, result.year.year, width_cols=WIDTH)
    settings = result.settings
    levels = "，".join(f"{name} {plain_number(points)}" for name, points in settings.level_points.items())
    grades = "，".join(grade_texts(settings.grade_bands))
    lines = [
        _settings_line(settings, levels),
        f"评价等级：{grades}",
        (
            f"反向指标超出目标时：{REVERSE_LABELS[settings.reverse_rule]}；完成率达到 "
            f"{plain_number(settings.over_completion_at)}% 及以上须说明超额原因"
        ),
        "定性指标三档：达成年度指标 80%–100%，部分达成年度指标并具有一定效果 60%–80%，未达成年度指标且效果较差 0–60%（含下限）",
    ]
    if result.settings_warning:
        lines.append(result.settings_warning)
    if result.basis_notice:
        lines.append(result.basis_notice)
    for text in lines:
        _merge(ws, row, 1, row, WIDTH, _text(text, style.SUBTITLE))
        row += 1
    header_row = row
    _header_row(ws, header_row, NOTES_HEADERS)
    row += 1
    for name, table, rows, money_row in placed:
        budget = table.evaluation.budget
        row = _note_row(
            ws,
            row,
            [name, money_row, "", "年度资金总额", RULE_LABELS["execution"]],
            budget.points,
            budget.score,
            budget.working,
        )
        for scored in table.rows:
            score = scored.score
            indicator = scored.indicator
            rule = RULE_LABELS.get(score.rule, score.rule)
            texts = [name, rows[indicator.id], indicator.level1, indicator.name, rule]
            row = _note_row(ws, row, texts, score.points, score.score, score.working)
        for note in table.evaluation.notes:
            row = _note_row(ws, row, [name, None, "", "", "分值分配"], None, None, note)
    sizing.fit_columns(ws, 6, 60, skip_rows=header_row - 1)
    ws.column_dimensions["H"].width = 60
    sizing.fit_rows(ws, header_row + 1)
    style.setup_print(ws, header_row, repeat_from=header_row)


def _note_row(ws: Worksheet, row: int, texts: list, points: Decimal | None, score: Decimal | None, working: str) -> int:
    cells = [Styled(value, style.NUMBER, "0") if isinstance(value, int) else _text(value) for value in texts]  # 行号
    _put_row(ws, row, 1, [*cells, _score(points), _score(score), _text(working)])
    return row + 1


def grade_texts(bands) -> list[str]:
    """ "优 ≥ 90", …, "差 < 60": each grade with its cut-off, the lowest below the one above it."""
    texts, above = [], None
    for cut, grade in bands:
        texts.append(
            f"{grade} ≥ {plain_number(cut)}" if cut > 0 or above is None else f"{grade} < {plain_number(above)}"
        )
        above = cut
    return texts
