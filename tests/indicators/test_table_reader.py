"""Reading published target tables (.xlsx) into plain rows: layouts, carry-down, and hostile files."""

import io
import os
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from kpi.indicators.table_reader import TargetTableError, read_target_table
from kpi.indicators.xlsx_safety import UnsafeUpload, check_xlsx_archive
from tests.indicators.xlsx_factory import (
    PERCENT,
    gen_single_layout_table,
    gen_split_layout_table,
    gen_text_file,
    gen_truncated_xlsx,
    gen_workbook,
    gen_wrong_dimension,
    gen_xlsm,
    gen_zip_bomb,
    gen_zip_of_entries,
)

HEADER = ["一级指标", "二级指标", "三级指标", "指标值"]


def by_name(table):
    return {row.name: row for row in table.rows}


def read_rows(tmp_path, rows, **kwargs):
    return read_target_table(gen_workbook(tmp_path, rows, **kwargs))


# --- the single-column layout -------------------------------------------------------------------


def test_single_layout_is_read_from_a_header_below_title_rows(tmp_path):
    table = read_target_table(gen_single_layout_table(tmp_path))
    assert (table.sheet, table.header_row, table.layout) == ("绩效目标表", 4, "single")
    assert [r.row for r in table.rows] == [5, 6, 7, 8, 10, 11, 12]
    first = table.rows[0]
    assert (first.level1, first.level2, first.name, first.target_text) == (
        "产出指标",
        "数量指标",
        "志愿者活动数量",
        "≥20场",
    )
    assert first.comparator_text is first.value_text is first.unit_text is first.points is first.project is None


def test_merged_level_cells_carry_down_to_the_rows_below(tmp_path):
    rows = by_name(read_target_table(gen_single_layout_table(tmp_path)))
    assert (rows["投诉调解辅助服务"].level1, rows["投诉调解辅助服务"].level2) == ("产出指标", "数量指标")
    assert (rows["项目完成时间"].level1, rows["项目完成时间"].level2) == ("产出指标", "时效指标")
    assert (rows["消费环境改善情况"].level1, rows["消费环境改善情况"].level2) == ("效益指标", "社会效益指标")


def test_level1_points_come_from_the_label_in_any_bracket_style(tmp_path):
    rows = by_name(read_target_table(gen_single_layout_table(tmp_path)))
    assert rows["投诉调解辅助服务"].level1_points == Decimal(50)  # "(50分)", carried down
    assert (rows["消费环境改善情况"].level1, rows["消费环境改善情况"].level1_points) == ("效益指标", Decimal(30))
    assert (rows["投诉人满意度"].level1, rows["投诉人满意度"].level1_points) == ("满意度指标", Decimal(10))


@pytest.mark.parametrize(
    "label, level1, points",
    [
        ("产出指标（50分）", "产出指标", Decimal(50)),
        ("产出指标 (50 分)", "产出指标", Decimal(50)),
        ("效益指标30分", "效益指标", Decimal(30)),
        ("产出指标（分值：45.5分）", "产出指标", Decimal("45.5")),
        ("产出指标（50）", "产出指标", Decimal(50)),
        ("产出指标\n（50分）", "产出指标", Decimal(50)),
        ("成本指标", "成本指标", None),
    ],
)
def test_level1_label_is_split_from_its_points(tmp_path, label, level1, points):
    row = read_rows(tmp_path, [HEADER, [label, "数量指标", "活动场次", "≥20场"]]).rows[0]
    assert (row.level1, row.level1_points) == (level1, points)


def test_a_new_level1_resets_the_carried_level2(tmp_path):
    table = read_rows(
        tmp_path,
        [HEADER, ["产出指标", "数量指标", "活动场次", "≥20场"], ["成本指标", None, "项目支出金额", "≤预算金额"]],
    )
    assert table.rows[1].level2 == ""


def test_percent_formatted_number_reads_as_a_percentage(tmp_path):
    rows = by_name(read_target_table(gen_single_layout_table(tmp_path)))
    assert rows["投诉处理总成功率"].target_text == "95%"


@pytest.mark.parametrize(
    "value, number_format, text",
    [
        (0.955, PERCENT, "95.5%"),
        (0.07, "0.00%", "7%"),
        (1000.0, "General", "1000"),
        (0.95, "General", "0.95"),
        (95, '0"%"', "95"),
        (12, "General", "12"),
        (True, "General", "是"),
    ],
)
def test_numeric_targets_are_rendered_as_the_sheet_shows_them(tmp_path, value, number_format, text):
    table = read_rows(tmp_path, [HEADER, ["产出指标", "数量指标", "活动场次", value]], formats={"D2": number_format})
    assert table.rows[0].target_text == text


def test_date_target_reads_as_a_chinese_date(tmp_path):
    assert by_name(read_target_table(gen_single_layout_table(tmp_path)))["项目完成时间"].target_text == "2023年12月31日"


def test_section_blank_and_subtotal_rows_are_skipped(tmp_path):
    table = read_rows(
        tmp_path,
        [HEADER, ["产出指标（50分）"], [None, "数量指标", "活动场次", "≥20场"], [], ["合计", None, None, None, 100]],
    )
    assert [(r.row, r.level1, r.level1_points, r.name) for r in table.rows] == [
        (3, "产出指标", Decimal(50), "活动场次")
    ]


def test_name_without_target_is_kept_with_an_empty_target(tmp_path):
    assert read_rows(tmp_path, [HEADER, ["产出指标", "质量指标", "工作质量", None]]).rows[0].target_text == ""


def test_target_without_name_is_an_error_naming_the_row_and_column(tmp_path):
    rows = [["标题"], HEADER, ["产出指标", "数量指标", "活动场次", "≥20场"], ["产出指标", "数量指标", None, "≥5万宗"]]
    with pytest.raises(TargetTableError) as err:
        read_rows(tmp_path, rows)
    assert (err.value.row, err.value.column) == (4, "三级指标")
    assert str(err.value) == "第 4 行（三级指标列）：有指标值但没有指标名称"


def test_text_starting_with_equals_is_kept_as_text(tmp_path):
    assert read_rows(tmp_path, [HEADER, ["产出指标", "数量指标", "活动场次", "'=20场"]]).rows[0].target_text == "'=20场"


def test_repeated_header_row_on_a_later_page_is_skipped(tmp_path):
    table = read_rows(
        tmp_path, [HEADER, ["产出指标", "数量指标", "甲", "1"], HEADER, ["产出指标", "数量指标", "乙", "2"]]
    )
    assert [r.name for r in table.rows] == ["甲", "乙"]


# --- header variants ----------------------------------------------------------------------------


def test_header_labels_are_matched_after_removing_spaces_and_brackets(tmp_path):
    header = ["一级\n指标", "二级 指标", "指标名称", "年度指标值\n（含单位）", "权重(%)"]
    row = read_rows(tmp_path, [header, ["产出指标", "数量指标", "活动场次", "≥20场", 10]]).rows[0]
    assert (row.name, row.target_text, row.points) == ("活动场次", "≥20场", Decimal(10))


def test_header_split_over_two_rows_is_recognised(tmp_path):
    rows = [
        ["一级指标", "二级指标", "三级指标", "年度指标值", None, None, "分值"],
        [None, None, None, "指标性质", "指标值", "度量单位", None],
        ["产出指标", "数量指标", "活动场次", "≥", 20, "场", 5],
    ]
    table = read_rows(tmp_path, rows, merges=("A1:A2", "B1:B2", "C1:C2", "D1:F1", "G1:G2"))
    assert (table.header_row, table.layout, table.rows[0].row, table.rows[0].target_text) == (1, "split", 3, "≥20场")


def test_the_first_sheet_with_a_header_is_used(tmp_path):
    table = read_rows(
        tmp_path,
        [HEADER, ["产出指标", "数量指标", "活动场次", "≥20场"]],
        sheets_before={"填表说明": [["请按模板填写"]]},
    )
    assert table.sheet == "绩效目标表"


def test_a_wrong_sheet_dimension_does_not_cut_rows_off(tmp_path):
    path = gen_wrong_dimension(tmp_path, [HEADER] + [["产出指标", "数量指标", f"指标{i}", i] for i in range(30)])
    assert len(read_target_table(path).rows) == 30


def test_a_bare_unit_column_is_not_a_measure_unit_without_an_operator_column(tmp_path):
    table = read_rows(tmp_path, [["单位"] + HEADER, ["消委会", "产出指标", "数量指标", "活动场次", "≥20场"]])
    assert (table.layout, table.rows[0].target_text) == ("single", "≥20场")


# --- the split layout ---------------------------------------------------------------------------


def test_split_layout_joins_operator_value_and_unit(tmp_path):
    table = read_target_table(gen_split_layout_table(tmp_path))
    assert (table.header_row, table.layout) == (2, "split")
    rows = by_name(table)
    first = rows["年处理投诉数量"]
    assert (first.target_text, first.comparator_text, first.value_text, first.unit_text) == (
        "≥50000宗",
        "≥",
        "50000",
        "宗",
    )
    assert (rows["宣传活动场次"].value_text, rows["宣传活动场次"].target_text) == ("20", "≥20场")
    assert (rows["投诉处理总成功率"].value_text, rows["投诉处理总成功率"].target_text) == ("95%", "≥95%")
    assert rows["项目支出金额"].target_text == "≤预算金额"
    assert (rows["系统上线验收"].target_text, rows["系统上线验收"].comparator_text) == ("合格", "")


def test_points_column_reads_as_decimal(tmp_path):
    rows = by_name(read_target_table(gen_split_layout_table(tmp_path)))
    assert [rows[n].points for n in ("年处理投诉数量", "宣传活动场次", "投诉处理总成功率", "项目支出金额")] == [
        Decimal(10),
        Decimal("7.5"),
        None,
        Decimal(10),
    ]


def test_project_column_carries_down_and_a_new_project_restarts_the_levels(tmp_path):
    rows = by_name(read_target_table(gen_split_layout_table(tmp_path)))
    assert rows["项目支出金额"].project == "市场监督管理事务"
    assert (rows["系统上线验收"].project, rows["系统上线验收"].level1, rows["系统上线验收"].level2) == (
        "信息化类",
        "产出指标",
        "时效指标",
    )


def test_reverse_direction_word_in_the_operator_column_means_at_most(tmp_path):
    header = ["一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位"]
    row = read_rows(tmp_path, [header, ["成本指标", "经济成本指标", "印刷费", "反向指标", 90, "万元"]]).rows[0]
    assert (row.target_text, row.comparator_text) == ("≤90万元", "反向指标")


def test_points_that_are_not_a_number_are_an_error_naming_the_column(tmp_path):
    with pytest.raises(TargetTableError, match="第 2 行（分值列）"):
        read_rows(tmp_path, [HEADER + ["分值"], ["产出指标", "数量指标", "活动场次", "≥20场", "十分"]])


# --- refused and broken files -------------------------------------------------------------------


def test_missing_header_is_an_error(tmp_path):
    with pytest.raises(TargetTableError, match="未找到表头：前 20 行中没有“三级指标”和“指标值”列"):
        read_rows(tmp_path, [["序号", "名称", "金额"], [1, "办公费", 10]])


def test_empty_sheet_is_an_error(tmp_path):
    with pytest.raises(TargetTableError, match="文件是空的"):
        read_rows(tmp_path, [])


def test_header_without_indicator_rows_is_an_error(tmp_path):
    with pytest.raises(TargetTableError, match="没有任何指标"):
        read_rows(tmp_path, [HEADER])


@pytest.mark.parametrize(
    "name, content",
    [
        ("random.xlsx", os.urandom(2048)),
        ("notes.txt", "一级指标,二级指标\n".encode()),
        ("targets.csv", "一级指标,二级指标,三级指标,指标值\n产出指标,数量指标,活动场次,≥20场\n".encode("gbk")),
        ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(1024)),
        ("empty.xlsx", b""),
    ],
)
def test_content_that_is_not_an_xlsx_is_refused(tmp_path, name, content):
    with pytest.raises(TargetTableError, match="文件不是有效的 Excel（.xlsx）文件"):
        read_target_table(gen_text_file(tmp_path, name, content))


def test_truncated_xlsx_is_refused_with_a_target_table_error(tmp_path):
    with pytest.raises(TargetTableError):
        read_target_table(gen_truncated_xlsx(tmp_path))


def test_zip_needing_an_unsupported_version_is_refused_with_a_target_table_error(tmp_path):
    data = bytearray(gen_single_layout_table(tmp_path).read_bytes())
    directory_entry = data.index(b"PK\x01\x02")
    data[directory_entry + 6] = 137  # "version needed to extract" 13.7: zipfile raises NotImplementedError
    with pytest.raises(TargetTableError, match="文件已损坏"):
        read_target_table(bytes(data))


def test_macro_workbook_is_refused(tmp_path):
    with pytest.raises(TargetTableError, match="宏") as err:
        read_target_table(gen_xlsm(tmp_path))
    assert isinstance(err.value.__cause__, UnsafeUpload)


def test_zip_bomb_is_refused_before_parsing(tmp_path):
    with pytest.raises(TargetTableError, match="解压后过大"):
        read_target_table(gen_zip_bomb(tmp_path, megabytes=120))


def test_highly_compressed_entry_is_refused(tmp_path):
    with pytest.raises(TargetTableError, match="压缩比异常"):
        read_target_table(gen_zip_bomb(tmp_path, megabytes=20))


def test_archive_with_too_many_entries_is_refused(tmp_path):
    with pytest.raises(UnsafeUpload, match="超过 50 个的上限"):
        check_xlsx_archive(gen_zip_of_entries(tmp_path, 51).read_bytes(), max_entries=50)


def test_more_rows_than_max_rows_is_an_error_naming_the_limit(tmp_path):
    rows = [HEADER] + [["产出指标", "数量指标", f"指标{i}", i] for i in range(11)]
    assert len(read_target_table(gen_workbook(tmp_path, rows[:11], name="ten.xlsx"), max_rows=10).rows) == 10
    with pytest.raises(TargetTableError, match="超过 10 行的上限") as err:
        read_target_table(gen_workbook(tmp_path, rows), max_rows=10)
    assert err.value.row == 12


def test_bytes_and_binary_streams_are_accepted(tmp_path):
    data = gen_single_layout_table(tmp_path).read_bytes()
    assert read_target_table(data).rows == read_target_table(io.BytesIO(data)).rows


def test_missing_file_is_a_target_table_error(tmp_path):
    with pytest.raises(TargetTableError, match="无法读取文件"):
        read_target_table(tmp_path / "absent.xlsx")


@pytest.fixture(scope="module")
def valid_xlsx(tmp_path_factory):
    return gen_single_layout_table(tmp_path_factory.mktemp("valid")).read_bytes()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cut=st.integers(min_value=0, max_value=10_000), junk=st.binary(max_size=64))
def test_any_damaged_xlsx_raises_only_target_table_error(valid_xlsx, cut, junk):
    damaged = valid_xlsx[: cut % len(valid_xlsx)] + junk
    # Cutting the archive's last bytes (its comment length, b"\0\0") and appending the same
    # bytes gives the valid file back: that one is not damaged (Hypothesis found it).
    assume(damaged != valid_xlsx)
    with pytest.raises(TargetTableError):
        read_target_table(damaged)
