"""A quarter's entry for an indicator is validated by its aggregation rule (docs/rules/aggregation.md §3, docs/rules/scoring.md §6)."""

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kpi.domain.aggregation import Aggregation
from kpi.domain.entries import (
    BAND_LABELS,
    BAND_LONG_LABELS,
    FIELDS,
    Band,
    Entry,
    EntryError,
    parse_amount,
    parse_band,
    parse_entry,
)

CUM, RATE, LEVEL = Aggregation.CUMULATIVE, Aggregation.RATE, Aggregation.LEVEL
QUAL, DEADLINE, BUDGET = Aggregation.QUALITATIVE, Aggregation.DEADLINE, Aggregation.BUDGET


def errors_of(aggregation, raw, **kwargs):
    with pytest.raises(EntryError) as caught:
        parse_entry(aggregation, raw, **kwargs)
    return caught.value.errors


@pytest.mark.parametrize(
    "text, expected",
    [
        ("1000", "1000"),
        ("１０００", "1000"),  # full-width digits
        ("1,000", "1000"),
        ("1，000", "1000"),  # full-width comma
        ("12,345,678.5", "12345678.5"),
        ("  12.5 ", "12.5"),
        ("0", "0"),
        ("-0", "0"),
        (".5", "0.5"),
        ("3.1416", "3.1416"),
        ("1.500000", "1.5"),  # only trailing zeros beyond 4 places
        ("1000000000000000", "1000000000000000"),
        ("9999999999999999.9999", "9999999999999999.9999"),  # the largest value the Quantity column holds
        ("12345678901234.5678", "12345678901234.5678"),
    ],
)
def test_count_accepts_numbers_as_people_type_them(text, expected):
    entry = parse_entry(CUM, {"value": text})
    assert entry.value == Decimal(expected)
    assert not entry.value.is_signed()


@pytest.mark.parametrize(
    "text, message",
    [
        ("abc", "请输入数字"),
        ("12场", "请输入数字"),
        ("50%", "请输入数字"),  # a percent sign makes sense for rates only
        ("1,00", "请输入数字"),  # a misplaced comma is no thousands separator: refuse rather than guess
        ("1 000", "请输入数字"),
        ("1e3", "请输入数字"),
        ("NaN", "请输入数字"),
        ("Infinity", "请输入数字"),
        ("1_000", "请输入数字"),
        (".", "请输入数字"),
        ("-", "请输入数字"),
        ("-1", "不能为负数"),
        ("-0.5", "不能为负数"),
        ("1.23456", "最多 4 位小数"),
        ("10000000000000000", "数值过大：最多 16 位整数"),  # the Quantity column holds 16 integer digits
        ("1.00001", "最多 4 位小数"),  # refused, never rounded to 1.0000
        ("9" * 200, "请输入数字"),
    ],
)
def test_count_refuses_what_is_not_a_plain_non_negative_number(text, message):
    assert errors_of(CUM, {"value": text}) == {"value": message}


@pytest.mark.parametrize("aggregation", [CUM, LEVEL])
def test_a_blank_count_is_an_empty_entry(aggregation):
    assert parse_entry(aggregation, {"value": "  "}).is_empty
    assert parse_entry(aggregation, {}).is_empty


@pytest.mark.parametrize(
    "raw, expected",
    [
        ({"numerator": "450", "denominator": "900"}, ("450", "900", None)),
        ({"numerator": "0", "denominator": "900"}, ("0", "900", None)),
        ({"numerator": "900", "denominator": "900"}, ("900", "900", None)),
        ({"value": "95"}, (None, None, "95")),
        ({"value": "95%"}, (None, None, "95")),
        ({"value": "95 ％"}, (None, None, "95")),
        ({"value": "0"}, (None, None, "0")),
        ({"value": "100"}, (None, None, "100")),
        ({"value": "50", "numerator": "450", "denominator": "900"}, ("450", "900", "50")),
        ({"value": "50.00%", "numerator": "450", "denominator": "900"}, ("450", "900", "50.00")),
        # 1/3 typed as rounded to the places the person chose
        ({"value": "33", "numerator": "1", "denominator": "3"}, ("1", "3", "33")),
        ({"value": "33.33", "numerator": "1", "denominator": "3"}, ("1", "3", "33.33")),
        ({"value": "66.67", "numerator": "2", "denominator": "3"}, ("2", "3", "66.67")),
        # 1/20000 = 0.005%: a tie, which may be rounded up or to even
        ({"value": "0.01", "numerator": "1", "denominator": "20000"}, ("1", "20000", "0.01")),
        ({"value": "0.00", "numerator": "1", "denominator": "20000"}, ("1", "20000", "0.00")),
    ],
)
def test_rate_accepts_a_percentage_or_numerator_and_denominator(raw, expected):
    entry = parse_entry(RATE, raw)
    as_decimal = tuple(None if x is None else Decimal(x) for x in expected)
    assert (entry.numerator, entry.denominator, entry.value) == as_decimal


@pytest.mark.parametrize(
    "raw, errors",
    [
        ({"numerator": "450"}, {"denominator": "请同时填写分子和分母"}),
        ({"denominator": "900"}, {"numerator": "请同时填写分子和分母"}),
        ({"numerator": "0", "denominator": "0"}, {"denominator": "分母必须大于 0"}),
        ({"numerator": "901", "denominator": "900"}, {"numerator": "分子不能大于分母"}),
        ({"numerator": "-1", "denominator": "900"}, {"numerator": "不能为负数"}),
        ({"numerator": "x", "denominator": "900"}, {"numerator": "请输入数字"}),
        ({"value": "100.01"}, {"value": "百分比应在 0–100 之间"}),
        ({"value": "-1%"}, {"value": "百分比应在 0–100 之间"}),
        ({"value": "95%%"}, {"value": "请输入数字"}),
        ({"value": "33.33333%"}, {"value": "最多 4 位小数"}),
        (
            {"numerator": "1" + "0" * 16, "denominator": "1" + "0" * 16},
            {"numerator": "数值过大：最多 16 位整数", "denominator": "数值过大：最多 16 位整数"},
        ),
        ({"numerator": "1.00001", "denominator": "3"}, {"numerator": "最多 4 位小数"}),
        ({"value": "51", "numerator": "450", "denominator": "900"}, {"value": "百分比与分子/分母不一致"}),
        ({"value": "33.4", "numerator": "1", "denominator": "3"}, {"value": "百分比与分子/分母不一致"}),
    ],
)
def test_rate_refuses_inconsistent_or_incomplete_input(raw, errors):
    assert errors_of(RATE, raw) == errors


@pytest.mark.parametrize("text", ["达成", "achieved", "ACHIEVED", " 达成年度指标 ", "达成 年度指标"])
def test_band_is_read_from_short_long_or_internal_names(text):
    assert parse_band(text) is Band.ACHIEVED


@pytest.mark.parametrize("band", list(Band))
def test_every_band_label_reads_back_as_its_band(band):
    assert parse_band(BAND_LABELS[band]) is band
    assert parse_band(BAND_LONG_LABELS[band]) is band
    assert parse_band(band.value) is band


@pytest.mark.parametrize("text", [None, "", "   "])
def test_a_blank_band_is_none(text):
    assert parse_band(text) is None


def test_an_unknown_band_lists_the_choices():
    with pytest.raises(EntryError) as caught:
        parse_band("优秀")
    assert caught.value.errors == {"band": "请选择：达成 / 部分达成 / 未达成"}


def test_qualitative_entry_takes_a_band_and_an_assessment():
    entry = parse_entry(QUAL, {"band": "部分达成", "assessment": " 已完成大部分验收 "})
    assert entry == Entry(band=Band.PARTIAL, assessment="已完成大部分验收")


def test_qualitative_entry_refuses_an_unknown_band_and_an_overlong_assessment():
    errors = errors_of(QUAL, {"band": "很好", "assessment": "字" * 2001})
    assert errors == {"band": "请选择：达成 / 部分达成 / 未达成", "assessment": "评价过长（最多 2000 字）"}


@pytest.mark.parametrize(
    "text",
    [
        "2023-12-31",
        "2023/12/31",
        "2023.12.31",
        "2023年12月31日",
        "2023年12月31号",
        "2023 年 12 月 31 日",
        "２０２３－１２－３１",
        "2023-12-31 00:00:00",
        "2023-12-31T00:00",
        " 2023-12-31 ",
    ],
)
def test_deadline_accepts_the_common_date_spellings(text):
    assert parse_entry(DEADLINE, {"achieved_on": text}).achieved_on == date(2023, 12, 31)


def test_deadline_accepts_single_digit_months_and_days():
    assert parse_entry(DEADLINE, {"achieved_on": "2023-7-1"}).achieved_on == date(2023, 7, 1)


@pytest.mark.parametrize(
    "text, message",
    [
        ("31/12/2023", "日期格式应为 YYYY-MM-DD"),
        ("2023-12/31", "日期格式应为 YYYY-MM-DD"),  # mixed separators
        ("2023年12月", "日期格式应为 YYYY-MM-DD"),
        ("明天", "日期格式应为 YYYY-MM-DD"),
        ("2023-12-31" * 300, "日期格式应为 YYYY-MM-DD"),
        ("2023-02-30", "日期不存在，请检查月份和日"),
        ("2023-13-01", "日期不存在，请检查月份和日"),
        ("0000-01-01", "日期不存在，请检查月份和日"),
    ],
)
def test_deadline_refuses_what_is_not_a_date(text, message):
    assert errors_of(DEADLINE, {"achieved_on": text}) == {"achieved_on": message}


@pytest.mark.parametrize(
    "text, accepted",
    [
        ("2022-01-01", True),
        ("2024-12-31", True),
        ("2021-12-31", False),
        ("2025-01-01", False),
    ],
)
def test_deadline_refuses_dates_more_than_a_year_from_the_budget_year(text, accepted):
    if accepted:
        assert parse_entry(DEADLINE, {"achieved_on": text}, year=2023).achieved_on is not None
    else:
        assert errors_of(DEADLINE, {"achieved_on": text}, year=2023) == {"achieved_on": "日期不在 2023 年度附近"}


def test_a_blank_deadline_means_not_yet_achieved():
    assert parse_entry(DEADLINE, {"achieved_on": ""}).achieved_on is None


def test_budget_indicator_takes_no_figure_but_a_note():
    assert parse_entry(BUDGET, {"note": "按进度支付"}) == Entry(note="按进度支付")
    assert errors_of(BUDGET, {"value": "12"}) == {"value": "预算类指标取自预算执行数，无需填写"}


@pytest.mark.parametrize(
    "aggregation, raw, field",
    [
        (CUM, {"band": "达成"}, "band"),
        (LEVEL, {"numerator": "1"}, "numerator"),
        (RATE, {"achieved_on": "2023-12-31"}, "achieved_on"),
        (QUAL, {"value": "1"}, "value"),
        (DEADLINE, {"assessment": "已完成"}, "assessment"),
    ],
)
def test_a_figure_in_a_field_the_indicator_does_not_take_is_refused_not_dropped(aggregation, raw, field):
    assert errors_of(aggregation, raw) == {field: "此类指标无需填写此项"}


@pytest.mark.parametrize("aggregation", list(Aggregation))
def test_every_indicator_takes_a_note_of_up_to_2000_characters(aggregation):
    assert parse_entry(aggregation, {"note": "字" * 2000}).note == "字" * 2000
    assert errors_of(aggregation, {"note": "字" * 2001}) == {"note": "说明过长（最多 2000 字）"}


def test_all_field_errors_are_reported_together():
    errors = errors_of(RATE, {"value": "abc", "numerator": "-1", "denominator": "x", "note": "字" * 2001})
    assert errors == {
        "value": "请输入数字",
        "numerator": "不能为负数",
        "denominator": "请输入数字",
        "note": "说明过长（最多 2000 字）",
    }


def test_entry_error_is_a_value_error_with_readable_text():
    with pytest.raises(ValueError, match="value：请输入数字"):
        parse_entry(CUM, {"value": "abc"})


def test_an_entry_with_only_a_note_is_not_empty():
    assert Entry().is_empty
    assert not Entry(note="x").is_empty


def test_cells_that_arrive_as_numbers_or_dates_are_read_as_their_text():
    assert parse_entry(CUM, {"value": Decimal("12.5")}).value == Decimal("12.5")
    assert parse_entry(CUM, {"value": 12}).value == Decimal(12)
    assert parse_entry(DEADLINE, {"achieved_on": date(2023, 5, 6)}).achieved_on == date(2023, 5, 6)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("12.3456", Decimal("12.3456")),
        ("1,371", Decimal(1371)),
        ("0", Decimal(0)),
        ("", None),
        (None, None),
        ("999999999999.9999", Decimal("999999999999.9999")),  # the largest amount the column holds
        ("1.230000", Decimal("1.23")),  # zeros beyond 4 decimals change nothing
    ],
)
def test_amount_spent_is_a_non_negative_sum_in_wan_yuan(text, expected):
    assert parse_amount(text) == expected


@pytest.mark.parametrize(
    "text, message",
    [
        ("-1", "不能为负数"),
        ("1.23456", "最多 4 位小数"),
        ("abc", "请输入数字"),
        ("1000000000000", "数值过大：最多 12 位整数"),  # the Money column holds 12 integer digits
        ("1.00005", "最多 4 位小数"),
    ],
)
def test_amount_spent_refuses_bad_input_under_the_spent_field(text, message):
    with pytest.raises(EntryError) as caught:
        parse_amount(text)
    assert caught.value.errors == {"spent": message}


# --- properties ---------------------------------------------------------------------------------
NUMBERISH = st.text(alphabet="0123456789０１.,，-+%％ 年月日/号T:eE_", max_size=25)
ANY_FIELD = st.one_of(st.sampled_from(FIELDS), st.text(max_size=10))


@given(
    st.sampled_from(list(Aggregation)),
    st.dictionaries(ANY_FIELD, st.one_of(st.none(), st.text(), NUMBERISH), max_size=9),
    st.one_of(st.none(), st.integers(min_value=1, max_value=9999)),
)
def test_parse_entry_raises_nothing_but_entry_error_whatever_is_typed(aggregation, raw, year):
    try:
        entry = parse_entry(aggregation, raw, year=year)
    except EntryError as error:
        assert error.errors and set(error.errors) <= set(FIELDS)
        assert all(isinstance(m, str) and m for m in error.errors.values())
    else:
        assert isinstance(entry, Entry)


@given(st.decimals(min_value=0, max_value=10**15, places=4, allow_nan=False, allow_infinity=False))
def test_any_valid_count_reads_back_as_itself_with_thousands_separators(value):
    assert parse_entry(CUM, {"value": f"{value:,f}"}).value == value


@given(st.integers(min_value=0, max_value=10**6), st.integers(min_value=1, max_value=10**6))
def test_a_percentage_rounded_from_the_counts_always_agrees_with_them(numerator, denominator):
    numerator = min(numerator, denominator)
    percent = (Decimal(numerator) / denominator * 100).quantize(Decimal("0.01"))
    entry = parse_entry(RATE, {"numerator": str(numerator), "denominator": str(denominator), "value": f"{percent}%"})
    assert entry.value == percent
