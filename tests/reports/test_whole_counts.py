"""Are the figures of every workbook numbers, with one rounding rule, and are counts whole?

A count (个, 次, 家, 宗 …) is a whole number wherever it is printed: a projection of 1,033.71家 or
an 应完成 of 3.43次 is not a figure anyone can report (docs/rules/monitoring.md §3). Amounts take
two decimals, rates two decimals with % (docs/rules/layouts.md §1).
"""

from __future__ import annotations

import io
import re
import unicodedata
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from tests.reports.books import build_workbooks

# Units of things counted one by one (the lexicon's COUNT_UNITS also holds 米, 吨 … which are not).
COUNTED = {"个", "次", "家", "宗", "篇", "人", "台", "支", "条", "项", "份", "件", "场", "篇次", "场次", "人次", "户次"}
QUOTED_UNIT = re.compile(r'"([^"]+)"\s*$')
NAMES = ["monitoring", "self_evaluation", "progress", "fill_in", "consolidated"]


@pytest.fixture(scope="module")
def workbooks(seeded_sqlite_template, tmp_path_factory) -> dict[str, bytes]:
    return build_workbooks(seeded_sqlite_template, tmp_path_factory.mktemp("counts"))


def numeric_cells(data: bytes):
    wb = load_workbook(io.BytesIO(data))
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, int | float | Decimal) and not isinstance(cell.value, bool):
                    yield ws, cell


@pytest.mark.parametrize("name", NAMES)
def test_no_cell_formatted_as_a_count_holds_a_fraction(workbooks, name):
    counts = 0
    for ws, cell in numeric_cells(workbooks[name]):
        unit = QUOTED_UNIT.search(cell.number_format or "")
        if unit and unit.group(1) in COUNTED:
            counts += 1
            assert Decimal(str(cell.value)) == Decimal(str(cell.value)).to_integral_value(), (
                f"{name} {ws.title}!{cell.coordinate}: {cell.value} {unit.group(1)}"
            )
    if name != "fill_in":  # the fill-in form's counts are inputs, empty for the next quarter
        assert counts, f"no count found in {name}: the check would prove nothing"


@pytest.mark.parametrize("name", NAMES)
def test_every_figure_has_a_number_format_and_amounts_and_rates_two_decimals(workbooks, name):
    for ws, cell in numeric_cells(workbooks[name]):
        number_format = cell.number_format or "General"
        if ws.sheet_state != "visible" or ws.column_dimensions[cell.column_letter].hidden:
            continue  # record ids (编号) and the very hidden 填报信息: not figures
        assert number_format != "General", f"{name} {ws.title}!{cell.coordinate}: {cell.value} without a format"
        if "%" in number_format:
            assert number_format.startswith("0.00") or number_format.startswith("#,##0.00"), (
                f"{name} {ws.title}!{cell.coordinate}: a rate as {number_format}"
            )
        if number_format.startswith("#,##0.") and "%" not in number_format and not QUOTED_UNIT.search(number_format):
            assert number_format == "#,##0.00", f"{name} {ws.title}!{cell.coordinate}: an amount as {number_format}"


def printed(value, number_format: str) -> str:
    """How a spreadsheet shows a number under its format, for the formats the workbooks use."""
    quoted = re.findall(r'"([^"]*)"', number_format)
    bare = re.sub(r'"[^"]*"', "", number_format)
    number = Decimal(str(value)) * (100 if "%" in bare else 1)
    decimals = len(bare.split(".")[1].rstrip("%#")) + bare.split(".")[1].count("#") if "." in bare else 0
    text = f"{number:,.{decimals}f}" if "," in bare else f"{number:.{decimals}f}"
    return text + "".join(quoted) + ("%" if "%" in bare else "")


def width_of(text: str) -> float:
    """The printed width in the default font's digits: a body-font digit (仿宋 11 pt, or its stand-in)
    is about 8 px against the default's 7, a CJK character 11 points (about 2.1 digits), and the
    cell keeps 5 px of padding."""
    wide = sum(1 for ch in text if unicodedata.east_asian_width(ch) in "WF")
    return (len(text) - wide) * 8 / 7 + wide * 2.1 + 5 / 7


@pytest.mark.parametrize("name", NAMES)
def test_no_number_is_wider_than_its_column(workbooks, name):
    """A number does not wrap: one wider than its column prints ### on paper."""
    wb = load_workbook(io.BytesIO(workbooks[name]))
    for ws in wb.worksheets:
        if ws.sheet_state != "visible":
            continue
        spans = {(r.min_row, r.min_col): r for r in ws.merged_cells.ranges}
        for row in ws.iter_rows():
            for cell in row:
                value = cell.value
                if not isinstance(value, int | float | Decimal) or isinstance(value, bool):
                    continue
                if ws.column_dimensions[cell.column_letter].hidden or cell.number_format == "General":
                    continue
                merged = spans.get((cell.row, cell.column))
                columns = range(cell.column, (merged.max_col if merged else cell.column) + 1)
                width = sum(ws.column_dimensions[get_column_letter(c)].width or 8.43 for c in columns)
                shown = printed(value, cell.number_format)
                assert width_of(shown) <= width, f"{name} {ws.title}!{cell.coordinate}: {shown!r} in width {width}"
