"""One way to write a Decimal: exact, no exponent, no trailing zeros, zero as "0"."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kpi.domain.numbers import number_text, plain_number
from kpi.domain.scoring_numbers import num_text
from kpi.formatting import format_number
from kpi.results.merge import fingerprint
from kpi.results.workbook_upload import plain


@pytest.mark.parametrize(
    "value, plain_text, grouped",
    [
        ("19000.0000", "19000", "19,000"),
        ("99.5000", "99.5", "99.5"),
        ("-0", "0", "0"),
        ("-0.00", "0", "0"),
        ("0E-2", "0", "0"),
        ("1E+3", "1000", "1,000"),
        ("-1234567.890", "-1234567.89", "-1,234,567.89"),
        ("-0.5", "-0.5", "-0.5"),
        # More digits than the default context keeps: normalize() would round them.
        (
            "12345678901234567890.123456789012",
            "12345678901234567890.123456789012",
            "12,345,678,901,234,567,890.123456789012",
        ),
    ],
)
def test_plain_and_grouped_text(value, plain_text, grouped):
    assert plain_number(Decimal(value)) == plain_text
    assert number_text(Decimal(value)) == grouped


@pytest.mark.parametrize("zero", ["0", "-0", "0.00", "-0.000", "0E+3", "0E-5"])
def test_every_formatter_prints_any_zero_as_0(zero):
    value = Decimal(zero)
    assert format_number(value) == num_text(value) == number_text(value) == plain_number(value) == plain(value) == "0"
    assert fingerprint(value) == fingerprint(Decimal(0))


@given(st.decimals(allow_nan=False, allow_infinity=False, places=6, min_value=-(10**12), max_value=10**12))
def test_the_text_reads_back_as_the_same_number(value):
    assert Decimal(plain_number(value)) == value
    assert Decimal(number_text(value).replace(",", "")) == value
    assert format_number(value) == number_text(value)
