"""`kpi import-results`: a file of results imports whole or not at all, and importing twice is once."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from openpyxl import Workbook
from sqlmodel import select

from kpi.audit.models import AuditEvent
from kpi.domain.entries import Band
from kpi.results.bulk_import import parse_period
from tests.results_excel.helpers import (
    BUDGET,
    COUNT,
    DEADLINE,
    LEVEL,
    QUALITATIVE,
    RATE,
    UNIT_NAME,
    line_named,
    move,
    quarter_sheet,
    store,
    stored_reports,
    unit_indicator,
)

HEADER = ["单位", "年度", "期间", "三级指标", "完成值", "说明"]
PERIODS = {1: "Q1", 2: "二季度", 3: "第三季度", 4: "4季度"}


def gen_results_xlsx(path, rows, spending=None, *, header=HEADER):
    wb = Workbook()
    ws = wb.active
    ws.title = "指标完成情况"
    ws.append(header)
    for row in rows:
        ws.append(row)
    if spending is not None:
        lines = wb.create_sheet("预算执行情况")
        lines.append(["单位", "年度", "期间", "项目", "执行数（万元）"])
        for row in spending:
            lines.append(row)
    wb.save(path)
    return path


def year_of_results(session):
    """Every unit-wide indicator in every quarter, as a unit would report them, plus budget execution.

    A unit-table row that is a project's indicator (同一指标) is reported on the project's row."""
    sheet = quarter_sheet(session)
    rows = []
    for quarter in range(1, 5):
        period = PERIODS[quarter]
        for indicator in sheet.indicators:
            if indicator.scope != "unit" or indicator.aggregation == "budget" or sheet.source_of(indicator):
                continue
            value = {
                "cumulative": quarter * 10,
                "level": 27,
                "qualitative": "达成",
                "rate": f"{quarter * 90}/{quarter * 100}" if quarter % 2 else "95%",
            }.get(indicator.aggregation)
            if indicator.aggregation == "deadline":
                if quarter < 4:
                    continue
                value = dt.datetime(2023, 12, 20)
            rows.append([UNIT_NAME, 2023, period, indicator.name, value, f"{period}填报"])
        rows.append([UNIT_NAME, "2023年", period, "办公场所维修次数", 1, None])  # only in a project's own table
    spending = [
        [UNIT_NAME, 2023, PERIODS[q], line.name, Decimal("10.5") * q] for q in range(1, 5) for line in sheet.lines
    ]
    return rows, spending


def run(cli, path, *extra):
    return cli.invoke(args=["kpi", "import-results", str(path), *extra])


def test_a_year_of_results_imports_and_a_second_import_changes_nothing(cli, db_session, tmp_path):
    rows, spending = year_of_results(db_session)
    path = gen_results_xlsx(tmp_path / "results.xlsx", rows, spending)
    first = run(cli, path)
    assert first.exit_code == 0, first.output
    assert f"{UNIT_NAME} 2023年一季度：修改" in first.output and f"{UNIT_NAME} 2023年四季度：修改" in first.output

    q4 = quarter_sheet(db_session, 4)
    assert q4.current(unit_indicator(q4, COUNT).id).value == 40
    assert q4.current(unit_indicator(q4, COUNT).id).note == "4季度填报"
    assert q4.current(unit_indicator(q4, LEVEL).id).value == 27
    assert q4.current(unit_indicator(q4, RATE).id).value == Decimal("95")
    q3_rate = quarter_sheet(db_session, 3).current(unit_indicator(q4, RATE).id)
    assert (q3_rate.numerator, q3_rate.denominator, q3_rate.value) == (270, 300, None)
    assert q4.current(unit_indicator(q4, QUALITATIVE).id).band is Band.ACHIEVED
    assert q4.current(unit_indicator(q4, DEADLINE).id).achieved_on == dt.date(2023, 12, 20)
    repair = next(i for i in q4.indicators if i.name == "办公场所维修次数")
    assert q4.current(repair.id).value == 1
    assert q4.spent(line_named(q4, "基本支出").id) == Decimal("42")
    assert db_session.exec(select(AuditEvent).where(AuditEvent.actor == "import")).first() is not None

    second = run(cli, path)
    assert second.exit_code == 0, second.output
    assert "重复导入：没有变化" in second.output
    assert "修改 0 处" in second.output


def test_a_row_sets_the_quarters_value_and_keeps_what_the_file_does_not_carry(cli, db_session, tmp_path):
    store(db_session, 1, {COUNT: {"value": "100", "note": "网上填写的说明"}})
    path = gen_results_xlsx(tmp_path / "r.xlsx", [[UNIT_NAME, 2023, "一季度", COUNT, 20, None]])
    assert run(cli, path).exit_code == 0
    sheet = quarter_sheet(db_session)
    entry = sheet.current(unit_indicator(sheet, COUNT).id)
    assert (entry.value, entry.note) == (Decimal("20"), "网上填写的说明")


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8-sig", "utf-8"])
def test_a_csv_in_any_encoding_chinese_excel_writes_imports(cli, db_session, tmp_path, encoding):
    text = "\r\n".join(
        [
            ",".join(HEADER),
            f"{UNIT_NAME},2023,第一季度,{COUNT},4500,按月汇总",
            f"{UNIT_NAME},2023,1季度,{RATE},450/900,",
            f"{UNIT_NAME},2023,Q1,{QUALITATIVE},部分达成,职工较满意",
            f"{UNIT_NAME},2023,q1,{DEADLINE},2023年3月31日,",
        ]
    )
    path = tmp_path / "results.csv"
    path.write_bytes(text.encode(encoding))
    result = run(cli, path)
    assert result.exit_code == 0, result.output
    assert f"{UNIT_NAME} 2023年一季度：修改 7 处" in result.output
    sheet = quarter_sheet(db_session)
    assert sheet.current(unit_indicator(sheet, COUNT).id).note == "按月汇总"
    assert sheet.current(unit_indicator(sheet, QUALITATIVE).id).band is Band.PARTIAL
    assert sheet.current(unit_indicator(sheet, DEADLINE).id).achieved_on == dt.date(2023, 3, 31)


def test_every_bad_row_is_listed_and_nothing_is_written(cli, db_session, tmp_path):
    rows = [
        [UNIT_NAME, 2023, "Q1", COUNT, 4500, None],  # row 2: fine
        [UNIT_NAME, 2023, "Q1", LEVEL, -5, None],  # row 3
        [UNIT_NAME, 2023, "Q1", QUALITATIVE, "很好", None],  # row 4
        [UNIT_NAME, 2023, "Q1", "不存在的指标", 1, None],  # row 5
        ["不存在的单位", 2023, "Q1", COUNT, 1, None],  # row 6
        [UNIT_NAME, 2023, "Q5", COUNT, 1, None],  # row 7
        [UNIT_NAME, 2023, "一季度", COUNT, 4600, None],  # row 8: the same indicator and quarter as row 2
        [UNIT_NAME, 2023, "Q1", BUDGET, 3, None],  # row 9
        [UNIT_NAME, 2023, "Q1", RATE, None, None],  # row 10
        [UNIT_NAME, 2023, "Q1", RATE, "900/450", None],  # row 11
    ]
    spending = [[UNIT_NAME, 2023, "Q1", "基本支出", "abc"], [UNIT_NAME, 2023, "Q1", "不存在的项目", 1]]
    result = run(cli, gen_results_xlsx(tmp_path / "bad.xlsx", rows, spending))
    assert result.exit_code == 1
    errors = result.stderr
    for expected in [
        "第 3 行（完成值）：不能为负数",
        "第 4 行（完成值）：请选择：达成 / 部分达成 / 未达成",
        "第 5 行（三级指标）：找不到指标“不存在的指标”",
        "第 6 行（单位）：单位不存在：不存在的单位",
        "第 7 行（期间）：期间“Q5”无法识别",
        "第 8 行（三级指标）：与第 2 行是同一指标同一期间，重复",
        "第 9 行（完成值）：预算类指标取自预算执行数，无需填写",
        "第 10 行（完成值）：不能为空",
        "第 11 行（完成值）：分子不能大于分母",
        "预算执行情况 第 2 行（执行数）：请输入数字",
        "预算执行情况 第 3 行（项目）：预算项目不存在：不存在的项目",
    ]:
        assert expected in errors, expected
    assert "有 11 处问题，未导入，未写入任何数据" in errors
    assert stored_reports(db_session) == 0


def test_a_locked_quarter_is_an_error_for_its_rows(cli, db_session, tmp_path):
    move(db_session, 1, "submit")
    rows = [[UNIT_NAME, 2023, "Q1", COUNT, 1, None], [UNIT_NAME, 2023, "Q2", COUNT, 2, None]]
    result = run(cli, gen_results_xlsx(tmp_path / "r.xlsx", rows))
    assert result.exit_code == 1
    assert f"第 2 行（期间）：{UNIT_NAME} 2023年一季度已送审，已锁定，不能导入" in result.stderr
    assert quarter_sheet(db_session, 2).report is None


def test_a_name_in_both_the_unit_wide_and_project_tables_means_the_unit_wide_one_unless_a_project_is_named(
    cli, db_session, tmp_path
):
    header = HEADER[:5] + ["项目"]
    rows = [
        [UNIT_NAME, 2023, "Q4", DEADLINE, "2023-12-01", None],
        [UNIT_NAME, 2023, "Q4", DEADLINE, "2023-11-01", "信息化类"],
    ]
    assert run(cli, gen_results_xlsx(tmp_path / "r.xlsx", rows, header=header)).exit_code == 0
    sheet = quarter_sheet(db_session, 4)
    by_table = {
        (i.scope, sheet.project_names.get(i.budget_line_id)): sheet.current(i.id).achieved_on
        for i in sheet.indicators
        if i.name == DEADLINE
    }
    assert by_table[("unit", None)] == dt.date(2023, 12, 1)
    assert by_table[("project", "信息化类")] == dt.date(2023, 11, 1)
    assert by_table[("project", "修缮维护类")] is None


def test_a_dry_run_shows_the_changes_and_writes_nothing(cli, db_session, tmp_path):
    rows = [[UNIT_NAME, 2023, "Q1", COUNT, 4500, None]]
    result = run(cli, gen_results_xlsx(tmp_path / "r.xlsx", rows), "--dry-run")
    assert result.exit_code == 0, result.output
    assert f"{COUNT} · 完成值：（空） → 4,500" in result.output
    assert "试运行" in result.output and "未写入数据库" in result.output
    assert stored_reports(db_session) == 0


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("r.txt", b"x", "只支持 .xlsx 或 .csv 文件"),
        ("r.xlsx", b"not a zip", "文件不是有效的 Excel（.xlsx）文件"),
        ("r.csv", "单位,年度\n".encode(), "找不到表头"),
        ("r.csv", ",".join(HEADER).encode(), "没有数据行"),
    ],
)
def test_unreadable_files_are_refused(cli, tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    result = run(cli, path)
    assert result.exit_code == 1 and message in result.stderr


@pytest.mark.parametrize(
    "text, quarter",
    [
        ("Q1", 1),
        ("q2", 2),
        ("1季度", 1),
        ("二季度", 2),
        ("第三季度", 3),
        ("第4季度", 4),
        ("2023Q4", 4),
        ("2023年一季度", 1),
        ("３", 3),
        ("Q5", None),
        ("上半年", None),
        ("", None),
    ],
)
def test_periods_are_read_in_the_forms_people_write_them(text, quarter):
    assert parse_period(text) == quarter
