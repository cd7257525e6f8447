"""Quarterly entries (季度填报): what a person typed for one indicator in one quarter, validated.

``parse_entry(Aggregation.RATE, {"numerator": "450", "denominator": "900"})`` gives an ``Entry``.
Anything wrong raises one ``EntryError`` that lists every field's problem in Chinese, so a form
or an uploaded sheet can show them all at once. The web form, the Excel upload and the CLI all
validate through here (docs/engineering.md §8: one validation path). Which fields an indicator takes follows
its aggregation rule (docs/rules/aggregation.md §3). Pure: no Flask, no database, no I/O.
"""

import re
import unicodedata
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import NamedTuple

from kpi.domain.aggregation import Aggregation


class Band(StrEnum):
    """The three bands of a qualitative result (docs/rules/scoring.md §6)."""

    ACHIEVED = "achieved"  # 达成年度指标
    PARTIAL = "partial"  # 部分达成年度指标并具有一定效果
    NOT_ACHIEVED = "not_achieved"  # 未达成年度指标且效果较差


# Short labels for forms and Excel drop-down lists; the long ones are the wording of docs/rules/scoring.md §6.
BAND_LABELS: dict[Band, str] = {Band.ACHIEVED: "达成", Band.PARTIAL: "部分达成", Band.NOT_ACHIEVED: "未达成"}
BAND_LONG_LABELS: dict[Band, str] = {
    Band.ACHIEVED: "达成年度指标",
    Band.PARTIAL: "部分达成年度指标并具有一定效果",
    Band.NOT_ACHIEVED: "未达成年度指标且效果较差",
}

FIELDS = ("value", "numerator", "denominator", "band", "achieved_on", "assessment", "note")
MAX_TEXT = 2000
# What the columns hold (kpi.core.decimals; a test checks these agree): every value accepted
# here is stored and read back exactly, on SQLite as on PostgreSQL.
MAX_PLACES = 4  # the Quantity and Money columns keep 4 decimals
QUANTITY_DIGITS = 16  # integer digits of a Quantity, NUMERIC(20, 4)
MONEY_DIGITS = 12  # integer digits of a Money amount (万元), NUMERIC(16, 4)

# The fields each aggregation rule takes; "note" is open to every indicator.
INPUTS: dict[Aggregation, frozenset[str]] = {
    Aggregation.CUMULATIVE: frozenset({"value"}),
    Aggregation.LEVEL: frozenset({"value"}),
    Aggregation.RATE: frozenset({"value", "numerator", "denominator"}),
    Aggregation.QUALITATIVE: frozenset({"band", "assessment"}),
    Aggregation.DEADLINE: frozenset({"achieved_on"}),
    Aggregation.BUDGET: frozenset(),
}


class EntryError(ValueError):
    """Invalid input. ``errors`` maps each field name to its message in Chinese."""

    def __init__(self, errors: Mapping[str, str]):
        self.errors = dict(errors)
        super().__init__("；".join(f"{name}：{message}" for name, message in self.errors.items()))


class Entry(NamedTuple):
    """One quarter's figure for one indicator, as entered and validated.

    A NamedTuple rather than a dataclass: a city's export makes a quarter of a million, and
    making and comparing them runs in C."""

    value: Decimal | None = None  # counts, levels, money, or a rate entered as a percentage 0–100
    numerator: Decimal | None = None  # a rate entered as 成功数 / 受理数
    denominator: Decimal | None = None
    band: Band | None = None
    achieved_on: date | None = None  # deadlines: the date the task was done
    assessment: str | None = None  # qualitative: what was achieved, in words
    note: str | None = None

    @property
    def is_empty(self) -> bool:
        """Nothing was entered."""
        return all(value is None for value in self)


class _Invalid(Exception):
    """One field's problem; parse_entry collects these into a single EntryError."""


def parse_band(text: str | None) -> Band | None:
    """A band from its short label (达成), its long label (docs/rules/scoring.md §6) or its value (achieved)."""
    s = _squeezed(text)
    if not s:
        return None
    band = _BANDS.get(s.lower())
    if band is None:
        raise EntryError({"band": _BAND_MESSAGE})
    return band


_BAND_MESSAGE = "请选择：" + " / ".join(BAND_LABELS.values())
_BANDS = {form: band for band in Band for form in (band.value, BAND_LABELS[band], BAND_LONG_LABELS[band])}


def parse_entry(aggregation: Aggregation, raw: Mapping[str, str | None], *, year: int | None = None) -> Entry:
    """Validate one quarter's input for an indicator with the given aggregation rule.

    ``raw`` holds the typed strings under the names of ``FIELDS``; a missing key is a blank
    field. ``year`` is the budget year, to catch a date typed with the wrong year. Raises
    EntryError listing every problem, and nothing else whatever the strings are."""
    aggregation = Aggregation(aggregation)
    text = {name: _field_text(raw, name) for name in FIELDS}
    errors: dict[str, str] = {}
    values: dict[str, object] = {}

    def read(name, parse, *args, **kwargs):
        try:
            values[name] = parse(text[name], *args, **kwargs)
        except _Invalid as problem:
            errors[name] = str(problem)

    allowed = INPUTS[aggregation]
    for name in FIELDS[:-1]:
        if name not in allowed and text[name].strip():
            # An upload may carry every column; a figure in the wrong one must not vanish silently.
            errors[name] = (
                "预算类指标取自预算执行数，无需填写" if aggregation is Aggregation.BUDGET else "此类指标无需填写此项"
            )
    if aggregation in (Aggregation.CUMULATIVE, Aggregation.LEVEL):
        read("value", _number)
    elif aggregation is Aggregation.RATE:
        read("value", _percentage)
        read("numerator", _number)
        read("denominator", _number)
        _check_ratio(values, errors)
    elif aggregation is Aggregation.QUALITATIVE:
        read("band", _band)
        read("assessment", _long_text, "评价")
    elif aggregation is Aggregation.DEADLINE:
        read("achieved_on", _date, year)
    read("note", _long_text, "说明")
    if errors:
        raise EntryError(errors)
    return Entry(**values)


def size_problem(value: Decimal, *, digits: int = QUANTITY_DIGITS, places: int = MAX_PLACES) -> str | None:
    """Why ``value`` does not fit a column of ``digits`` integer digits and ``places`` decimals, or None.

    Extra decimals that are zeros fit (1.500000 is 1.5); anything else is refused, never rounded."""
    if not value.is_finite():
        return "请输入数字"
    if abs(value) >= Decimal(10) ** digits:
        return f"数值过大：最多 {digits} 位整数"
    if value.as_tuple().exponent < -places and value != value.quantize(Decimal(1).scaleb(-places)):
        return f"最多 {places} 位小数"
    return None


def parse_amount(text: str | None) -> Decimal | None:
    """执行数 in 万元 for one budget line and quarter: a number ≥ 0 with at most 12 integer digits and 4 decimals."""
    try:
        return _number(_as_text(text), digits=MONEY_DIGITS)
    except _Invalid as problem:
        raise EntryError({"spent": str(problem)}) from None


def _check_ratio(values: dict[str, object], errors: dict[str, str]) -> None:
    """A rate as 成功数 / 受理数 needs both parts, and agrees with a percentage typed beside it."""
    if {"numerator", "denominator"} & errors.keys():
        return
    numerator, denominator = values.get("numerator"), values.get("denominator")
    if numerator is None and denominator is None:
        return
    if numerator is None or denominator is None:
        errors["numerator" if numerator is None else "denominator"] = "请同时填写分子和分母"
    elif denominator == 0:
        errors["denominator"] = "分母必须大于 0"
    elif numerator > denominator:
        errors["numerator"] = "分子不能大于分母"
    elif values.get("value") is not None and not _agrees(values["value"], numerator, denominator):
        errors["value"] = "百分比与分子/分母不一致"


def _agrees(percent: Decimal, numerator: Decimal, denominator: Decimal) -> bool:
    # People round a percentage to the places they type: 1/3 may be written 33, 33.3 or 33.33.
    # Within half a unit of the last typed place agrees, so a tie may be rounded either way.
    places = min(max(0, -percent.as_tuple().exponent), MAX_PLACES)
    exact = numerator / denominator * 100
    return abs(exact - percent) <= Decimal(5).scaleb(-places - 1)


# --- field readers: each takes the typed text and returns a value or raises _Invalid ------------
# A number as people type it: optional thousands commas, a decimal point, a sign (to refuse it).
_NUMBER = re.compile(r"[+-]?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]*)(?:\.[0-9]*)?")
_TIME_OF_DAY = re.compile(r"(?:\s+|T)[0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?$")
_DATE = re.compile(
    r"(?P<y>[0-9]{4})(?:(?P<sep>[-/.])(?P<m>[0-9]{1,2})(?P=sep)(?P<d>[0-9]{1,2})"
    r"|年(?P<cm>[0-9]{1,2})月(?P<cd>[0-9]{1,2})[日号]?)"
)
_DATE_MESSAGE = "日期格式应为 YYYY-MM-DD"


def _number(text: str, *, percent: bool = False, digits: int = QUANTITY_DIGITS) -> Decimal | None:
    s = unicodedata.normalize("NFKC", text).strip()  # full-width digits, commas and ％ fold to ASCII
    if not s:
        return None
    if percent and s.endswith("%"):
        s = s[:-1].rstrip()
    if len(s) > 100 or not _NUMBER.fullmatch(s) or not any(ch.isdigit() for ch in s):
        raise _Invalid("请输入数字")
    value = Decimal(s.replace(",", ""))
    if value < 0:
        raise _Invalid("百分比应在 0–100 之间" if percent else "不能为负数")
    if percent and value > 100:
        raise _Invalid("百分比应在 0–100 之间")
    problem = size_problem(value, digits=digits)
    if problem:
        raise _Invalid(problem)
    if value.as_tuple().exponent < -MAX_PLACES:
        value = value.quantize(Decimal(1).scaleb(-MAX_PLACES))  # 1.500000 is 1.5000: only zeros were dropped
    return value.copy_abs() if value == 0 else value  # "-0" is stored as 0


def _percentage(text: str) -> Decimal | None:
    return _number(text, percent=True)


def _band(text: str) -> Band | None:
    try:
        return parse_band(text)
    except EntryError:
        raise _Invalid(_BAND_MESSAGE) from None


def _date(text: str, year: int | None) -> date | None:
    s = unicodedata.normalize("NFKC", text).strip()
    if not s:
        return None
    if len(s) > 40:
        raise _Invalid(_DATE_MESSAGE)
    # Spreadsheet cells read as text carry a time of day ("2023-12-31 00:00:00"), and PDF-style
    # text has spaces inside ("2023 年 12 月 31 日").
    s = re.sub(r"\s+", "", _TIME_OF_DAY.sub("", s))
    m = _DATE.fullmatch(s)
    if not m:
        raise _Invalid(_DATE_MESSAGE)
    try:
        day = date(int(m["y"]), int(m["m"] or m["cm"]), int(m["d"] or m["cd"]))
    except ValueError:
        raise _Invalid("日期不存在，请检查月份和日") from None
    if year is not None and not year - 1 <= day.year <= year + 1:
        raise _Invalid(f"日期不在 {year} 年度附近")
    return day


def _long_text(text: str, label: str) -> str | None:
    s = text.strip()
    if len(s) > MAX_TEXT:
        raise _Invalid(f"{label}过长（最多 {MAX_TEXT} 字）")
    return s or None


def _field_text(raw: Mapping[str, str | None], name: str) -> str:
    return _as_text(raw.get(name))


def _as_text(value: object) -> str:
    # Cells of an uploaded sheet may arrive as numbers or dates; their str() is what was typed.
    return "" if value is None else value if isinstance(value, str) else str(value)


def _squeezed(text: str | None) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", _as_text(text)))
